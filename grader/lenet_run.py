"""The LeNet item's training run: the lesson's LeNet trained with a submission's own classes in a
sandbox of its own, in a background thread, so that the other checks run meanwhile.

Attempt k trains with seed rubric.lenet.seed + k; the item passes when an attempt reaches the
threshold (bench/lenet_threshold.py shows why a few attempts keep a correct submission's chance of
failing below 1 in 1,000). A run projected to exceed the time budget is stopped after a few
batches; the per-layer timings (forward and backward of one batch, the submission's vs the
reference's) say which layer is slow.
"""

import threading
import time

import numpy as np

from grader.lenet import Protocol, build_lenet, preprocess, train_lenet
from grader.sandbox.runner import Limits, Sandbox

PROJECTION_BATCHES = 5  # batches timed before projecting a run's total time


class TooSlow(Exception):
    """Raised from the batch callback when a run cannot finish within the budget."""


class LenetRun:
    """start() then finish(): attempts, accuracy, losses, timings; never raises for the submission."""

    def __init__(self, submission, rubric, data, limits=Limits(), reference=None):
        self.submission, self.settings, self.data = submission, rubric.lenet, data
        budget = self.settings["time_budget_seconds"]
        self.limits = Limits(**{**limits.__dict__, "total_seconds": budget * self.settings["attempts"] + 30})
        self.reference = reference
        self.attempts, self.layer_times = [], []
        self.error, self.too_slow, self.projected = None, False, None
        self.train_size = len(data[0])
        self.thread = threading.Thread(target=self._run, name="lenet", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def finish(self):
        self.thread.join()
        return self

    @property
    def passed(self):
        return any(a["accuracy"] >= self.settings["threshold"] for a in self.attempts)

    def _run(self):
        try:
            with Sandbox(self.submission, self.limits) as box:
                for attempt in range(self.settings["attempts"]):
                    self._attempt(box.api, self.settings["seed"] + attempt)
                    if self.passed or self.too_slow:
                        break
                try:
                    self.layer_times = layer_timings(box.api, self.reference, self.data, self.settings["batch_size"])
                except Exception:  # noqa: BLE001 - timings are a diagnostic; a layer that fails here shows elsewhere
                    self.layer_times = []
        except Exception as error:  # noqa: BLE001 - whatever the submission does, report it
            self.error = self.error or f"{type(error).__name__}: {error}"

    def _attempt(self, api, seed):
        protocol = Protocol(self.settings["epochs"], self.settings["lr"], self.settings["batch_size"], seed)
        budget = self.settings["time_budget_seconds"]
        started = time.perf_counter()

        def watch(epoch, batch, batches, loss):
            done = epoch * batches + batch + 1
            if done == PROJECTION_BATCHES or time.perf_counter() - started > budget:
                self.projected = (time.perf_counter() - started) / done * batches * protocol.epochs
                if self.projected > budget:
                    raise TooSlow()

        try:
            result = train_lenet(api, self.data, protocol, on_batch=watch)
        except TooSlow:
            self.too_slow = True
            return
        except Exception as error:  # noqa: BLE001
            self.error = f"{type(error).__name__}: {error}"
            raise
        self.attempts.append({"seed": seed, "accuracy": result.accuracy, "losses": result.losses,
                              "batch_seconds": result.batch_seconds, "seconds": result.seconds})

    def too_slow_message(self):
        slowest = max(self.layer_times, key=lambda row: row["forward_ms"] + row["backward_ms"], default=None)
        where = (f"; the slowest layer is {slowest['layer']} ({slowest['forward_ms']:.1f} ms forward, "
                 f"{slowest['backward_ms']:.1f} ms backward per batch)") if slowest else ""
        per_batch = self.projected / (self.settings["epochs"] * -(-self.train_size // self.settings["batch_size"]))
        return (f"training would take about {self.projected:.0f} s ({per_batch * 1e3:.0f} ms per batch), over the "
                f"budget of {self.settings['time_budget_seconds']:g} s{where}")

    def summary(self):
        """JSON-able facts for the results and the report."""
        return {"threshold": self.settings["threshold"], "attempts": self.attempts, "layer_times": self.layer_times,
                "error": self.error, "too_slow": self.too_slow, "projected_seconds": self.projected}


def layer_timings(api, reference, data, batch_size, repeats=3):
    """Forward and backward ms of each LeNet layer on one batch: the submission's (through the sandbox,
    so each call includes a round trip of about half a millisecond) and the reference's."""
    X, _ = preprocess(data[0][:batch_size], data[2][:1])
    rows = []
    models = {"submission": build_lenet(api)}
    if reference is not None:
        models["reference"] = build_lenet(reference)
    timings = {}
    for side, model in models.items():
        x, times = X, []
        for layer in model.layers:
            forward, x_next = _best(lambda: layer.forward(x), repeats)
            backward, _ = _best(lambda: layer.backward(np.ones_like(np.asarray(x_next))), repeats)
            times.append((type(layer).__name__ if side == "reference" else layer._type, forward, backward))
            x = np.asarray(x_next)
        timings[side] = times
    for position, (name, forward, backward) in enumerate(timings["submission"]):
        row = {"layer": f"{position}: {name}", "forward_ms": forward * 1e3, "backward_ms": backward * 1e3}
        if "reference" in timings:
            row.update(reference_forward_ms=timings["reference"][position][1] * 1e3,
                       reference_backward_ms=timings["reference"][position][2] * 1e3)
        rows.append(row)
    return rows


def _best(call, repeats):
    best, value = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        value = call()
        best = min(best, time.perf_counter() - started)
    return best, value
