"""What a run of the checks needs, handed from grader.grading.grade to the checks' fixtures by a pytest
plugin object (ContextPlugin): pytest.main(args, plugins=[JSONReport(), ContextPlugin(ctx)])."""

import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pytest

if TYPE_CHECKING:
    from grader.grading.oracle import Oracle
    from grader.grading.rubric import Rubric
    from grader.grading.scoring import Diagnostics
    from grader.lenet.run import LenetRun
    from grader.misconceptions.model import Observation
    from grader.sandbox.runner import Sandbox


@dataclass
class GradingContext:
    """box: the sandboxed submission (runner.Sandbox); oracle: where expected values come from
    (grader.grading.oracle: the live reference, a recording of it, or its replay); rubric: rubric.Rubric;
    seed: this run's seed; lenet: a LenetRun started in the background (or None); diagnostics:
    unscored findings, filled by the checks; observations: what each check (by node id) did to the
    submission and got back, for the diagnosis (grader.misconceptions)."""

    box: "Sandbox"
    oracle: "Oracle"
    rubric: "Rubric"
    seed: int
    lenet: "LenetRun | None" = None
    diagnostics: "Diagnostics" = field(default_factory=lambda: _no_diagnostics())
    observations: dict[str, "Observation"] = field(default_factory=dict)  # the last of each check
    observation_log: list[tuple[str, "Observation"]] = field(default_factory=list)  # all, in order

    def rng(self, name: str) -> np.random.Generator:
        """A generator for one test, from the run's seed and the test's name: order-independent."""
        return np.random.default_rng([self.seed, zlib.crc32(name.encode())])


def _no_diagnostics() -> "Diagnostics":
    return {}


class ContextPlugin:
    """A pytest plugin that provides one GradingContext to the checks as the session fixture `ctx`."""

    def __init__(self, context: GradingContext) -> None:
        self.context = context

    @pytest.fixture(scope="session")
    def ctx(self) -> GradingContext:
        self.context.box.wait_started()  # its worker started while pytest collected the checks
        return self.context
