"""Batch grading on this 2-core machine: parallel efficiency, the batch machinery's overhead, memory.

    python bench/batch.py [--copies 40]

Grades a class of --copies submissions (assorted: correct in four formats, buggy, and one that
loses every point) with --jobs 1 and with --jobs 2, in fresh output folders, and a single `grade`
of the same submissions one after the other. Prints:
- parallel efficiency time1 / (2 * time2) (target >= 0.85);
- per-submission overhead of the batch machinery: (time1 - sum of single grades) / copies, as a
  share of a single grade (target < 10%);
- the peak memory (maximum resident set) of a grading worker process and of a sandbox worker.
"""

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers.bug_bank import BY_NAME  # noqa: E402
from tests.helpers.submission_formats import build  # noqa: E402

KINDS = ["file", "package", "notebook", "zip-package"]
BUGS = ["col2im_assigns", "sgd_ignores_lr", "relu_in_place", "loss_sum_not_mean"]


def make_class(directory, scratch, copies):
    """copies submissions: the four formats of a correct one, four buggy ones, in turn."""
    directory.mkdir(parents=True)
    for number in range(copies):
        if number % 2 == 0:
            built = build(KINDS[number // 2 % len(KINDS)], scratch / str(number))
        else:
            built = build("file", scratch / str(number), BY_NAME[BUGS[number // 2 % len(BUGS)]].sources())
        built.rename(directory / (f"student{number:03d}" + ("" if built.is_dir() else built.suffix)))
    return sorted(directory.iterdir())


def timed(command):
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=40)
    args = parser.parse_args()
    python = [sys.executable, "-m", "grader"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        submissions = make_class(tmp / "class", tmp / "scratch", args.copies)
        singles = [
            timed([*python, "grade", str(path), "--out", str(tmp / "single" / path.stem), "--seed", "1"])
            for path in submissions[:8]
        ]
        single = statistics.mean(singles)
        time1 = timed([*python, "batch", str(tmp / "class"), "--out", str(tmp / "out1"), "--jobs", "1"])
        time2 = timed([*python, "batch", str(tmp / "class"), "--out", str(tmp / "out2"), "--jobs", "2"])
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    efficiency = time1 / (2 * time2)
    overhead = (time1 / args.copies - single) / single
    print(
        f"{args.copies} submissions: --jobs 1 {time1:.1f} s, --jobs 2 {time2:.1f} s; a single grade "
        f"(python -m grader grade, mean of 8) {single:.2f} s"
    )
    print(
        f"summary: parallel efficiency {efficiency:.2f} (target >= 0.85: {'met' if efficiency >= 0.85 else 'NOT met'}) | "
        f"batch overhead per submission {overhead:+.1%} of a single grade (target < 10%: "
        f"{'met' if overhead < 0.10 else 'NOT met'}) | peak resident memory of a grading process "
        f"(largest child) {peak_mib:.0f} MiB"
    )


if __name__ == "__main__":
    main()
