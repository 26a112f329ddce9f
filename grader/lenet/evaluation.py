"""What keeps the LeNet item from being memorised, in instructor mode: a secret relabelling of the
classes and an accuracy computed on the trusted side from the trained parameters.

- relabelling(secret, grade_seed, attempt_seed) -> (10,) permutation: class c is called perm[c] in
  the training labels sent to the worker and in the held-out test labels. It is derived from a
  secret the worker cannot read (instructor_secret: $TORCINO_LENET_SECRET, else a digest of the
  reference's source, which the sandbox hides), so it is the same for a given grade seed (a regrade
  gives the same verdict) but no submission can compute it; a lookup carried from the kit's labels
  names the wrong classes.
- trusted_logits(trusted_lenet(reference), parameters, X): the worker only trains; at a checkpoint the grader
  fetches the six weights and biases (lenet.layer_parameters), checks them (checked_parameters) and
  computes the logits with the reference's own layers in this process. A forward that looks its
  answers up (a kNN over the training images, a table of the kit's pixels) earns nothing: only what
  the submission's SGD wrote into the weights counts.
- evaluate(box, trusted, X_test, y_test, seed): a checkpoint's accuracy, from the parameters with
  the reference's layers in instructor mode, from the worker's logits in public mode (the kit).
"""

import copy
import hashlib
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from grader.lenet.trainer import PARAMETER_SHAPES, accuracy, build_lenet, load_parameters
from grader.sandbox.runner import Sandbox

SECRET_VARIABLE = "TORCINO_LENET_SECRET"
PARAMETER_NAMES = (
    "conv weight",
    "conv bias",
    "first Linear weight",
    "first Linear bias",
    "last Linear weight",
    "last Linear bias",
)


def instructor_secret(reference: ModuleType) -> bytes:
    """$TORCINO_LENET_SECRET when set, else the SHA-256 of the reference package's .py files (the
    sandbox hides them from submissions; the student kit does not ship them)."""
    configured = os.environ.get(SECRET_VARIABLE)
    if configured:
        return configured.encode()
    digest = hashlib.sha256()
    for path in sorted(Path(str(reference.__file__)).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.digest()


def relabelling(secret: bytes, grade_seed: int, attempt_seed: int) -> np.ndarray:
    """A permutation of the 10 classes, (10,) int64, drawn from the secret and the two seeds."""
    key = hashlib.sha256(secret + f":{grade_seed}:{attempt_seed}".encode()).digest()
    return np.random.default_rng(int.from_bytes(key[:16], "little")).permutation(10)


def checked_parameters(values: Any) -> list[np.ndarray]:
    """The worker's reply to lenet_parameters as six float32 arrays of PARAMETER_SHAPES; a ValueError
    that names the first one that is missing, of another shape, not numeric or not finite."""
    if not isinstance(values, (list, tuple)) or len(values) != len(PARAMETER_SHAPES):
        raise ValueError(f"the LeNet's parameters could not be read: got {type(values).__name__}, expected six arrays")
    checked = []
    for name, value, shape in zip(PARAMETER_NAMES, values, PARAMETER_SHAPES, strict=True):
        if not isinstance(value, np.ndarray) or value.shape != shape or value.dtype.kind not in "biuf":
            described = f"shape {value.shape}, dtype {value.dtype}" if isinstance(value, np.ndarray) else "no array"
            raise ValueError(f"the LeNet's {name}: {described}, expected a numeric array of shape {shape}")
        if not np.isfinite(value).all():
            raise ValueError(f"the LeNet's {name} holds NaN or infinite values after training")
        checked.append(value.astype(np.float32))
    return checked


def trusted_lenet(reference: ModuleType) -> Any:
    """The lesson's LeNet built from the reference's layers, for trusted_logits. The constructors draw
    their initial weights from numpy's global generator, which is left as it was: build it in the thread
    that uses that generator (the grade's own), not in the LeNet's, where it would race with the checks'
    seeded draws."""
    state = np.random.get_state()
    try:
        return build_lenet(reference)
    finally:
        np.random.set_state(state)


def trusted_logits(template: Any, parameters: list[np.ndarray], X: np.ndarray) -> np.ndarray:
    """Logits (M, 10) of a copy of template (trusted_lenet) given the parameters (checked_parameters),
    computed in this process; X (M, 1, 28, 28) float32. The copy, and the forward caches it fills
    (30 MB for 500 images), go when it returns."""
    model = copy.deepcopy(template)
    load_parameters(model.layers, parameters)
    return np.asarray(model(X))


EVALUATION_CHUNK = 250  # test images per request when evaluating in the worker (public mode)


def evaluate(box: Sandbox, trusted: Any | None, X_test: np.ndarray, y_test: np.ndarray, seed: int) -> float:
    """Test accuracy of the worker's LeNet (X_test (N, 1, 28, 28), y_test (N,)): from its parameters
    (shapes checked), here, with trusted (trusted_lenet) in instructor mode; from its logits, asked for
    in chunks, in public mode (trusted None),
    each chunk's shape checked as it arrives, so that no more than one reply of the worker's choosing
    is held here."""
    if trusted is not None:
        values = box.request("lenet_parameters", f"reading the LeNet's weights (seed {seed})")
        with threadpool_limits(limits=1):
            return accuracy(trusted_logits(trusted, checked_parameters(values), X_test), y_test)
    logits = []
    for start in range(0, len(X_test), EVALUATION_CHUNK):
        X = X_test[start : start + EVALUATION_CHUNK]
        chunk = box.request(
            "lenet_logits", f"LeNet evaluation, test images {start}-{start + len(X)} (seed {seed})", X=X
        )
        shape = chunk.shape if isinstance(chunk, np.ndarray) else type(chunk).__name__
        if shape != (len(X), 10):
            raise ValueError(
                f"the model returned logits of shape {shape} for {len(X)} test images, expected ({len(X)}, 10)"
            )
        logits.append(chunk)
    return accuracy(np.concatenate(logits), y_test)
