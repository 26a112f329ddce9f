"""A Sequential written like torch.nn.Sequential (tests/styles/torch_like_module.py: layers kept in an
OrderedDict of Module subclasses, parameters from each layer's own registry) refuses the grader's
stand-in layers; it is judged with its own layers instead (grader/checks/own_sequential.py): full
marks when correct, and a bug in it still costs `sequential`, and only that."""

from pathlib import Path

import pytest

from grader.reports.report import render_html
from grader.reports.results import to_results
from tests.helpers.grading_support import grade_path, items_of
from tests.helpers.submission_formats import build

TORCH_LIKE = Path(__file__).resolve().parent / "styles" / "torch_like_module.py"
# variant -> (text of the style, its replacement)
CORRECT_VARIANTS = {
    "raises on a layer that is not a Module": ("", ""),
    "keeps only Modules, silently": ("self.add_module(str(index), layer)", "setattr(self, str(index), layer)"),
}
BUGS = {
    "Sequential.backward runs the layers in order": (
        "for layer in reversed(self._modules.values()):",
        "for layer in self._modules.values():",
    ),
    "parameters() returns copies": ("pairs = [(value, self._grads", "pairs = [(value.copy(), self._grads"),
}


def variant(tmp_path, old, new):
    text = TORCH_LIKE.read_text()
    assert old in text
    path = tmp_path / "torch_like.py"
    path.write_text(text.replace(old, new, 1))
    return path


def short_of_full(result):
    return {item.id for item in result.items if item.score < item.max_score and item.id != "lenet"}


@pytest.mark.parametrize("mode", ["instructor", "public"])
@pytest.mark.parametrize("name", list(CORRECT_VARIANTS))
def test_a_torch_like_sequential_gets_full_marks_judged_with_its_own_layers(tmp_path, name, mode):
    result = grade_path(variant(tmp_path, *CORRECT_VARIANTS[name]), seed=7, mode=mode, train_lenet=False)
    assert not short_of_full(result), [item.failures[:1] for item in result.items if item.id != "lenet"]
    judged = result.diagnostics["own_layers"]
    assert sorted(judged) == [
        "Sequential(Conv2d)",
        "Sequential(Conv2d, ReLU, Flatten, Linear, Linear)",
        "Sequential(first)",
        "Sequential(first, second, third)",
    ]
    assert judged["Sequential(first, second, third)"].startswith(
        "judged with your own Linear and ReLU: your Sequential accepts only your own layers"
    )
    output = to_results(result)["output"]
    assert "Sequential: 4 case(s) judged with your own layers" in output
    assert "judged with your own" in render_html(to_results(result))


@pytest.mark.parametrize("bug", list(BUGS))
def test_a_bug_in_a_torch_like_sequential_costs_sequential_only(tmp_path, bug):
    result = grade_path(variant(tmp_path, *BUGS[bug]), seed=3, train_lenet=False)
    assert short_of_full(result) == {"sequential"}
    failures = items_of(result)["sequential"].failures
    assert failures and all("judged with your own" in f["message"] for f in failures), failures
    assert not any(f["message"].startswith("grader error") or "see the item" in f["message"] for f in failures)


def test_a_sequential_that_accepts_the_stand_ins_is_judged_with_them(tmp_path):
    result = grade_path(build("file", tmp_path), seed=2, train_lenet=False)
    assert not short_of_full(result) and "own_layers" not in result.diagnostics


def test_its_own_layers_must_match_the_reference_on_their_own_or_the_case_is_not_judged(tmp_path):
    """Linear.forward without its bias: sequential is judged with its own Conv2d, ReLU and Flatten
    instead, and only Linear's items lose points."""
    path = variant(tmp_path, "return y if self.bias is None else y + self.bias", "return y")
    result = grade_path(path, seed=5, train_lenet=False)
    assert "linear.forward" in short_of_full(result) <= {"linear.forward", "linear.backward"}
    judged = result.diagnostics["own_layers"]
    assert judged["Sequential(first, second, third)"].startswith("judged with your own Conv2d, ReLU and Flatten")


def test_with_none_of_its_own_layers_right_the_case_is_not_judged(tmp_path):
    """Linear, Conv2d and ReLU wrong: no chain of its own layers can judge forward and backward, so
    those cases are not judged (skipped, naming the items the layers cost) rather than failed."""
    text = TORCH_LIKE.read_text()
    for old, new in (
        ("return y if self.bias is None else y + self.bias", "return y"),
        ("@ cols + self.bias[:, None]", "@ cols"),
        ("np.where(self.positive, x, 0)", "np.where(self.positive, 2 * x, 0)"),
    ):
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "torch_like.py"
    path.write_text(text)
    result = grade_path(path, seed=5, train_lenet=False)
    assert short_of_full(result) >= {"linear.forward", "conv2d.forward", "relu"}
    assert "sequential" not in short_of_full(result)
    sequential = items_of(result)["sequential"]
    assert [case["case"] for case in sequential.not_judged] == ["Sequential(first, second, third)", "Sequential(first)"]
    for case in sequential.not_judged:
        assert "costs linear.forward" in case["message"] and "costs relu" in case["message"], case


def test_a_linear_that_cannot_be_built_costs_neither_api_sequential_nor_sequential(tmp_path):
    """Linear.__init__ raising: api's Sequential case is built around its ReLU and Flatten instead,
    and sequential is judged with its Conv2d chain (the 5-layer parameters() case, which needs a
    Linear, is not judged)."""
    path = variant(tmp_path, "self.in_features, self.out_features = in_features", 'raise ValueError("no Linear")  #')
    result = grade_path(path, seed=1, train_lenet=False)
    assert "sequential" not in short_of_full(result)
    assert [failure["case"] for failure in items_of(result)["api"].failures] == ["Linear"]
    not_judged = items_of(result)["sequential"].not_judged
    assert [case["case"] for case in not_judged] == ["Sequential(Conv2d, ReLU, Flatten, Linear, Linear)"]
    assert "costs init" in not_judged[0]["message"]
