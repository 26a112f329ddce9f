"""Where the LeNet's pace rule puts the slow styles: grade times, scores and measured paces.

    nice -n 10 python bench/lenet_pace.py [--repeats 3] [--seed 1]

Grades tests/styles/per_window_loops.py (the slowest correct style: it must get 100 each time) and
tests/too_slow/naive_per_element.py (the naive style: it must lose the LeNet only, after its first
batches, within 60 s), in instructor mode (or --mode public: the NumPy workload's calibration) with one seed, and prints for each grade its wall time,
score, the LeNet's pace as a multiple of the reference's per batch (measured by the probe under the
same load; the rubric's time_budget_multiple is the limit) and the machine's load (os.getloadavg).
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader.grading.grade import grade  # noqa: E402
from grader.grading.rubric import load_rubric  # noqa: E402
from tests.helpers.submission_formats import completed_style  # noqa: E402

STYLES = {
    "per_window_loops": REPO / "tests" / "styles" / "per_window_loops.py",
    "naive_per_element": REPO / "tests" / "too_slow" / "naive_per_element.py",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="grades of per_window_loops")
    parser.add_argument("--seed", type=int, default=1, help="instructor mode (public mode: the fixtures' seed)")
    parser.add_argument("--only", choices=list(STYLES), help="grade this style only")
    parser.add_argument("--mode", choices=["instructor", "public"], default="instructor")
    args = parser.parse_args()
    rubric = load_rubric()
    for name, path in STYLES.items():
        if args.only and name != args.only:
            continue
        for _ in range(args.repeats if name == "per_window_loops" else 1):
            with tempfile.TemporaryDirectory() as tmp:
                result = grade(
                    completed_style(path, Path(tmp)),
                    rubric,
                    seed=args.seed if args.mode == "instructor" else None,
                    mode=args.mode,
                )
            lenet = result.diagnostics["lenet"]
            per_batch, multiple = lenet["per_batch_seconds"] or 0.0, lenet["pace_multiple"] or float("nan")
            batches = len(lenet["attempts"][0]["losses"]) if lenet["attempts"] else 0
            lost = sorted(item.id for item in result.items if item.score < item.max_score)
            print(
                f"{name:18} {result.seconds:6.1f} s  score {result.score:5.1f}  lost {lost}  "
                f"{per_batch:.2f} s/batch = {multiple:.0f}x the reference (limit {rubric.lenet.time_budget_multiple:g}x)  "
                f"attempts {len(lenet['attempts'])}, first one {batches} batches  load {os.getloadavg()[0]:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
