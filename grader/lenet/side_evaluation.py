"""A slow public-mode LeNet's checkpoints evaluated in a second worker, beside the training.

In public mode a checkpoint's accuracy comes from the submission's own forward on the kit's test
images (grader.lenet.evaluation.evaluate). For an interpreter-bound submission that forward costs
seconds (per-window loops: ~5 s for 500 images, a quarter of its grade), and the training waited for
it. When the grade has a core to spare (the LeNet runs beside the checks) and the probe's pace says an
evaluation would take longer than SIDE_EVALUATION_SECONDS, the run hands each checkpoint's weights
(the lenet_parameters request) to a SideEvaluator: a second sandbox of the same submission that loads
them into a LeNet of its own (lenet_load_parameters) and computes the logits, one checkpoint after the
other in its own thread, while the training goes on. The run records the results in checkpoint order
(PendingCheckpoints) and stops at the first one that reaches the threshold, dropping the batches
trained meanwhile: the same checkpoints and accuracies as evaluating in the training worker (tests/test_lenet_pace.py), so the
verdict does not depend on which way ran.
"""

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from grader.lenet.evaluation import evaluate
from grader.lenet.trainer import Protocol
from grader.sandbox.prepare import Prepared
from grader.sandbox.runner import Limits, Sandbox

SIDE_EVALUATION_SECONDS = 0.5  # an evaluation expected to take longer runs beside the training
FORWARD_SHARE = 0.4  # a forward's share of a training batch's time, for that estimate


def worth_a_side_worker(per_batch: float, batch_size: int, test_images: int) -> bool:
    """Whether an evaluation at this pace (seconds per training batch) is expected to take longer than
    SIDE_EVALUATION_SECONDS: a forward of the test images at FORWARD_SHARE of a batch's time per image."""
    return per_batch * FORWARD_SHARE * test_images / batch_size > SIDE_EVALUATION_SECONDS


class SideEvaluator:
    """A second sandbox of the submission that evaluates checkpoints, one at a time, in a thread of
    its own: submit() returns the accuracy's Future. X_test (M, 1, 28, 28) float32, the kit's."""

    def __init__(self, submission: str | Path, limits: Limits, prepared: Prepared | None, X_test: np.ndarray) -> None:
        self.box = Sandbox(submission, limits, prepared=prepared)
        self.X_test = X_test
        self.seed: int | None = None  # the attempt whose LeNet the side worker holds
        self.box.start_in_background()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lenet-evaluation")

    def submit(self, parameters: list[np.ndarray], y_test: np.ndarray, seed: int) -> "Future[float]":
        """The accuracy on the test images of a LeNet with these trained parameters (the training
        worker's lenet_parameters), computed by the submission's own forward in the side worker."""
        return self.executor.submit(self._evaluate, parameters, y_test, seed)

    def _evaluate(self, parameters: list[np.ndarray], y_test: np.ndarray, seed: int) -> float:
        self.box.wait_started()  # what start() raised
        if self.seed != seed:
            self.box.request(
                "lenet_start",
                f"building the evaluating LeNet (seed {seed})",
                X_train=np.zeros((0, 1, 28, 28), np.float32),
                y_train=np.zeros(0, np.int64),
                protocol=Protocol(seed=seed).__dict__,
            )
            self.seed = seed
        self.box.request(
            "lenet_load_parameters",
            f"loading the trained weights into the evaluating LeNet (seed {seed})",
            values=parameters,
        )
        return evaluate(self.box, None, self.X_test, y_test, seed)

    def close(self) -> None:
        """Drop the evaluations not started, wait for the one running (at most its per-call limits),
        and close the side sandbox."""
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.box.close()


class PendingCheckpoints:
    """One attempt's checkpoints handed to a SideEvaluator and not recorded yet, in checkpoint order."""

    def __init__(self) -> None:
        self.queue: deque[tuple[int, Future[float]]] = deque()

    def add(self, batch: int, accuracy: "Future[float]") -> None:
        self.queue.append((batch, accuracy))

    def settle(self, record: Callable[[int, float], bool], cut_back: Callable[[int], None], wait: bool = False) -> bool:
        """Hand the finished evaluations to record(batch, accuracy), in order (all of them when wait):
        True when record says one reached the threshold. The attempt is then cut back to that batch
        (cut_back(batch); also before re-raising what an evaluation raised): the batches trained
        meanwhile do not count, as if the run had stopped there, and the later evaluations are dropped."""
        while self.queue and (wait or self.queue[0][1].done()):
            batch, accuracy = self.queue.popleft()
            try:
                passed = record(batch, accuracy.result())
            except BaseException:
                cut_back(batch)
                raise
            if passed:
                for _, later in self.queue:
                    later.cancel()
                self.queue.clear()
                cut_back(batch)
                return True
        return False
