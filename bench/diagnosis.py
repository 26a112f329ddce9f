"""How well the diagnosis names the bug bank's mistakes, how often it names a wrong one, and what it costs.

    python bench/diagnosis.py [--mode instructor|public] [--seed 4] [--bugs name ...] [--no-cost]

Grades every bug of tests/helpers/bug_bank.py (the LeNet left out) and prints, per bug, the
misconceptions named on its items; then the share of the bank's bugs with a catalogue entry that
got it on their primary item (target: all), the number of wrong diagnoses — a name that is not
the bug's (target: 0) — and the share of the whole bank. A bug's primary item is its first one
other than api and lenet, whose checks record no observations. Then the cost: the time the diagnosis
took within those grades, and one full grade (LeNet included) of a submission with four diagnosed
bugs whose LeNet still trains, against the LeNet protocol alone (reference, in process; target:
grade / LeNet alone <= 2x, as bench/grade.py).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import grader.grading.grade  # noqa: E402
import reference  # noqa: E402
from grader.grading.rubric import load_rubric  # noqa: E402
from grader.lenet.data import load_mnist  # noqa: E402
from grader.lenet.trainer import Protocol, train_lenet  # noqa: E402
from tests.helpers.bug_bank import BUGS, BY_NAME, Bug  # noqa: E402
from tests.helpers.submission_formats import build  # noqa: E402

TARGET = 2.0
COST_BUGS = ("relu_grad_one_at_zero", "pool_dx_not_cropped", "conv_dx_not_cropped", "linear_grads_assigned")


def timed_diagnosis() -> list[float]:
    """Wrap grading's diagnosis step with a timer; returns the list its durations are appended to."""
    seconds: list[float] = []
    diagnose_items = grader.grading.grade.diagnose_items

    def timing(*args, **kwargs):
        started = time.perf_counter()
        try:
            return diagnose_items(*args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - started)

    grader.grading.grade.diagnose_items = timing
    return seconds


def named(result) -> dict[str, list[str]]:
    return {item.id: [d["id"] for d in item.diagnoses] for item in result.items if item.diagnoses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("instructor", "public"), default="instructor")
    parser.add_argument("--seed", type=int, default=4, help="instructor mode's seed (public mode uses the fixtures')")
    parser.add_argument("--bugs", nargs="*", help="only these bugs of the bank")
    parser.add_argument("--no-cost", action="store_true", help="skip the full grade against the LeNet alone")
    args = parser.parse_args()
    rubric = load_rubric("lesson8")
    bugs = [BY_NAME[name] for name in args.bugs] if args.bugs else BUGS
    diagnosis_seconds = timed_diagnosis()
    seed = None if args.mode == "public" else args.seed
    covered = correct = wrong = 0
    grading_seconds = 0.0
    with tempfile.TemporaryDirectory() as directory:
        for index, bug in enumerate(bugs):
            path = build("file", Path(directory) / str(index), bug.sources())
            started = time.perf_counter()
            result = grader.grading.grade.grade(path, rubric, seed=seed, mode=args.mode, train_lenet=False)
            grading_seconds += time.perf_counter() - started
            names = named(result)
            ids = {m for found in names.values() for m in found}
            mistaken = sorted(ids - set(bug.misconceptions))
            primary = next(item for item in bug.items if item not in ("api", "lenet"))  # api, lenet: no observations
            hit = bool(set(names.get(primary, [])) & set(bug.misconceptions))
            covered += bool(bug.misconceptions)
            correct += hit
            wrong += len(mistaken)
            verdict = "ok" if hit else ("none" if not bug.misconceptions else "MISSED")
            print(f"{bug.name:32s} {verdict:6s} {names}" + (f"  WRONG {mistaken}" if mistaken else ""), flush=True)
        print(
            f"\n{args.mode} mode: {correct} of {covered} bugs with a catalogue entry named on their primary item "
            f"({100 * correct / max(covered, 1):.0f}%); {correct} of {len(bugs)} of the bank "
            f"({100 * correct / max(len(bugs), 1):.0f}%)"
        )
        print(f"wrong diagnoses: {wrong} (target 0)")
        print(
            f"diagnosis time: {sum(diagnosis_seconds):.2f} s of {grading_seconds:.1f} s of grading "
            f"({100 * sum(diagnosis_seconds) / max(grading_seconds, 1e-9):.1f}%)"
        )
        if args.no_cost:
            return
        patches = tuple(patch for name in COST_BUGS for patch in BY_NAME[name].patches)
        path = build("file", Path(directory) / "cost", Bug("cost", (), patches, "four bugs").sources())
        del diagnosis_seconds[:]
        started = time.perf_counter()
        result = grader.grading.grade.grade(path, rubric, seed=args.seed)
        grade_seconds = time.perf_counter() - started
    settings = rubric.lenet
    protocol = Protocol(settings.epochs, settings.lr, settings.batch_size, settings.seed)
    started = time.perf_counter()
    train_lenet(reference, load_mnist(), protocol)
    lenet_seconds = time.perf_counter() - started
    ratio = grade_seconds / lenet_seconds
    print(
        f"full grade of {len(COST_BUGS)} bugs ({', '.join(COST_BUGS)}): {grade_seconds:.2f} s, "
        f"score {result.score:g}, named {sorted(m for found in named(result).values() for m in found)}, "
        f"diagnosis {sum(diagnosis_seconds):.2f} s"
    )
    print(f"LeNet protocol alone (reference, in process): {lenet_seconds:.2f} s")
    print(f"grade / LeNet alone: {ratio:.2f}x (target <= {TARGET:g}x): {'OK' if ratio <= TARGET else 'OVER'}")


if __name__ == "__main__":
    main()
