"""How long grading takes, against the irreducible work, and how long the slowest styles wait.

    python bench/grade.py [--repeats 3] [--skip-styles]

Prints, in one run:
- the wall time of grader.grading.grade.grade on the reference (as a student package, so it is loaded,
  sandboxed and checked like any submission), the time of train_lenet(reference, ...) alone in
  this process with the rubric's protocol, and their ratio (target <= 1.3x); the best of --repeats
  runs of each counts (the machine is shared). Also the same grade in public mode (the student
  kit's replayed fixtures) against instructor mode.
- the wall time of one grade of every correct style of tests/styles/ but the naive one: the slowest
  (target <= 60 s);
- the wall time of one grade of the naive per-window-loop style (tests/styles/per_window_loops.py,
  target <= 60 s), its score and the items it loses.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from threadpoolctl import threadpool_limits  # noqa: E402

import reference  # noqa: E402
from grader.grading.grade import grade  # noqa: E402
from grader.grading.rubric import load_rubric  # noqa: E402
from grader.lenet.data import load_mnist  # noqa: E402
from grader.lenet.trainer import Protocol, train_lenet  # noqa: E402
from tests.helpers.submission_formats import build  # noqa: E402

RATIO_TARGET = 1.3
STYLE_TARGET = 60.0
STYLES = REPO / "tests" / "styles"
NAIVE = STYLES / "per_window_loops.py"


def best(run, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def timed_grade(path, rubric):
    started = time.perf_counter()
    result = grade(path, rubric, seed=1)
    return time.perf_counter() - started, result


def verdict(value, target, unit):
    return f"target <= {target:g}{unit}: {'within target' if value <= target else 'OVER target'}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-styles", action="store_true", help="only the ratio")
    args = parser.parse_args()
    rubric = load_rubric("lesson8")
    settings = rubric.lenet
    protocol = Protocol(settings.epochs, settings.lr, settings.batch_size, settings.seed)
    data = load_mnist()
    with tempfile.TemporaryDirectory() as directory:
        submission = build("package", directory)
        results = []
        grade_seconds = best(lambda: results.append(grade(submission, rubric, seed=1)), args.repeats)
        public = []
        public_seconds = best(lambda: public.append(grade(submission, rubric, mode="public")), args.repeats)
    with threadpool_limits(limits=1):  # single-threaded BLAS, like the sandbox's worker
        lenet_seconds = best(lambda: train_lenet(reference, data, protocol), args.repeats)
    last = results[-1]
    ratio = grade_seconds / lenet_seconds
    print(f"grade (reference, sandbox {last.sandbox}): {grade_seconds:.2f} s, score {last.score:g}/{last.max_score:g}")
    print(f"LeNet protocol alone (reference, in process): {lenet_seconds:.2f} s")
    print(
        f"grade in public mode (fixtures replayed): {public_seconds:.2f} s, score {public[-1].score:g}; "
        f"public / instructor = {public_seconds / grade_seconds:.2f}x"
    )
    summary = [f"grade / LeNet alone = {ratio:.2f}x ({verdict(ratio, RATIO_TARGET, 'x')})"]
    if not args.skip_styles:
        styles = {}
        for path in sorted(STYLES.glob("*.py")):
            if path != NAIVE:
                styles[path.stem] = timed_grade(path, rubric)
                print(f"  style {path.stem}: {styles[path.stem][0]:.1f} s, score {styles[path.stem][1].score:g}")
        slowest = max(styles, key=lambda name: styles[name][0])
        seconds, result = styles[slowest]
        summary.append(f"slowest correct style {slowest}: {seconds:.1f} s ({verdict(seconds, STYLE_TARGET, ' s')})")
        seconds, result = timed_grade(NAIVE, rubric)
        lost = [
            f"{item.id} ({item.score:g}/{item.max_score:g})" for item in result.items if item.score < item.max_score
        ]
        lenet = next(item for item in result.items if item.id == "lenet")
        why = lenet.failures[0]["message"] if lenet.failures else "passed"
        print(f"  naive per-window loops: {seconds:.1f} s, score {result.score:g}/{result.max_score:g}; LeNet: {why}")
        summary.append(
            f"naive per-window loops: {seconds:.1f} s ({verdict(seconds, STYLE_TARGET, ' s')}), "
            f"loses {', '.join(lost) or 'nothing'}"
        )
    print("summary: " + " | ".join(summary))


if __name__ == "__main__":
    main()
