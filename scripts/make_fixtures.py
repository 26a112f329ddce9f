"""Record the public fixtures: grade the reference with the public seed, logging every question
the checks ask the reference and its answer, into grader/fixtures/public.npz (`make fixtures`).

The student kit's grader replays them (public mode, grader.grading.oracle.Replay) instead of the reference.
tests/test_fixtures.py fails when the committed file no longer matches a fresh recording.
"""

import argparse
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.grading.grade import grade  # noqa: E402
from grader.grading.oracle import FIXTURES, PUBLIC_SEED, Recording  # noqa: E402
from grader.grading.rubric import load_rubric  # noqa: E402


def record(seed=PUBLIC_SEED, submission=ROOT / "reference", train_lenet=True):
    """A Recording of the checks run against the reference (graded as the submission); the LeNet,
    which asks the reference nothing, only proves that the reference gets full marks."""
    recording = Recording(seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = grade(submission, load_rubric(), seed=seed, oracle=recording, train_lenet=train_lenet)
    failed = [item.id for item in result.items if item.score < item.max_score and (train_lenet or item.id != "lenet")]
    if failed:
        raise SystemExit(f"the reference did not get full marks ({failed}): not recording fixtures from that")
    return recording


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(FIXTURES), help=f"default {FIXTURES.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    recording = record()
    path = recording.save(args.out)
    events = sum(len(events) for events in recording.tests.values())
    print(f"{path}: {events} events of {len(recording.tests)} checks, {path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
