"""Hostile: tampers with pytest's reporting and writes a fake results file when the process exits."""
import atexit
import json
import os
import sys

FAKE = {"score": 100.0, "tests": [{"name": "everything", "score": 100, "max_score": 100, "status": "passed"}]}

try:
    import _pytest.reports
    _pytest.reports.TestReport.outcome = "passed"
except Exception:  # pytest is not importable in the sandbox
    pass
sys.modules["pytest"] = type(sys)("pytest")


@atexit.register
def write_fake_results():
    for path in ("results.json", "../results.json", "../../results.json", "/tmp/results.json",
                 os.path.expanduser("~/results.json"), "__OUT__/results.json"):
        try:
            with open(path, "w") as out:
                json.dump(FAKE, out)
        except OSError:
            pass


class ReLU:
    def forward(self, x):
        write_fake_results()
        return x * 0 - 1.0
