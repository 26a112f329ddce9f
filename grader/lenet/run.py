"""The LeNet item's training run: the lesson's LeNet trained with a submission's own classes in a
sandbox of its own, in a background thread, so that the other checks run meanwhile.

The model lives in the worker (lenet.Trainer, built from the submission's classes); this side
drives it one batch per request, so every step has the per-call time limit, and evaluates it at
checkpoints (every `checkpoint_batches` batches and at the end). An attempt stops as soon as a
checkpoint reaches the threshold. Attempt k trains with seed rubric.lenet.seed + k
(bench/lenet_threshold.py shows why this keeps a correct submission's chance of failing below 1 in
1,000).

Instructor mode (a reference at hand) is protected from memorisation (evaluation.py): the
classes are relabelled by a secret permutation, the test images are the held-out ones
(data.lenet_data), and the accuracy is computed here from the trained weights with the reference's
layers, so the worker never sees a test image. Public mode (the student kit) uses the worker's
logits on the kit's test images.

The verdict is a function of the submission and the seeds, not of the machine's speed: what is
judged is a fixed amount of work (the attempts' batches and checkpoints, fixed in advance), and time
decides only at fixed points, by a wide margin: after PROBE_BATCHES batches the time per batch is
measured once, and the budget calibrated again right then (under the same load); when one whole
attempt at that pace would not fit in the budget (budget.py: 150x the reference's time here), the
run stops at once, too slow; a further attempt is started only when all the batches so far and it
fit, at that pace, in ATTEMPTS_MULTIPLE budgets (so a pace that passes the probe gets at least two
attempts, and a correct one up to 100x the reference's all three). A run that slows down to
SAFETY_MULTIPLE times its budget is stopped too (no correct submission does). The per-layer timings (forward and backward
of one batch, the submission's vs the reference's) say which layer is slow.
"""

import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any, TypedDict

import numpy as np
from threadpoolctl import threadpool_limits

from grader.grading.blame import blame_note
from grader.grading.rubric import Rubric
from grader.lenet import messages
from grader.lenet.budget import ATTEMPTS_MULTIPLE, SAFETY_MULTIPLE, budget_seconds, reference_seconds, workload_seconds
from grader.lenet.evaluation import checked_parameters, instructor_secret, relabelling, trusted_logits
from grader.lenet.trainer import Protocol, accuracy, batch_order, checkpoint_due, layer_times, preprocess
from grader.sandbox.errors import CallTimeout, SandboxError, SubmissionRaised
from grader.sandbox.prepare import Prepared
from grader.sandbox.runner import Limits, Sandbox

EVALUATION_CHUNK = 250  # test images per request when evaluating in the worker (public mode)
PROBE_BATCHES = 4  # the time per batch is the median of batches 2..PROBE_BATCHES of the first attempt
LAYER_TIMING_CALLS = 3  # the per-layer timing, one request, may take this many per-call limits


class Attempt(TypedDict):
    """One attempt of the protocol: its seed, the last checkpoint's accuracy (None before the
    first), per-batch losses and times, the checkpoints ({"batch", "accuracy"}) and its duration."""

    seed: int
    accuracy: float | None
    losses: list[float]
    batch_seconds: list[float]
    checkpoints: list[dict[str, Any]]
    seconds: float


class Calibration(TypedDict):
    """What the budget was measured on: its seconds, their source, the rubric's multiple and cap."""

    seconds: float
    source: str
    multiple: float
    cap_seconds: float


class LenetSummary(TypedDict):
    """A LeNet run for the results and the report (LenetRun.summary)."""

    threshold: float
    attempts: list[Attempt]
    layer_times: list[dict[str, Any]]
    error: str | None
    too_slow: bool
    projected_seconds: float | None
    per_batch_seconds: float | None
    attempts_left_out: int
    relabelled: bool
    evaluated_by: str
    test_images: int
    budget_seconds: float
    calibration: Calibration | None
    checkpoint_batches: int


class LenetRun:
    """start() then finish(): attempts, accuracies, losses, timings; never raises for the submission.

    data = (Xtr, ytr, Xte, yte) raw (data.lenet_data); reference: the instructor mode's reference
    package (relabelling, trusted accuracy), None in public mode; grade_seed: the grade's seed.
    """

    def __init__(
        self,
        submission: str | Path,
        rubric: Rubric,
        data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        limits: Limits = Limits(),
        reference: ModuleType | None = None,
        grade_seed: int = 0,
        prepared: Prepared | None = None,
    ) -> None:
        self.submission, self.settings = submission, rubric.lenet
        self.prepared = prepared  # the grade's prepared copy, shared with the checks' sandbox
        self.X_train, self.X_test = preprocess(data[0], data[2])
        self.y_train, self.y_test = data[1], data[3]
        self.limits = limits
        self.reference, self.grade_seed = reference, grade_seed
        self.secret = instructor_secret(reference) if reference is not None else None
        self.budget = float(self.settings.time_budget_cap_seconds)
        self.started = 0.0
        self.calibration: Calibration | None = None
        self.attempts: list[Attempt] = []
        self.layer_times: list[dict[str, Any]] = []
        self.error: str | None = None
        self.too_slow = False
        self.slowed_down = False  # stopped by the safety net rather than by the probe
        self.per_batch: float | None = None  # seconds, measured once on the first attempt's first batches
        self.projected: float | None = None  # seconds for one whole attempt at that pace
        self.attempts_left_out = 0  # attempts that would not fit in the budget at that pace
        self.batches_done = 0
        self.stopped_at: int | None = None
        self.train_size = len(self.X_train)
        self.batches_per_attempt = self.settings.epochs * -(-self.train_size // self.settings.batch_size)
        self.thread = threading.Thread(target=self._run, name="lenet", daemon=True)

    def calibrate(self, reference: ModuleType | None = None) -> None:
        """Set the time budget from a calibration measured now, on this machine: the reference's
        LeNet when it is at hand (instructor mode), else the fixed NumPy workload (budget.py)."""
        protocol = self.protocol(self.settings.seed)
        if reference is not None:
            seconds, source = (
                reference_seconds(reference, self.X_train, self.y_train, protocol),
                "the reference's LeNet",
            )
        else:
            seconds, source = workload_seconds(protocol, self.train_size), "a NumPy workload standing for the reference"
        multiple, cap = self.settings.time_budget_multiple, self.settings.time_budget_cap_seconds
        self.budget = budget_seconds(seconds, multiple, cap)
        self.calibration = Calibration(seconds=seconds, source=source, multiple=multiple, cap_seconds=cap)

    def start(self, background: bool = True) -> "LenetRun":
        """Train in a background thread (while the checks run), or right now."""
        total = SAFETY_MULTIPLE * max(self.budget, self.settings.time_budget_cap_seconds) + 60  # the probe recalibrates
        self.limits = Limits(**{**self.limits.__dict__, "total_seconds": total})
        if background:
            self.thread.start()
        else:
            self._run()
        return self

    def finish(self) -> "LenetRun":
        if self.thread.ident is not None:  # started in the background
            self.thread.join()
        return self

    @property
    def passed(self) -> bool:
        return any(a["accuracy"] is not None and a["accuracy"] >= self.settings.threshold for a in self.attempts)

    def protocol(self, seed: int) -> Protocol:
        return Protocol(
            epochs=self.settings.epochs, lr=self.settings.lr, batch_size=self.settings.batch_size, seed=seed
        )

    def _run(self) -> None:
        self.started = time.perf_counter()
        try:
            with Sandbox(self.submission, self.limits, prepared=self.prepared) as box:
                try:
                    self._attempts(box)
                except CallTimeout as error:  # a batch too slow for even one call: say which layer is slow
                    self.error = (
                        f"{error.call}: took longer than the per-call limit of {self.limits.call_seconds:g} s; "
                        "training stopped (no further attempt)"
                    )
                self._time_layers(box)
                if self.error:
                    self.error += self.slowest_layer()
        except SubmissionRaised as error:
            self.error = f"{error.call} raised {error.type_name}: {error.message}{blame_note(error.where, 'lenet')}"
        except SandboxError as error:
            self.error = f"{error.call}: {error.detail}"
        except ValueError as error:  # logits or parameters of the wrong shape
            self.error = str(error)

    def _attempts(self, box: Sandbox) -> None:
        """The rubric's attempts, until one passes, the run is too slow or another would not fit."""
        for attempt in range(self.settings.attempts):
            if attempt > 0 and not self._another_attempt_fits():
                self.attempts_left_out = self.settings.attempts - attempt
                return
            self._attempt(box, self.settings.seed + attempt)
            if self.passed or self.too_slow:
                return

    def _another_attempt_fits(self) -> bool:
        """Whether a whole further attempt, at the pace measured once on the first batches, fits in the
        attempts' share of the budget after the batches already done: a decision from one measurement,
        taken before the attempt."""
        pace = self.per_batch if self.per_batch is not None else 0.0
        return (self.batches_done + self.batches_per_attempt) * pace <= ATTEMPTS_MULTIPLE * self.budget

    def _labels(self, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """(training labels sent to the worker, test labels kept here) for the attempt with this seed:
        relabelled by the secret permutation in instructor mode."""
        if self.secret is None:
            return self.y_train, self.y_test
        permutation = relabelling(self.secret, self.grade_seed, seed)
        return permutation[self.y_train], permutation[self.y_test]

    def _attempt(self, box: Sandbox, seed: int) -> None:
        protocol = self.protocol(seed)
        y_train, y_test = self._labels(seed)
        box.request(
            "lenet_start",
            f"building the LeNet (seed {seed})",
            X_train=self.X_train,
            y_train=y_train,
            protocol=protocol.__dict__,
        )
        batches = batch_order(protocol, self.train_size)
        every = self.settings.checkpoint_batches
        attempt: Attempt = {
            "seed": seed,
            "accuracy": None,
            "losses": [],
            "batch_seconds": [],
            "checkpoints": [],
            "seconds": 0.0,
        }
        self.attempts.append(attempt)
        started = time.perf_counter()
        for number, indices in enumerate(batches, start=1):
            if time.perf_counter() - self.started > SAFETY_MULTIPLE * self.budget:
                self._stop(number - 1, slowed_down=True)
                return
            batch_started = time.perf_counter()
            loss = box.request("lenet_step", f"LeNet training, batch {number} (seed {seed})", indices=indices)
            attempt["batch_seconds"].append(time.perf_counter() - batch_started)
            attempt["losses"].append(_as_loss(loss))
            self.batches_done += 1
            attempt["seconds"] = time.perf_counter() - started
            if self.per_batch is None and number == min(PROBE_BATCHES, len(batches)):
                self.per_batch = float(np.median(attempt["batch_seconds"][1:] or attempt["batch_seconds"]))
                self.calibrate(self.reference)  # again, now: the pace and the budget measured under the same load
                if self.per_batch * self.batches_per_attempt > self.budget:
                    self._stop(number, slowed_down=False)
                    return
            if checkpoint_due(number, len(batches), attempt["losses"], every):
                score = self._evaluate(box, seed, y_test)
                attempt["checkpoints"].append({"batch": number, "accuracy": score})
                attempt["accuracy"] = score
                if score >= self.settings.threshold:
                    break
        attempt["seconds"] = time.perf_counter() - started

    def _stop(self, batch: int, slowed_down: bool) -> None:
        self.too_slow, self.slowed_down, self.stopped_at = True, slowed_down, batch
        pace = self.per_batch if self.per_batch is not None else 0.0
        if slowed_down and batch:
            pace = self.attempts[-1]["seconds"] / batch
        self.projected = pace * self.batches_per_attempt

    def _evaluate(self, box: Sandbox, seed: int, y_test: np.ndarray) -> float:
        """Test accuracy of the worker's LeNet: from its parameters (shapes checked), here, in instructor
        mode; from its logits, asked for in chunks, in public mode, each chunk's shape checked as it
        arrives, so that no more than one reply of the worker's choosing is held here."""
        if self.reference is not None:
            values = box.request("lenet_parameters", f"reading the LeNet's weights (seed {seed})")
            with threadpool_limits(limits=1):
                return accuracy(trusted_logits(self.reference, checked_parameters(values), self.X_test), y_test)
        logits = []
        for start in range(0, len(self.X_test), EVALUATION_CHUNK):
            X = self.X_test[start : start + EVALUATION_CHUNK]
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

    def _time_layers(self, box: Sandbox) -> None:
        """Per-layer timings of one batch of the submission's LeNet, in its worker."""
        try:
            self.layer_times = box.request(
                "lenet_layer_times",
                "timing the LeNet's layers",
                timeout=LAYER_TIMING_CALLS * self.limits.call_seconds,  # every layer's forward and backward
                X=self.timing_batch(),
                seed=self.settings.seed,
                repeats=1 if self.too_slow or self.error else 3,  # a slow run has used its time: one measure says where
            )
        except Exception:  # noqa: BLE001 - a diagnostic; a layer that fails here fails its own items
            self.layer_times = []

    def timing_batch(self) -> np.ndarray:
        return self.X_train[: self.settings.batch_size]

    def time_reference(self, reference: ModuleType) -> None:
        """Add the reference's per-layer timings; call it when nothing else runs (after the checks),
        so that the two columns of the report are measured alike."""
        np.random.seed(self.settings.seed)
        with threadpool_limits(limits=1):  # like the worker's BLAS
            twins = layer_times(reference, self.timing_batch())
        for row, twin in zip(self.layer_times, twins, strict=False):
            row.update(reference_forward_ms=twin["forward_ms"], reference_backward_ms=twin["backward_ms"])

    def slowest_layer(self) -> str:
        return messages.slowest_layer(self.layer_times)

    def too_slow_message(self) -> str:
        return messages.too_slow_message(self)

    def attempts_note(self) -> str:
        return messages.attempts_note(self)

    def summary(self) -> LenetSummary:
        """JSON-able facts for the results and the report."""
        return LenetSummary(
            threshold=self.settings.threshold,
            attempts=self.attempts,
            layer_times=self.layer_times,
            error=self.error,
            too_slow=self.too_slow,
            projected_seconds=self.projected,
            per_batch_seconds=self.per_batch,
            attempts_left_out=self.attempts_left_out,
            relabelled=self.secret is not None,
            evaluated_by="the grader, with the reference's layers" if self.reference is not None else "the worker",
            test_images=len(self.X_test),
            budget_seconds=self.budget,
            calibration=self.calibration,
            checkpoint_batches=self.settings.checkpoint_batches,
        )


def _as_loss(value: Any) -> float:
    """The worker's loss (lenet.scalar made it a float); NaN for anything else."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("nan")
