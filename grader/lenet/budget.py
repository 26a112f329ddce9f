"""The LeNet item's time budget and pace rule: a multiple of a calibration measured on the grading
machine, in the same grade, under the same load.

Calibration, in seconds for the whole protocol:
- instructor mode: the reference's own LeNet, a few batches timed in the grader's process and
  projected to the protocol's length (reference_seconds);
- public mode (no reference in the student kit): a fixed NumPy workload shaped like one LeNet step,
  scaled by WORKLOAD_TO_REFERENCE, the ratio of the two measured on the machine that set it
  (workload_seconds; `python bench/lenet_budget.py` prints that ratio on yours).

The budget is multiple * calibration (budget_seconds): the time one attempt may take at the pace of
the run's first batches. grader.lenet.run measures it while the run's worker starts up and again right
after the run's first batches (when the pace is slow: in slices of SLICE_SECONDS between its probe
batches, averaged, so that both sides are measured over the same seconds of the machine's load; not
at all when the pace is clearly_admitted, a tenth of the budget or less), then applies the pace rule
(admitted, another_attempt_fits): decisions on a ratio of two times measured under the same load,
not on the clock. The rubric's cap is a ceiling on a whole run's wall time, the safety net (safety_seconds).
"""

import time
from collections.abc import Callable
from types import ModuleType

import numpy as np
from threadpoolctl import threadpool_limits

from grader.lenet.trainer import Protocol, Trainer, batch_order

CALIBRATION_BATCHES = 6  # timed after one warm-up batch; the median counts
SLICE_SECONDS = (
    0.3  # a slow run's pace is compared with the calibration's mean over slices this long between its batches
)
ATTEMPTS_MULTIPLE = 2.0  # all the LeNet's attempts must fit in this many budgets at the pace of its first batches
SAFETY_MULTIPLE = 3.0  # a LeNet run still going at this multiple of its budget (or at the cap) is stopped
CLEAR_SHARE = 0.1  # a pace under this share of the budget is admitted without measuring the calibration again
WORKLOAD_TO_REFERENCE = 1.46  # reference LeNet batch / workload batch at batch 32, measured by bench/lenet_budget.py


def _median_seconds(run: Callable[[], object], repeats: int, window: float = 0.0) -> float:
    """The median time of run() after a warm-up call, with single-threaded BLAS like the worker's
    (a multithreaded BLAS on a busy machine is slower and erratic: 0.7 s one run, 5 s the next).
    window > 0: the mean over at least that many seconds instead, preemptions included, like the
    seconds-long batches of a slow submission it is compared with."""
    with threadpool_limits(limits=1):
        run()  # warm-up: first-call allocations and caches
        times: list[float] = []
        started = time.perf_counter()
        while len(times) < repeats or time.perf_counter() - started < window:
            begun = time.perf_counter()
            run()
            times.append(time.perf_counter() - begun)
    return (time.perf_counter() - started) / len(times) if window else float(np.median(times))


def reference_trainer(reference: ModuleType, X_train: np.ndarray, y_train: np.ndarray, protocol: Protocol) -> Trainer:
    """The reference's LeNet that reference_seconds times. Its layers draw their initial weights from
    numpy's global generator, which is left as it was: build it in the thread that uses that generator
    (the grade's own), never in the LeNet's, where it would race with the checks' seeded draws."""
    state = np.random.get_state()
    try:
        return Trainer(reference, X_train, y_train, protocol)
    finally:
        np.random.set_state(state)


def reference_seconds(trainer: Trainer, protocol: Protocol, window: float = 0.0) -> float:
    """The reference's LeNet time for the whole protocol on this machine: the median of
    CALIBRATION_BATCHES training batches of trainer (reference_trainer) times the number of batches.
    A step draws no random number."""
    batches = batch_order(protocol, len(trainer.X_train))
    per_batch = _median_seconds(lambda: trainer.step(batches[0]), CALIBRATION_BATCHES, window)
    return per_batch * len(batches)


def workload_batch(rng: np.random.Generator, batch_size: int) -> list[np.ndarray]:
    """The arrays of the fixed workload: matrices shaped like one LeNet step's products."""
    shapes = [(batch_size * 576, 25), (25, 4), (batch_size, 576), (576, 32), (batch_size, 32), (32, 10)]
    return [rng.standard_normal(shape).astype(np.float32) for shape in shapes]


def _workload_step(arrays: list[np.ndarray]) -> float:
    cols, kernel, flat, w1, hidden, w2 = arrays
    conv = cols @ kernel  # the convolution as one product
    back = conv @ kernel.T  # and its gradient back to the columns
    pooled = np.maximum(conv, 0).reshape(-1, 4, 4).max(axis=1)
    h = np.maximum(flat @ w1, 0)
    logits = h @ w2
    grads = (logits.T @ hidden, flat.T @ (h > 0), cols.T @ conv)
    return float(pooled.sum() + back.sum() + sum(g.sum() for g in grads))


def workload_seconds(protocol: Protocol, train_size: int, window: float = 0.0) -> float:
    """The fixed NumPy workload's time, scaled to stand for the reference's LeNet over the whole
    protocol on this machine."""
    arrays = workload_batch(np.random.default_rng(0), protocol.batch_size)
    per_batch = _median_seconds(lambda: _workload_step(arrays), CALIBRATION_BATCHES, window)
    batches = protocol.epochs * -(-train_size // protocol.batch_size)
    return per_batch * WORKLOAD_TO_REFERENCE * batches


def budget_seconds(calibration: float, multiple: float) -> float:
    """multiple * calibration: the most one attempt may take at the pace of the run's first batches."""
    return float(multiple) * float(calibration)


def admitted(per_batch: float, batches_per_attempt: int, budget: float) -> bool:
    """Whether one whole attempt at this pace fits in the budget (else the run stops at the probe)."""
    return per_batch * batches_per_attempt <= budget


def clearly_admitted(per_batch: float, batches_per_attempt: int, budget: float) -> bool:
    """Whether one attempt at this pace takes under CLEAR_SHARE of the budget: admitted whatever a second
    measure of the calibration would say (it would have to come out CLEAR_SHARE times lower), so the
    probe does not measure it again (every fast submission: the reference's pace is 1-3x its own)."""
    return per_batch * batches_per_attempt <= CLEAR_SHARE * budget


def another_attempt_fits(per_batch: float, batches_done: int, batches_per_attempt: int, budget: float) -> bool:
    """Whether the batches done and one more whole attempt fit, at this pace, in ATTEMPTS_MULTIPLE
    budgets: every admitted pace gets two attempts, one up to 2/3 of the limit all three."""
    return (batches_done + batches_per_attempt) * per_batch <= ATTEMPTS_MULTIPLE * budget


def safety_seconds(budget: float, cap: float) -> float:
    """The wall time at which a run still going is stopped: SAFETY_MULTIPLE budgets, at most the cap."""
    return min(SAFETY_MULTIPLE * budget, float(cap))
