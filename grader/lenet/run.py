"""The LeNet item's training run: the lesson's LeNet trained with a submission's own classes in a
sandbox of its own, in a background thread, so that the other checks run meanwhile.

The model lives in the worker (lenet.Trainer, built from the submission's classes); this side
drives it one batch per request, so every step has the per-call time limit, and evaluates it at
checkpoints (every `checkpoint_batches` batches and at the end). An attempt stops as soon as a
checkpoint reaches the threshold. Attempt k trains with seed rubric.lenet.seed + k
(bench/lenet_threshold.py shows why this keeps a correct submission's chance of failing below 1 in
1,000).

Instructor mode (a reference at hand) is protected from memorisation (lenet_evaluation): the
classes are relabelled by a secret permutation, the test images are the held-out ones
(data.lenet_data), and the accuracy is computed here from the trained weights with the reference's
layers, so the worker never sees a test image. Public mode (the student kit) uses the worker's
logits on the kit's test images: for a slow pace, a second worker's, from the checkpoint's weights,
while the training goes on (side_evaluation; the same checkpoints and verdict).

The verdict is a function of the submission and the seeds, not of the machine's speed: what is
judged is a fixed amount of work (the attempts' batches and checkpoints, fixed in advance). Time
decides once, at the probe, on a ratio measured under the same load (lenet_budget's pace rule):
after PROBE_BATCHES batches the pace is measured and the calibration again (for a slow pace, in
slices between its batches: both under the same load; not for a pace far inside the budget); a
pace whose one attempt would not fit in the budget (rubric time_budget_multiple x the calibration,
far between the slowest correct style and the naive one, see the rubric) stops the run at once; an admitted one gets every attempt that fits, whole, in
ATTEMPTS_MULTIPLE budgets (two at least). After that only the safety net (SAFETY_MULTIPLE budgets,
at most the rubric's cap) stops a run that slowed down. The per-layer timings (forward and backward
of one batch, the submission's vs the reference's) say which layer is slow.
"""

import threading
import time
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from grader.grading.blame import blame_note
from grader.grading.rubric import Rubric
from grader.lenet import budget as lenet_budget
from grader.lenet import messages as lenet_messages
from grader.lenet.evaluation import evaluate, instructor_secret, relabelling, trusted_lenet
from grader.lenet.side_evaluation import PendingCheckpoints, SideEvaluator, worth_a_side_worker
from grader.lenet.summary import Attempt, Calibration, LenetSummary
from grader.lenet.trainer import Protocol, batch_order, checkpoint_due, layer_times, preprocess
from grader.sandbox.errors import CallTimeout, SandboxError, SubmissionRaised
from grader.sandbox.prepare import Prepared
from grader.sandbox.runner import Limits, Sandbox

PROBE_BATCHES = 4  # the time per batch is the median of batches 2..PROBE_BATCHES of the first attempt
SLOW_SHARE = 0.25  # a first batch at this share of budget / batches: the calibration is sliced between probe batches
LAYER_TIMING_CALLS = 3  # the per-layer timing, one request, may take this many per-call limits
SLOW_TIMING_SECONDS = 0.1  # from this pace a batch, the per-layer timing measures each layer once, not best of 3


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
        # built here, in the grade's thread: the reference's layers draw from numpy's global generator
        self.reference_trainer = (
            lenet_budget.reference_trainer(reference, self.X_train, self.y_train, self.protocol(self.settings.seed))
            if reference is not None
            else None
        )
        self.trusted = trusted_lenet(reference) if reference is not None else None  # evaluates in instructor mode
        self.budget = float(self.settings.time_budget_cap_seconds)
        self.started = 0.0
        self.calibration: Calibration | None = None
        self.attempts: list[Attempt] = []
        self.layer_times: list[dict[str, Any]] = []
        self.error: str | None = None
        self.too_slow = False
        self.slowed_down = False  # stopped by the safety net rather than by the probe
        self.per_batch: float | None = None  # seconds, measured once on the first attempt's first batches
        self.slices: list[float] = []  # calibrations measured between a slow pace's probe batches
        self.projected: float | None = None  # seconds for one whole attempt at that pace
        self.attempts_left_out = 0  # attempts that would not fit in the budget at that pace
        self.batches_done = 0
        self.stopped_at: int | None = None
        self.train_size = len(self.X_train)
        self.batches_per_attempt = self.settings.epochs * -(-self.train_size // self.settings.batch_size)
        self.thread = threading.Thread(target=self._run, name="lenet", daemon=True)
        self.beside_checks = False  # start(background=True): the grade has a core for the LeNet's own
        self.side: SideEvaluator | None = None  # public mode, slow pace, a core to spare (side_evaluation)

    def calibrate(self, slices: tuple[float, ...] = ()) -> None:
        """Set the time budget from a calibration measured now, on this machine: the reference's
        LeNet when it is at hand (instructor mode), else the fixed NumPy workload (lenet_budget);
        or from the mean of slices (measure(window) between a slow pace's probe batches). The run
        first calibrates while its worker starts up."""
        seconds = sum(slices) / len(slices) if slices else self.measure()
        source = (
            "the reference's LeNet" if self.reference is not None else "a NumPy workload standing for the reference"
        )
        multiple, cap = self.settings.time_budget_multiple, self.settings.time_budget_cap_seconds
        self.budget = lenet_budget.budget_seconds(seconds, multiple)
        self.calibration = Calibration(seconds=seconds, source=source, multiple=multiple, cap_seconds=cap)

    def measure(self, window: float = 0.0) -> float:
        """The calibration's seconds for the whole protocol, measured now (lenet_budget)."""
        protocol = self.protocol(self.settings.seed)
        if self.reference_trainer is not None:
            return lenet_budget.reference_seconds(self.reference_trainer, protocol, window)
        return lenet_budget.workload_seconds(protocol, self.train_size, window)

    def start(self, background: bool = True) -> "LenetRun":
        """Train in a background thread (while the checks run), or right now."""
        total = self.settings.time_budget_cap_seconds + 60  # the safety net stops the run at the cap at most
        self.limits = Limits(**{**self.limits.__dict__, "total_seconds": total})
        self.beside_checks = background
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
            first_calibration = lambda: self.calibrate()  # noqa: E731 - while the worker starts up
            with Sandbox(self.submission, self.limits, prepared=self.prepared, while_starting=first_calibration) as box:
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
        finally:
            if self.side is not None:
                self.side.close()

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
        """lenet_budget.another_attempt_fits at the pace measured once on the first batches: a
        decision from one measurement, taken before the attempt."""
        pace = self.per_batch if self.per_batch is not None else 0.0
        return lenet_budget.another_attempt_fits(pace, self.batches_done, self.batches_per_attempt, self.budget)

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
        pending = PendingCheckpoints()  # side evaluations not recorded yet
        started = time.perf_counter()
        for number, indices in enumerate(batches, start=1):
            if time.perf_counter() - self.started > lenet_budget.safety_seconds(
                self.budget, self.settings.time_budget_cap_seconds
            ):
                if not self._settle(attempt, pending, wait=True):  # the checkpoints before the stop count
                    self._stop(number - 1, slowed_down=True)
                return
            batch_started = time.perf_counter()
            loss = box.request("lenet_step", f"LeNet training, batch {number} (seed {seed})", indices=indices)
            attempt["batch_seconds"].append(time.perf_counter() - batch_started)
            attempt["losses"].append(_as_loss(loss))
            self.batches_done += 1
            attempt["seconds"] = time.perf_counter() - started
            if self.per_batch is None and self._probe(number, attempt["batch_seconds"], len(batches)):
                return
            if self._settle(attempt, pending):
                break
            if checkpoint_due(number, len(batches), attempt["losses"], every):
                if self.side is not None:  # evaluated beside the training, from these weights
                    values = box.request("lenet_parameters", f"reading the LeNet's weights (seed {seed})")
                    pending.add(number, self.side.submit(values, y_test, seed))
                elif self._record(attempt, number, evaluate(box, self.trusted, self.X_test, y_test, seed)):
                    break
        else:
            self._settle(attempt, pending, wait=True)
        attempt["seconds"] = time.perf_counter() - started

    def _record(self, attempt: Attempt, number: int, score: float) -> bool:
        """Record the checkpoint after batch number; whether it reached the threshold."""
        attempt["checkpoints"].append({"batch": number, "accuracy": score})
        attempt["accuracy"] = score
        return score >= self.settings.threshold

    def _settle(self, attempt: Attempt, pending: PendingCheckpoints, wait: bool = False) -> bool:
        """Record the side evaluations that have finished (PendingCheckpoints.settle): True when one passed."""
        return pending.settle(partial(self._record, attempt), partial(self._cut_back, attempt), wait)

    def _cut_back(self, attempt: Attempt, number: int) -> None:
        """Drop the attempt's batches after batch number (trained while its checkpoint was evaluated)."""
        self.batches_done -= len(attempt["losses"]) - number
        del attempt["losses"][number:], attempt["batch_seconds"][number:]

    def _probe(self, number: int, times: list[float], total: int) -> bool:
        """The pace rule's one decision, after the first attempt's batch PROBE_BATCHES: True when the
        pace cannot fit one attempt in the budget (the run stops). A slow pace is compared with slices
        of the calibration taken after its batches 2..PROBE_BATCHES: the same seconds of the load."""
        last = min(PROBE_BATCHES, total)
        if number >= 2 and times[0] * self.batches_per_attempt >= SLOW_SHARE * self.budget:
            self.slices.append(self.measure(lenet_budget.SLICE_SECONDS))
        if number < last:
            return False
        self.per_batch = float(np.median(times[1:] or times))
        if not lenet_budget.clearly_admitted(self.per_batch, self.batches_per_attempt, self.budget):
            self.calibrate(tuple(self.slices))  # again, now: under the same load as the pace
        if lenet_budget.admitted(self.per_batch, self.batches_per_attempt, self.budget):
            if (
                self.trusted is None
                and self.beside_checks
                and worth_a_side_worker(self.per_batch, self.settings.batch_size, len(self.X_test))
            ):
                self.side = SideEvaluator(self.submission, self.limits, self.prepared, self.X_test)
            return False
        self._stop(number, slowed_down=False)
        return True

    def _stop(self, batch: int, slowed_down: bool) -> None:
        self.too_slow, self.slowed_down, self.stopped_at = True, slowed_down, batch
        pace = self.per_batch if self.per_batch is not None else 0.0
        if slowed_down and batch:
            pace = self.attempts[-1]["seconds"] / batch
        self.projected = pace * self.batches_per_attempt

    def _time_layers(self, box: Sandbox) -> None:
        """Per-layer timings of one batch of the submission's LeNet, in its worker."""
        try:
            self.layer_times = box.request(
                "lenet_layer_times",
                "timing the LeNet's layers",
                timeout=LAYER_TIMING_CALLS * self.limits.call_seconds,  # every layer's forward and backward
                X=self.timing_batch(),
                seed=self.settings.seed,
                repeats=1 if self.too_slow or self.error or self._slow_pace() else 3,  # one measure says where
            )
        except Exception:  # noqa: BLE001 - a diagnostic; a layer that fails here fails its own items
            self.layer_times = []

    def _slow_pace(self) -> bool:
        """A pace of SLOW_TIMING_SECONDS a batch or more: best of three timings would add seconds to tell apart
        layers whose times differ far more than the noise."""
        return self.per_batch is not None and self.per_batch >= SLOW_TIMING_SECONDS

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

    def evaluated_by(self) -> str:
        if self.reference is not None:
            return "the grader, with the reference's layers"
        return "a second worker of the submission, beside the training" if self.side is not None else "the worker"

    def pace_multiple(self) -> float | None:
        """The probe's time per batch as a multiple of the calibration's (None before the probe)."""
        if self.per_batch is None or self.calibration is None:
            return None
        return self.per_batch * self.batches_per_attempt / self.calibration["seconds"]

    def slowest_layer(self) -> str:
        return lenet_messages.slowest_layer(self.layer_times)

    def too_slow_message(self) -> str:
        return lenet_messages.too_slow_message(self)

    def attempts_note(self) -> str:
        return lenet_messages.attempts_note(self)

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
            pace_multiple=self.pace_multiple(),
            attempts_left_out=self.attempts_left_out,
            relabelled=self.secret is not None,
            evaluated_by=self.evaluated_by(),
            test_images=len(self.X_test),
            budget_seconds=self.budget,
            calibration=self.calibration,
            checkpoint_batches=self.settings.checkpoint_batches,
        )


def _as_loss(value: Any) -> float:
    """The worker's loss (lenet.scalar made it a float); NaN for anything else."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("nan")
