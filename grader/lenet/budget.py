"""The LeNet item's time budget: a multiple of a calibration measured on the grading machine, in
the same grade, then capped.

Calibration, in seconds for the whole protocol:
- instructor mode: the reference's own LeNet, a few batches timed in the grader's process and
  projected to the protocol's length (reference_seconds);
- public mode (no reference in the student kit): a fixed NumPy workload shaped like one LeNet step,
  scaled by WORKLOAD_TO_REFERENCE, the ratio of the two measured on the machine that set it
  (workload_seconds; `python bench/lenet_budget.py` prints that ratio on yours).

The budget is min(cap, multiple * calibration) (budget_seconds): a slow grading machine gives a
correct submission as many of its own batches as a fast one, and the cap keeps a run from taking
minutes wherever it runs. grader.lenet.run measures it at the start of a grade and again right after
the run's first batches, and compares one whole attempt at the measured pace with it.
"""

import time
from collections.abc import Callable
from types import ModuleType

import numpy as np
from threadpoolctl import threadpool_limits

from grader.lenet.trainer import Protocol, Trainer, batch_order

CALIBRATION_BATCHES = 6  # timed after one warm-up batch; the median counts
ATTEMPTS_MULTIPLE = 2.0  # all the LeNet's attempts must fit in this many budgets at the pace of its first batches
SAFETY_MULTIPLE = 3.0  # a LeNet run still going at this multiple of its budget is stopped (it slowed down)
WORKLOAD_TO_REFERENCE = 1.25  # reference LeNet batch / workload batch, measured by bench/lenet_budget.py


def _median_seconds(run: Callable[[], object], repeats: int) -> float:
    """The median time of run() after a warm-up call, with single-threaded BLAS like the worker's
    (a multithreaded BLAS on a busy machine is slower and erratic: 0.7 s one run, 5 s the next)."""
    with threadpool_limits(limits=1):
        run()  # warm-up: first-call allocations and caches
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
    return float(np.median(times))


def reference_seconds(reference: ModuleType, X_train: np.ndarray, y_train: np.ndarray, protocol: Protocol) -> float:
    """The reference's LeNet time for the whole protocol on this machine: the median of
    CALIBRATION_BATCHES training batches times the number of batches. X_train (N, 1, 28, 28)."""
    state = np.random.get_state()
    try:
        trainer = Trainer(reference, X_train, y_train, protocol)
    finally:
        np.random.set_state(state)
    batches = batch_order(protocol, len(X_train))
    per_batch = _median_seconds(lambda: trainer.step(batches[0]), CALIBRATION_BATCHES)
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


def workload_seconds(protocol: Protocol, train_size: int) -> float:
    """The fixed NumPy workload's time, scaled to stand for the reference's LeNet over the whole
    protocol on this machine."""
    arrays = workload_batch(np.random.default_rng(0), protocol.batch_size)
    per_batch = _median_seconds(lambda: _workload_step(arrays), CALIBRATION_BATCHES)
    batches = protocol.epochs * -(-train_size // protocol.batch_size)
    return per_batch * WORKLOAD_TO_REFERENCE * batches


def budget_seconds(calibration: float, multiple: float, cap: float) -> float:
    """min(cap, multiple * calibration)."""
    return min(float(cap), float(multiple) * float(calibration))
