"""The cost of the sandbox: RPC round trips and worker start-up.

    python bench/sandbox_rpc.py [--calls 1000]

Prints, for each sandbox mode available here (bubblewrap, none):
- worker start-up: from Sandbox.start() to a loaded submission, median of 10;
- 1,000 small calls (ReLU.forward on a (4, 8) array) through the worker vs in-process;
- the round trip of one LeNet batch, a (64, 1, 28, 28) float32 array, through Flatten.forward.
Targets: round trip with the 64x1x28x28 array under 1 ms, start-up under 0.5 s.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import reference  # noqa: E402
from grader.sandbox.runner import Limits, Sandbox, bubblewrap_problem  # noqa: E402

SUBMISSION = REPO / "reference"  # any correct package works; the reference is at hand


def per_call_ms(call, count):
    started = time.perf_counter()
    for _ in range(count):
        call()
    return (time.perf_counter() - started) / count * 1e3


def package_copy(directory):
    """The reference laid out like a student's package, in a temporary directory."""
    target = Path(directory) / "submission" / "torcino"
    target.mkdir(parents=True)
    for path in SUBMISSION.glob("*.py"):
        (target / path.name).write_text(path.read_text())
    return target.parent


def measure(mode, submission, calls):
    startups = []
    for _ in range(10):
        started = time.perf_counter()
        with Sandbox(submission, Limits(sandbox=mode)):
            startups.append(time.perf_counter() - started)
    small = np.random.default_rng(0).standard_normal((4, 8))
    batch = np.random.default_rng(1).standard_normal((64, 1, 28, 28)).astype(np.float32)
    with Sandbox(submission, Limits(sandbox=mode)) as box:
        relu, flatten = box.api.ReLU(), box.api.Flatten()
        relu.forward(small), flatten.forward(batch)  # warm up; method names are cached
        remote_small = per_call_ms(lambda: relu.forward(small), calls)
        remote_batch = per_call_ms(lambda: flatten.forward(batch), calls)
    local_relu, local_flatten = reference.ReLU(), reference.Flatten()
    local_small = per_call_ms(lambda: local_relu.forward(small), calls)
    local_batch = per_call_ms(lambda: local_flatten.forward(batch), calls)
    return statistics.median(startups), remote_small, local_small, remote_batch, local_batch


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()
    modes = ["bubblewrap", "none"] if bubblewrap_problem() is None else ["none"]
    if bubblewrap_problem() is not None:
        print(f"bubblewrap: skipped ({bubblewrap_problem()})")
    with tempfile.TemporaryDirectory() as directory:
        submission = package_copy(directory)
        for mode in modes:
            startup, remote_small, local_small, remote_batch, local_batch = measure(mode, submission, args.calls)
            print(
                f"sandbox {mode:10s} start-up {startup * 1e3:6.1f} ms (target < 500) | "
                f"{args.calls} small calls: {remote_small:.3f} ms/call vs {local_small * 1e3:.1f} us in-process "
                f"({remote_small / local_small:.0f}x) | 64x1x28x28 float32 round trip {remote_batch:.3f} ms "
                f"(target < 1) vs {local_batch * 1e3:.1f} us in-process"
            )


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    main()
