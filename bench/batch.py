"""Batch grading on this 2-core machine: parallel efficiency, the batch machinery's overhead, memory,
and a class that mixes fast and naive-loop submissions.

    python bench/batch.py [--copies 40] [--mixed-fast 12] [--mixed-naive 2] [--only efficiency|mixed]

Grades a class of --copies submissions (assorted: correct in four formats, buggy, and one that
loses every point) with --jobs 1 pinned to one core (time1), --jobs 1 free to use both (a grade's
checks' worker then starts on the second core while its LeNet trains) and --jobs 2 (time2), in fresh
output folders, and a single `grade` of the same submissions one after the other. Prints:
- parallel efficiency time1 / (2 * time2), the one-core time against the two-core one (target >= 0.85),
  and the same against the free --jobs 1;
- per-submission overhead of the batch machinery: (free --jobs 1 time - sum of single grades) / copies,
  as a share of a single grade (target < 10%);
- the peak memory (maximum resident set) of a grading worker process and of a sandbox worker.

Then a mixed class: --mixed-fast correct vectorised submissions and --mixed-naive copies of the
naive per-window-loop style (tests/styles/per_window_loops.py), named to come last in the class
folder. Each is graded alone (`python -m grader grade`, which uses both cores), then the class with
`batch --jobs 2`; prints batch time / (sum of the single grades / 2) (target <= 1.15x): the batch
schedules the expected-slow submissions first (grader/classroom/batch_order.py), so none of them starts last.
"""

import argparse
import os
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
NAIVE = REPO / "tests" / "styles" / "per_window_loops.py"
MIXED_TARGET = 1.15
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


def timed(command, one_core=False):
    """Wall time of command; one_core: pinned to the first core this process may use (and so are its
    children: the workers)."""
    pin = (lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})) if one_core else None
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=pin)
    return time.perf_counter() - started


def efficiency(python, tmp, copies):
    submissions = make_class(tmp / "class", tmp / "scratch", copies)
    singles = [
        timed([*python, "grade", str(path), "--out", str(tmp / "single" / path.stem), "--seed", "1"])
        for path in submissions[:8]
    ]
    single = statistics.mean(singles)
    batch = [*python, "batch", str(tmp / "class"), "--jobs"]
    time1 = timed([*batch, "1", "--out", str(tmp / "out1")], one_core=True)
    time1_free = timed([*batch, "1", "--out", str(tmp / "out1-free")])
    time2 = timed([*batch, "2", "--out", str(tmp / "out2")])
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    ratio = time1 / (2 * time2)
    overhead = (time1_free / copies - single) / single
    print(
        f"{copies} submissions: --jobs 1 on one core {time1:.1f} s (on both cores {time1_free:.1f} s: a grade's "
        f"checks' worker starts while its LeNet trains), --jobs 2 {time2:.1f} s; a single grade "
        f"(python -m grader grade, mean of 8) {single:.2f} s"
    )
    return (
        f"parallel efficiency {ratio:.2f} (target >= 0.85: {'met' if ratio >= 0.85 else 'NOT met'}; "
        f"against --jobs 1 on both cores {time1_free / (2 * time2):.2f}) | "
        f"batch overhead per submission {overhead:+.1%} of a single grade (target < 10%: "
        f"{'met' if overhead < 0.10 else 'NOT met'}) | peak resident memory of a grading process "
        f"(largest child) {peak_mib:.0f} MiB"
    )


def mixed(python, tmp, fast, naive):
    directory = tmp / "mixed"
    directory.mkdir()
    for number in range(fast):
        build("file", tmp / "mixed-scratch" / str(number)).rename(directory / f"fast{number:03d}.py")
    for number in range(naive):
        (directory / f"naive{number:03d}.py").write_text(NAIVE.read_text())
    singles = {
        path.stem: timed([*python, "grade", str(path), "--out", str(tmp / "mixed-single" / path.stem), "--seed", "1"])
        for path in sorted(directory.iterdir())
    }
    batch = timed([*python, "batch", str(directory), "--out", str(tmp / "mixed-out"), "--jobs", "2", "--no-similarity"])
    ideal = sum(singles.values()) / 2
    naive_seconds = [seconds for name, seconds in singles.items() if name.startswith("naive")]
    print(
        f"mixed class: {fast} fast + {naive} naive-loop submissions; single grades: fast "
        f"{statistics.mean(singles[n] for n in singles if n.startswith('fast')):.1f} s each, naive "
        f"{', '.join(f'{s:.1f}' for s in naive_seconds)} s; sum / 2 = {ideal:.1f} s; batch --jobs 2 {batch:.1f} s"
    )
    ratio = batch / ideal
    return f"mixed class: batch / (sum of single grades / 2) = {ratio:.2f}x (target <= {MIXED_TARGET}x: " + (
        "met)" if ratio <= MIXED_TARGET else "NOT met)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--mixed-fast", type=int, default=12)
    parser.add_argument("--mixed-naive", type=int, default=2)
    parser.add_argument("--only", choices=["efficiency", "mixed"])
    args = parser.parse_args()
    python = [sys.executable, "-m", "grader"]
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.only != "mixed":
            summary.append(efficiency(python, tmp, args.copies))
        if args.only != "efficiency":
            summary.append(mixed(python, tmp, args.mixed_fast, args.mixed_naive))
    print("summary: " + " | ".join(summary))


if __name__ == "__main__":
    main()
