"""Class similarity of 300 submissions on this machine: fingerprints, comparisons, and a resumed run.

    python bench/similarity.py [--students 300] [--seed 0]

The class is synthetic: each submission is one of three independent correct solutions (the
reference, tests/styles/loop_per_sample.py, tests/solutions/windows.py), perturbed at random: some disguised
(names renamed, comments dropped, classes shuffled, tests/helpers/disguise.py), the others with a few names
renamed, comment lines added and dropped, and a helper of their own. Similarity alone (no grading):
grader.classroom.similarity.class_similarity with lesson8's settings and the student template excluded.
Prints the time of a cold run (empty cache), of a resumed run (everything cached) and of a run
where one submission changed.
"""

import argparse
import random
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader.classroom.similarity import class_similarity  # noqa: E402
from grader.classroom.similarity_report import similarity_plan  # noqa: E402
from grader.grading.rubric import load_rubric  # noqa: E402
from grader.sandbox.prepare import submission_sha256  # noqa: E402
from tests.helpers.disguise import disguise  # noqa: E402
from tests.helpers.submission_formats import module_sources, single_source  # noqa: E402

SOLUTIONS = [
    single_source(module_sources()),
    (REPO / "tests" / "styles" / "loop_per_sample.py").read_text(),
    (REPO / "tests" / "solutions" / "windows.py").read_text(),
]
NAMES = re.compile(r"\b(x|dY|cols|out|grad|mask|N|C|H|W|kH|kW|sH|sW|layer|params)\b")


def perturbed(rng, number):
    """One synthetic submission's code."""
    source = SOLUTIONS[number % len(SOLUTIONS)]
    if rng.random() < 0.3:
        return disguise(source, seed=number)
    renames = {
        name: f"{name}_{rng.randrange(100)}"
        for name in rng.sample(["x", "dY", "cols", "out", "grad", "mask", "N", "C", "H", "W", "layer", "params"], 4)
    }
    lines = []
    for line in NAMES.sub(lambda m: renames.get(m[0], m[0]), source).splitlines():
        if line.lstrip().startswith("#") and rng.random() < 0.5:
            continue
        lines.append(line)
        if rng.random() < 0.03:
            lines.append(" " * (len(line) - len(line.lstrip())) + f"# note {rng.randrange(10**6)}")
    lines.append(f"\n\ndef helper_{number}(values):\n    return [v * {rng.randrange(2, 9)} for v in values]\n")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    plan = similarity_plan(load_rubric("lesson8"))
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        entries = []
        for number in range(args.students):
            path = scratch / "class" / f"student{number:03d}.py"
            path.parent.mkdir(exist_ok=True)
            path.write_text(perturbed(rng, number))
            entries.append((path.stem, path, submission_sha256(path)))
        cache = scratch / "cache"
        started = time.perf_counter()
        cold = class_similarity(entries, plan.settings, plan.base, cache=cache)
        cold_seconds = time.perf_counter() - started
        started = time.perf_counter()
        warm = class_similarity(entries, plan.settings, plan.base, cache=cache)
        warm_seconds = time.perf_counter() - started
        entries[0][1].write_text(entries[0][1].read_text() + "\nEXTRA = 1\n")
        entries[0] = (entries[0][0], entries[0][1], submission_sha256(entries[0][1]))
        started = time.perf_counter()
        one = class_similarity(entries, plan.settings, plan.base, cache=cache)
        one_seconds = time.perf_counter() - started
    print(
        f"{args.students} submissions, {cold.compared} pairs (noise {plan.settings.noise}, window "
        f"{plan.settings.window}): {len(cold.pairs)} listed at or above {plan.settings.floor:.0%}, "
        f"{sum(p.flagged for p in cold.pairs)} flagged at {plan.settings.threshold:.0%}"
    )
    print(f"cold (empty cache):       {cold_seconds:6.1f} s  ({cold.computed} pairs compared)")
    print(f"resumed (all cached):     {warm_seconds:6.1f} s  ({warm.computed} pairs compared)")
    print(f"resumed, one changed:     {one_seconds:6.1f} s  ({one.computed} pairs compared)")


if __name__ == "__main__":
    main()
