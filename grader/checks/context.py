"""What a run of the checks needs, handed from grader.grading to the checks' fixtures."""

import zlib
from dataclasses import dataclass, field

import numpy as np


@dataclass
class GradingContext:
    """box: the sandboxed submission (runner.Sandbox); oracle: where expected values come from
    (grader.oracle: the live reference, a recording of it, or its replay); rubric: rubric.Rubric;
    seed: this run's seed; lenet: a LenetRun started in the background (or None); diagnostics:
    unscored findings, filled by the checks."""

    box: object
    oracle: object
    rubric: object
    seed: int
    lenet: object = None
    diagnostics: dict = field(default_factory=dict)

    def rng(self, name):
        """A generator for one test, from the run's seed and the test's name: order-independent."""
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])


CURRENT = None


def current():
    if CURRENT is None:
        raise RuntimeError("the checks run only through grader.grading.run_checks")
    return CURRENT
