"""The LeNet item's training run: the lesson's LeNet trained with a submission's own classes in a
sandbox of its own, in a background thread, so that the other checks run meanwhile.

The training loop (grader/lenet.py) runs inside the worker next to the submission's classes, in one
request per attempt; the test labels never leave this process, and the accuracy is computed here
from the logits the worker returns. Attempt k trains with seed rubric.lenet.seed + k; the item
passes when an attempt reaches the threshold (bench/lenet_threshold.py shows why a few attempts keep
a correct submission's chance of failing below 1 in 1,000). A run projected to exceed the time
budget stops after a few batches; the per-layer timings (forward and backward of one batch, the
submission's vs the reference's) say which layer is slow.
"""

import threading

import numpy as np

from grader.lenet import accuracy, layer_times, preprocess
from grader.sandbox.runner import Limits, Sandbox

BUDGET_MARGIN_SECONDS = 10  # a run that ignores the projection is killed this long after its budget


class LenetRun:
    """start() then finish(): attempts, accuracies, losses, timings; never raises for the submission."""

    def __init__(self, submission, rubric, data, limits=Limits()):
        self.submission, self.settings = submission, rubric.lenet
        self.X_train, self.X_test = preprocess(data[0], data[2])
        self.y_train, self.y_test = data[1], data[3]
        budget = self.settings["time_budget_seconds"]
        total = (budget + BUDGET_MARGIN_SECONDS) * self.settings["attempts"] + 30
        self.limits = Limits(**{**limits.__dict__, "total_seconds": total})
        self.attempts, self.layer_times = [], []
        self.error, self.too_slow, self.projected = None, False, None
        self.train_size = len(self.X_train)
        self.thread = threading.Thread(target=self._run, name="lenet", daemon=True)

    def start(self, background=True):
        """Train in a background thread (while the checks run), or right now."""
        if background:
            self.thread.start()
        else:
            self._run()
        return self

    def finish(self):
        if self.thread.ident is not None:  # started in the background
            self.thread.join()
        return self

    @property
    def passed(self):
        return any(a["accuracy"] >= self.settings["threshold"] for a in self.attempts)

    def _run(self):
        try:
            with Sandbox(self.submission, self.limits) as box:
                for attempt in range(self.settings["attempts"]):
                    self._attempt(box, self.settings["seed"] + attempt)
                    if self.passed or self.too_slow:
                        break
                self._time_layers(box)
        except Exception as error:  # noqa: BLE001 - whatever the submission does, report it
            self.error = self.error or str(error)

    def _attempt(self, box, seed):
        protocol = {key: self.settings[key] for key in ("epochs", "lr", "batch_size")} | {"seed": seed}
        budget = self.settings["time_budget_seconds"]
        reply = box.request("lenet", f"training the LeNet (seed {seed})", timeout=budget + BUDGET_MARGIN_SECONDS,
                            X_train=self.X_train, y_train=self.y_train, X_test=self.X_test, protocol=protocol,
                            budget_seconds=budget)
        if reply["too_slow"]:
            self.too_slow, self.projected = True, float(reply["projected_seconds"])
            return
        try:
            score = accuracy(reply["logits"], self.y_test)
        except ValueError as error:
            self.error = str(error)
            raise
        self.attempts.append({"seed": seed, "accuracy": score, "losses": [float(v) for v in reply["losses"]],
                              "batch_seconds": [float(v) for v in reply["batch_seconds"]],
                              "seconds": float(reply["seconds"])})

    def _time_layers(self, box):
        """Per-layer timings of one batch of the submission's LeNet, in its worker."""
        try:
            self.layer_times = box.request("lenet_layer_times", "timing the LeNet's layers", X=self.timing_batch(),
                                           seed=self.settings["seed"])
        except Exception:  # noqa: BLE001 - a diagnostic; a layer that fails here fails its own items
            self.layer_times = []

    def timing_batch(self):
        return self.X_train[:self.settings["batch_size"]]

    def time_reference(self, reference):
        """Add the reference's per-layer timings; call it when nothing else runs (after the checks),
        so that the two columns of the report are measured alike."""
        np.random.seed(self.settings["seed"])
        for row, twin in zip(self.layer_times, layer_times(reference, self.timing_batch())):
            row.update(reference_forward_ms=twin["forward_ms"], reference_backward_ms=twin["backward_ms"])

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
