"""How long grading takes, against the irreducible work: the reference running the LeNet protocol.

    python bench/grade.py [--repeats 3]

Prints the wall time of grader.grading.grade on the reference (as a student package, so it is
loaded, sandboxed and checked like any submission), the time of train_lenet(reference, ...) alone
in this process with the rubric's protocol, and their ratio. Target: at most 2x. Also the same
grade in public mode (the student kit's replayed fixtures) against instructor mode. The best of
--repeats runs of each counts (the machine is shared).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import reference  # noqa: E402
from grader.data import load_mnist  # noqa: E402
from grader.grading import grade  # noqa: E402
from grader.lenet import Protocol, train_lenet  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402
from tests.helpers.submission_formats import build  # noqa: E402

TARGET = 2.0


def best(run, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
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
    lenet_seconds = best(lambda: train_lenet(reference, data, protocol), args.repeats)
    last = results[-1]
    ratio = grade_seconds / lenet_seconds
    print(f"grade (reference, sandbox {last.sandbox}): {grade_seconds:.2f} s, score {last.score:g}/{last.max_score:g}")
    print(f"LeNet protocol alone (reference, in process): {lenet_seconds:.2f} s")
    print(
        f"grade in public mode (fixtures replayed): {public_seconds:.2f} s, score {public[-1].score:g}; "
        f"public / instructor = {public_seconds / grade_seconds:.2f}x"
    )
    print(
        f"summary: grade / LeNet alone = {ratio:.2f}x (target <= {TARGET}x: "
        f"{'within target' if ratio <= TARGET else 'OVER target'})"
    )


if __name__ == "__main__":
    main()
