"""The LeNet item's training run: the lesson's LeNet trained with a submission's own classes in a
sandbox of its own, in a background thread, so that the other checks run meanwhile.

The model lives in the worker (lenet.Trainer, built from the submission's classes); this side
drives it one batch per request, so every step has the per-call time limit, and evaluates it at
checkpoints (every `checkpoint_batches` batches and at the end) on the test images, whose labels
never leave this process. An attempt stops as soon as a checkpoint reaches the threshold, so a
correct but slow implementation passes without running the whole protocol. Attempt k trains with
seed rubric.lenet.seed + k (bench/lenet_threshold.py shows why this keeps a correct submission's
chance of failing below 1 in 1,000). The time budget (lenet_budget) is the whole item's: the attempts
share it, so that no submission keeps a grade waiting longer than the budget whatever it does. Running
past it, or a step past the per-call limit, ends the run: no further attempt is made. The per-layer
timings (forward and backward of one batch, the submission's vs the reference's) say which layer
is slow.
"""

import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any, TypedDict

import numpy as np
from threadpoolctl import threadpool_limits

from grader.blame import blame_note
from grader.lenet import Protocol, accuracy, batch_order, checkpoint_due, layer_times, preprocess
from grader.lenet_budget import budget_seconds, reference_seconds, workload_seconds
from grader.rubric import Rubric
from grader.sandbox.errors import CallTimeout, SandboxError, SubmissionRaised
from grader.sandbox.prepare import Prepared
from grader.sandbox.runner import Limits, Sandbox

EVALUATION_CHUNK = 250  # test images per request when evaluating


class Attempt(TypedDict):
    """One attempt of the protocol: its seed, the last checkpoint's accuracy (None before the
    first), per-batch losses and times, the checkpoints ({"batch", "accuracy"}) and its duration."""

    seed: int
    accuracy: float | None
    losses: list[float]
    batch_seconds: list[float]
    checkpoints: list[dict[str, Any]]
    seconds: float


class LenetRun:
    """start() then finish(): attempts, accuracies, losses, timings; never raises for the submission."""

    def __init__(
        self,
        submission: str | Path,
        rubric: Rubric,
        data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        limits: Limits = Limits(),
        prepared: Prepared | None = None,
    ) -> None:
        self.submission, self.settings = submission, rubric.lenet
        self.prepared = prepared  # the grade's prepared copy, shared with the checks' sandbox
        self.X_train, self.X_test = preprocess(data[0], data[2])
        self.y_train, self.y_test = data[1], data[3]
        self.limits = limits
        self.budget = float(self.settings.time_budget_cap_seconds)
        self.started = 0.0
        self.calibration: dict[str, Any] = {}
        self.attempts: list[Attempt] = []
        self.layer_times: list[dict[str, Any]] = []
        self.error: str | None = None
        self.too_slow = False
        self.projected: float | None = None
        self.batches_done = 0
        self.stopped_at: int | None = None
        self.train_size = len(self.X_train)
        self.thread = threading.Thread(target=self._run, name="lenet", daemon=True)

    def calibrate(self, reference: ModuleType | None = None) -> None:
        """Set the time budget from a calibration measured now, on this machine: the reference's
        LeNet when it is at hand (instructor mode), else the fixed NumPy workload (lenet_budget)."""
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
        self.calibration = {"seconds": seconds, "source": source, "multiple": multiple, "cap_seconds": cap}

    def start(self, background: bool = True) -> "LenetRun":
        """Train in a background thread (while the checks run), or right now."""
        total = self.budget + 60
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
        self.started = time.perf_counter()  # the budget counts from here, across attempts
        try:
            with Sandbox(self.submission, self.limits, prepared=self.prepared) as box:
                for attempt in range(self.settings.attempts):
                    self._attempt(box, self.settings.seed + attempt)
                    if self.passed or self.too_slow or self._would_overrun(0.0):
                        break
                self._time_layers(box)
        except CallTimeout as error:
            self.error = (
                f"{error.call}: took longer than the per-call limit of {self.limits.call_seconds:g} s; "
                "training stopped (no further attempt)"
            )
        except SubmissionRaised as error:
            self.error = f"{error.call} raised {error.type_name}: {error.message}{blame_note(error.where, 'lenet')}"
        except SandboxError as error:
            self.error = f"{error.call}: {error.detail}"
        except ValueError as error:  # logits of the wrong shape
            self.error = str(error)

    def _attempt(self, box: Sandbox, seed: int) -> None:
        protocol = self.protocol(seed)
        box.request(
            "lenet_start",
            f"building the LeNet (seed {seed})",
            X_train=self.X_train,
            y_train=self.y_train,
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
            if attempt["batch_seconds"] and self._would_overrun(attempt["batch_seconds"][-1]):
                self.too_slow, self.stopped_at = True, number - 1
                self.projected = attempt["seconds"] / (number - 1) * len(batches)
                return
            batch_started = time.perf_counter()
            loss = box.request("lenet_step", f"LeNet training, batch {number} (seed {seed})", indices=indices)
            attempt["batch_seconds"].append(time.perf_counter() - batch_started)
            attempt["losses"].append(_as_loss(loss))
            self.batches_done += 1
            if checkpoint_due(number, len(batches), attempt["losses"], every):
                score = self._evaluate(box, seed)
                attempt["checkpoints"].append({"batch": number, "accuracy": score})
                attempt["accuracy"] = score
                if score >= self.settings.threshold:
                    break
            attempt["seconds"] = time.perf_counter() - started
        attempt["seconds"] = time.perf_counter() - started

    def _would_overrun(self, next_batch_seconds: float) -> bool:
        """Whether one more batch (as long as the last one) would take the run past its budget."""
        return time.perf_counter() - self.started + next_batch_seconds > self.budget

    def _evaluate(self, box: Sandbox, seed: int) -> float:
        """Test accuracy of the worker's LeNet, its logits asked for in chunks."""
        chunks = [
            box.request("lenet_logits", f"LeNet evaluation, test images {start}-{start + len(X)} (seed {seed})", X=X)
            for start in range(0, len(self.X_test), EVALUATION_CHUNK)
            for X in [self.X_test[start : start + EVALUATION_CHUNK]]
        ]
        logits = [np.asarray(chunk) for chunk in chunks]
        if any(chunk.ndim != 2 for chunk in logits):
            raise ValueError(f"the model returned logits of shape {logits[0].shape} for test images, expected (N, 10)")
        return accuracy(np.concatenate(logits), self.y_test)

    def _time_layers(self, box: Sandbox) -> None:
        """Per-layer timings of one batch of the submission's LeNet, in its worker."""
        try:
            self.layer_times = box.request(
                "lenet_layer_times",
                "timing the LeNet's layers",
                X=self.timing_batch(),
                seed=self.settings.seed,
                repeats=1 if self.too_slow else 3,  # a slow run has used its time: one measure says where
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

    def too_slow_message(self) -> str:
        slowest = max(self.layer_times, key=lambda row: row["forward_ms"] + row["backward_ms"], default=None)
        where = (
            (
                f"; the slowest layer is {slowest['layer']} ({slowest['forward_ms']:.1f} ms forward, "
                f"{slowest['backward_ms']:.1f} ms backward per batch)"
            )
            if slowest
            else ""
        )
        last = self.attempts[-1]
        per_batch = last["seconds"] / max(len(last["losses"]), 1)
        total = self.settings.epochs * -(-self.train_size // self.settings.batch_size)
        return (
            f"training ran past its budget of {self.budget:.0f} s at batch {self.stopped_at} of {total} without "
            f"reaching the threshold: the whole run would take about {self.projected:.0f} s "
            f"({per_batch * 1e3:.0f} ms per batch){where}"
        )

    def summary(self) -> dict[str, Any]:
        """JSON-able facts for the results and the report."""
        return {
            "threshold": self.settings.threshold,
            "attempts": self.attempts,
            "layer_times": self.layer_times,
            "error": self.error,
            "too_slow": self.too_slow,
            "projected_seconds": self.projected,
            "budget_seconds": self.budget,
            "calibration": self.calibration,
            "checkpoint_batches": self.settings.checkpoint_batches,
        }


def _as_loss(value: Any) -> float:
    """The worker's loss (lenet.scalar made it a float); NaN for anything else."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("nan")
