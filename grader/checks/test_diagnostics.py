"""Unscored diagnostics: what the report shows besides the points."""

import numpy as np
import pytest

from grader.checks.compare import as_array, expect


@pytest.mark.item("diagnostic:tie_rule")
def test_maxpool_tie_rule(api, ctx):
    """Which maxima of a tied window get the gradient: the first (like np.argmax and PyTorch) or all
    of them (like the lesson's mask X_col == max) are both accepted; any other position is wrong."""
    case = "MaxPool2d(2) on a window whose maximum 5 appears twice"
    x = np.array([[[[1.0, 5.0], [5.0, 2.0]]]])
    pool = api.MaxPool2d(2)
    pool.forward(x)
    dX = as_array(pool.backward(np.array([[[[1.0]]]])), case, "dX")
    rules = {"first maximum": [[0, 1], [0, 0]], "all maxima": [[0, 1], [1, 0]]}
    rule = next((name for name, grid in rules.items() if dX.shape == x.shape and np.array_equal(dX[0, 0], grid)), None)
    ctx.diagnostics["tie_rule"] = rule or f"neither rule: dX = {dX.reshape(-1).tolist()}"
    expect(
        rule is not None,
        f"the gradient of a tied window went to {dX.reshape(-1).tolist()}: it should go to "
        "the first maximum or to every maximum, and never to a position that is not a maximum",
        case,
    )
