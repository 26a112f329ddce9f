"""Diagnoses (grader.misconceptions): a failing item names the student's misconception when, and
only when, one entry of the catalogue explains every failing case.

Every bug of the bank with a catalogue entry gets exactly that entry, in both modes; correct styles
never look like a misconception; a bug the catalogue does not cover gets no name."""

import csv
import io
import json
import re
from html import unescape
from pathlib import Path

import numpy as np
import pytest

import reference
from grader.classroom.batch import diagnosis_ids
from grader.classroom.class_report import render_index
from grader.classroom.gradebook import BatchRow, gradebook_csv
from grader.grading.fixture_file import read_predictions
from grader.grading.oracle import FIXTURES
from grader.grading.rubric import load_rubric
from grader.misconceptions import BY_ID, CATALOGUE
from grader.misconceptions.catalogue import ALL, markdown
from grader.misconceptions.engine import LivePredictor, diagnose
from grader.misconceptions.items import diagnose_items
from grader.misconceptions.model import Observation
from grader.reports.report import render_html, render_markdown
from grader.reports.results import to_results
from scripts.make_fixtures import record
from tests.helpers.bug_bank import BUGS, BY_NAME, Bug, bank_parameters
from tests.helpers.grading_support import grade_path, items_of
from tests.helpers.shared_grades import shared
from tests.helpers.submission_formats import build, completed_style

ROOT = Path(__file__).resolve().parent.parent
COVERED = [bug for bug in BUGS if bug.misconceptions]
STYLES = sorted((ROOT / "tests" / "styles").glob("*.py"))
STYLE_PARAMETERS = [pytest.param(path, marks=shared(f"style-{path.stem}"), id=path.stem) for path in STYLES]


def diagnosed_item(bug):
    """The bug's first item that a diagnosis can name (the api and lenet items have no observations)."""
    return next(item for item in bug.items if item not in ("api", "lenet"))


def named(result):
    """{item id: [misconception ids]} of a grade."""
    return {item.id: [d["id"] for d in item.diagnoses] for item in result.items if item.diagnoses}


def test_the_catalogue_has_forty_misconceptions_each_with_a_rule_and_a_variant():
    assert len(ALL) >= 40
    assert set(CATALOGUE) >= {"Conv2d", "MaxPool2d", "Linear", "ReLU", "Flatten", "SoftmaxCrossEntropyLoss", "SGD"}
    for misconception in ALL:
        assert re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_]+", misconception.id), misconception.id
        assert misconception.title and misconception.relation and misconception.kinds
        rule = misconception.rule  # a slide's heading quoted, or the earlier lesson's / the README's contract
        assert rule.startswith(('Slide "', "Every layer")) or "(earlier lesson" in rule, misconception.id
        variant = misconception.variant(reference)
        classes = variant if isinstance(variant, dict) else {misconception.cls: variant}
        assert set(classes) == set(misconception.classes)
        assert all(issubclass(cls, getattr(reference, name)) for name, cls in classes.items())


def test_every_bug_of_the_bank_names_entries_of_the_catalogue():
    assert len(COVERED) >= 50
    for bug in COVERED:
        assert set(bug.misconceptions) <= set(BY_ID), bug.name


def observation_of(kind, cls, spec, **inputs):
    return Observation(kind, cls, spec, {k: np.asarray(v) for k, v in inputs.items()})


def test_a_case_two_misconceptions_explain_equally_gets_no_name():
    """On a batch of one, 'dLogits not divided by N' and the correct loss agree; with the sum loss
    and the unscaled dLogits also agreeing on dLogits, only the value tells them apart."""
    from grader.cases import LOSS_CASES

    predictor = LivePredictor(reference)
    logits, targets = LOSS_CASES[0].inputs(np.random.default_rng(0))
    seen = observation_of("loss", "SoftmaxCrossEntropyLoss", LOSS_CASES[0], logits=logits, targets=targets)
    expected = reference.SoftmaxCrossEntropyLoss()
    seen.record("value", expected(logits, targets))
    seen.record("dLogits", expected.backward() * len(logits))
    assert [d["id"] for d in diagnose([("t", seen)], [], predictor, 1e-4)] == ["loss.dlogits_not_divided_by_n"]
    del seen.got["value"]  # without the value, the sum loss explains it as well: no name
    assert diagnose([("t", seen)], [], predictor, 1e-4) == []
    seen.got["dLogits"] = seen.got["dLogits"] * 1.01  # close to N times, not within the tolerance: no name
    seen.record("value", expected(logits, targets))
    assert diagnose([("t", seen)], [], predictor, 1e-4) == []


def test_a_case_without_an_observation_or_that_the_reference_explains_gets_no_name():
    from grader.cases import RELU_CASES

    predictor = LivePredictor(reference)
    x, dY = RELU_CASES[1].input(np.random.default_rng(1)), np.ones((6, 7))
    seen = observation_of("forward_backward", "ReLU", RELU_CASES[1], x=x, dY=dY)
    seen.record("y", np.maximum(x, 0))
    seen.record("dX", dY * (x > 0))  # what the reference returns: the failure is not in these values
    assert diagnose([("t", seen)], [], predictor, 1e-4) == []
    assert diagnose([("t", None)], [], predictor, 1e-4) == []
    seen.got["dX"] = dY  # dY passed through
    assert [d["id"] for d in diagnose([("t", seen)], [], predictor, 1e-4)] == ["relu.backward_ignores_mask"]


def test_two_bugs_in_two_classes_are_each_named_in_their_own_item_in_the_report(tmp_path):
    bugs = [BY_NAME["dlogits_not_divided_by_n"], BY_NAME["pool_grad_to_whole_window"]]
    both = Bug("two", (), tuple(patch for bug in bugs for patch in bug.patches), "both")
    result = grade_path(build("file", tmp_path, both.sources()), seed=5, train_lenet=False)
    assert named(result) == {
        "loss": ["loss.dlogits_not_divided_by_n"],
        "maxpool2d.backward": ["maxpool2d.gradient_to_whole_window"],
    }
    results = json.loads(json.dumps(to_results(result), default=str))
    loss = next(test for test in results["tests"] if test["name"] == "loss")
    (diagnosis,) = loss["extra_data"]["diagnoses"]
    assert set(diagnosis) == {"id", "title", "message", "evidence"}
    assert diagnosis["title"] == "the gradient is not divided by the batch size N"
    assert "Implementation: Backward Pass" in diagnosis["message"] and "failing case" in diagnosis["evidence"]
    assert loss["output"].startswith("Likely cause: the gradient is not divided by the batch size N.")
    assert all("extra_data" not in test for test in results["tests"] if test["status"] == "passed")
    page = render_html(results)
    section = page[page.index('id="item-loss"') :]
    assert section.index("Likely cause: the gradient is not divided") < section.index('class="case"')
    assert "Likely cause: the gradient is not divided by the batch size N" in render_markdown(results)


@pytest.mark.parametrize(
    "target, old, new",
    [
        ("Linear.backward", "return dY @ self.weight\n", "return 2 * dY @ self.weight\n"),  # dX doubled
        ("SoftmaxCrossEntropyLoss.backward", "dLogits /= N\n", "dLogits /= N + 1\n"),  # divides by N + 1
        ("SGD.step", "param -= self.lr * grad", "param -= 2 * self.lr * grad"),  # twice the step
        ("ReLU.forward", "return x * self.mask", "return np.where(self.mask, x, 0.01 * x)"),  # a leaky ReLU
    ],
    ids=["linear-dx-doubled", "dlogits-over-n-plus-one", "sgd-twice-the-step", "leaky-relu"],
)
def test_a_bug_outside_the_catalogue_gets_no_name(tmp_path, target, old, new):
    bug = Bug("outside", (), ((target, old, new),), "outside the catalogue")
    result = grade_path(build("file", tmp_path, bug.sources()), seed=6, train_lenet=False)
    assert result.score < result.max_score and named(result) == {}


def test_a_catalogued_mistake_written_in_another_style_is_named(tmp_path):
    """Not a patch of the bank: grad_weight averaged over the batch, with einsum."""
    old, new = "self.grad_weight += dY.T @ self.x", "self.grad_weight += np.einsum('ni,nj->ij', dY, self.x) / len(dY)"
    bug = Bug("einsum", (), (("Linear.backward", old, new),), "grad_weight averaged, with einsum")
    result = grade_path(build("file", tmp_path, bug.sources()), seed=12, train_lenet=False)
    assert named(result) == {"linear.backward": ["linear.grad_weight_mean"]}


def test_a_passing_item_is_never_diagnosed():
    """Even with an observation that looks exactly like a misconception, an item that passed gets none."""
    from grader.cases import LOSS_CASES
    from grader.grading.scoring import ItemResult

    logits, targets = LOSS_CASES[0].inputs(np.random.default_rng(3))
    seen = observation_of("loss", "SoftmaxCrossEntropyLoss", LOSS_CASES[0], logits=logits, targets=targets)
    loss_fn = reference.SoftmaxCrossEntropyLoss()
    seen.record("value", loss_fn(logits, targets))
    seen.record("dLogits", loss_fn.backward() * len(logits))
    tests = [{"nodeid": "t", "outcome": "failed", "metadata": {"item": "loss"}}]
    rubric = load_rubric("lesson8")
    for passed, expected in ((4, ["loss.dlogits_not_divided_by_n"]), (5, [])):
        item = ItemResult("loss", 1, 10.0, 0.0, passed, 5, "", "visible")
        diagnose_items([item], tests, {"t": seen}, LivePredictor(reference), rubric)
        assert [d["id"] for d in item.diagnoses] == expected, item.status


def test_the_reference_looks_like_no_misconception_on_any_case(tmp_path, shared_grades):
    graded = shared_grades.grade(build("file", tmp_path), seed=2, explain_every_case=True)
    assert graded.grade.score > 0 and graded.every_case == []


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLE_PARAMETERS)
def test_a_correct_style_looks_like_no_misconception_on_any_case_over_ten_seeds(style, tmp_path, shared_grades):
    """Each observed case diagnosed as if it alone had failed (the grades are test_grading's, shared)."""
    path = completed_style(style, tmp_path)
    for seed in range(1, 11):
        graded = shared_grades.grade(path, seed=seed, explain_every_case=True)
        assert named(graded.grade) == {} and graded.every_case == [], (seed, graded.every_case[:3])


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES, ids=lambda path: path.stem)
def test_a_correct_style_looks_like_no_misconception_in_public_mode(style, tmp_path, shared_grades):
    graded = shared_grades.grade(completed_style(style, tmp_path), mode="public", explain_every_case=True)
    assert named(graded.grade) == {} and graded.every_case == []


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["instructor", "public"])
@pytest.mark.parametrize("bug", bank_parameters())
def test_a_bug_of_the_bank_is_named_by_its_misconception_and_nothing_else(tmp_path, bug, mode, shared_grades):
    result = shared_grades.grade(build("file", tmp_path, bug.sources()), seed=4, mode=mode).grade
    names = named(result)
    assert {m for ids in names.values() for m in ids} <= set(bug.misconceptions), (bug.name, names)
    if bug.misconceptions:
        primary = diagnosed_item(bug)
        assert set(names.get(primary, [])) & set(bug.misconceptions), (bug.name, names)
        assert items_of(result)[primary].status == "failed"


def test_the_readme_lists_the_catalogue_as_the_code_declares_it():
    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- diagnoses: generated by grader.misconceptions.catalogue.markdown() -->")
    end = readme.index("<!-- end of diagnoses -->")
    listed = readme[start:end].split("\n", 1)[1].strip()
    assert listed == markdown(), "README's catalogue is stale: run scripts/make_readme_diagnoses.py"


def test_the_committed_fixtures_hold_what_the_variants_predict_on_the_public_inputs(tmp_path):
    fresh = read_predictions(record(train_lenet=False).save(tmp_path / "fresh.npz"))
    committed = read_predictions(FIXTURES)
    assert sorted(committed) == sorted(fresh), "cases added or removed: run `make fixtures`"
    for test_id, observed in fresh.items():
        assert [d for d, _ in committed[test_id]] == [d for d, _ in observed], f"{test_id}: run `make fixtures`"
        for (_, kept), (_, predictions) in zip(committed[test_id], observed, strict=True):
            assert sorted(kept) == sorted(predictions), f"{test_id}: other candidates: run `make fixtures`"
            for name, prediction in predictions.items():
                assert kept[name].raised == prediction.raised, (test_id, name)
                assert sorted(kept[name].outputs) == sorted(prediction.outputs), (test_id, name)
                for key, value in prediction.outputs.items():
                    assert np.array_equal(kept[name].outputs[key], value, equal_nan=True), (test_id, name, key)


def test_the_student_kit_diagnoses_from_the_fixtures_without_the_variants(tmp_path, monkeypatch):
    """Public mode never runs a variant: it answers from the recorded predictions alone."""
    monkeypatch.setattr(LivePredictor, "predict", lambda *args: pytest.fail("a variant ran in public mode"))
    bug = BY_NAME["dlogits_not_divided_by_n"]
    result = grade_path(build("file", tmp_path, bug.sources()), mode="public", train_lenet=False)
    assert named(result) == {"loss": ["loss.dlogits_not_divided_by_n"]}


def test_the_class_overview_and_the_gradebook_list_each_students_misconceptions():
    rubric = load_rubric("lesson8")
    results = {"tests": [{"extra_data": {"diagnoses": [{"id": "loss.dlogits_not_divided_by_n"}]}}, {"name": "x"}]}
    assert diagnosis_ids(results) == ("loss.dlogits_not_divided_by_n",) and diagnosis_ids(None) == ()
    common = {"status": "graded", "max_score": rubric.total, "score": 80.0}
    rows = [
        BatchRow("ann", report="ann/report.html", diagnoses=("loss.dlogits_not_divided_by_n",), **common),
        BatchRow(
            "<b>bo</b>",
            report="bo/report.html",
            diagnoses=("maxpool2d.gradient_to_whole_window", "loss.dlogits_not_divided_by_n"),
            **common,
        ),
        BatchRow("cy", report="cy/report.html", **common),
        BatchRow.from_dict({"student": "dee", "status": "graded", "diagnoses": ["relu.in_place", 3]}),
    ]
    page = render_index(rows, [], rubric)
    table = page[page.index('id="misconceptions-heading"') : page.index('id="items-heading"')]
    cells = [
        [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in table.split("<tr>")[2:]
    ]
    assert cells[0][0] == "the gradient is not divided by the batch size N loss.dlogits_not_divided_by_n"
    assert cells[0][1:] == ["2", "<b>bo</b>, ann"]  # most frequent first; the name escaped in the page
    assert '<a href="ann/report.html">ann</a>' in table and "<b>bo</b>" not in table
    assert [row[1:] for row in cells[1:]] == [["1", "<b>bo</b>"], ["1", "dee"]]  # then by id
    csv_rows = list(csv.DictReader(io.StringIO(gradebook_csv(rows, rubric))))
    assert [row["diagnoses"] for row in csv_rows] == [
        "maxpool2d.gradient_to_whole_window loss.dlogits_not_divided_by_n",
        "loss.dlogits_not_divided_by_n",
        "",
        "relu.in_place",
    ]
