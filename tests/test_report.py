"""report.html and summary.md: rendered from results.json, complete, escaped, self-contained."""

import copy
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.cli import main
from grader.reports.report import md_escape, render_html, render_markdown
from tests.helpers.bug_bank import BY_NAME
from tests.helpers.submission_formats import build

ROOT = Path(__file__).resolve().parent.parent


class Page(HTMLParser):
    """Collects what a test needs from an HTML page: tags, headings, text, attributes."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.headings, self.text, self.attributes, self.stack = [], [], [], [], []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        self.text.append(data)
        if self.stack and self.stack[-1] in ("h1", "h2", "h3"):
            self.headings.append(data.strip())

    @property
    def all_text(self):
        return " ".join(" ".join(self.text).split())


def graded(tmp_path, path, *options):
    out = tmp_path / "out"
    assert main(["grade", str(path), "--out", str(out), "--seed", "2", *options]) == 0
    return out, json.loads((out / "results.json").read_text())


@pytest.fixture(scope="module")
def buggy(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    return graded(tmp, build("file", tmp, BY_NAME["pool_grad_to_whole_window"].sources()))


def test_the_report_has_every_section_and_the_numbers(buggy):
    out, results = buggy
    page = Page((out / "report.html").read_text())
    assert {"Lesson 8 grading report", "Items", "LeNet training", "Loading"} <= set(page.headings)
    text = page.all_text
    assert f"{results['score']:.4g} / 100" in text and "maxpool2d.backward" in text and "✗ failed" in text
    assert "Hint:" in text and "Relative error" in text and "Worst index" in text
    assert "Time per layer" in text and "Test accuracy" in text and "reproduce this run with" in text
    assert "--seed 2" in text and "polyline" in page.tags and "svg" in page.tags


def test_the_report_is_self_contained(buggy):
    out, _ = buggy
    page = Page((out / "report.html").read_text())
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert not [
        value for name, value in page.attributes if name in ("src", "href") and value and not value.startswith("#")
    ]
    assert ("content", "default-src 'none'; style-src 'unsafe-inline'; img-src data:") in page.attributes


def test_passing_items_fold_away_and_failing_ones_open(buggy):
    out, _results = buggy
    html = (out / "report.html").read_text()
    assert '<details id="item-maxpool2d.backward" open>' in html
    assert '<details id="item-api">' in html


def test_gradient_checks_show_analytic_vs_numeric(tmp_path):
    out, _ = graded(tmp_path, build("file", tmp_path, BY_NAME["conv_grad_weight_mean"].sources()))
    text = Page((out / "report.html").read_text()).all_text
    assert "Analytic: your backward; numeric: finite differences of your forward" in text and "grad_weight" in text


def test_hidden_items_show_no_details_to_students_but_do_to_instructors(buggy):
    _, results = buggy
    hidden = copy.deepcopy(results)
    for test in hidden["tests"]:
        if test["name"] == "maxpool2d.backward":
            test["visibility"] = "hidden"
    student, instructor = render_html(hidden), render_html(hidden, instructor=True)
    block = student.split('id="item-maxpool2d.backward"')[1].split("</details>")[0]
    assert "hidden until your instructor" in block and "Hint:" not in block and "MaxPool2d(" not in block
    assert "MaxPool2d(" not in render_markdown(hidden).split("maxpool2d.backward")[-1]
    assert "MaxPool2d(" in instructor and "instructor: every item" in instructor


def test_the_template_report_says_not_implemented(tmp_path):
    out, _ = graded(tmp_path, ROOT / "student_template")
    text = Page((out / "report.html").read_text()).all_text
    assert "0 / 100" in text and "NotImplementedError" in text and "Training failed" in text


def test_loading_notes_and_printed_output_are_shown(tmp_path):
    path = build("file", tmp_path)
    path.write_text(
        path.read_text() + "\nprint('hello from the top level')\nraise SystemExit('training left at module level')\n"
    )
    out, _ = graded(tmp_path, path)
    text = Page((out / "report.html").read_text()).all_text
    assert "definitions-only" in text and "SystemExit" in text
    assert "hello from the top level" in text and "What your code printed" in text


def test_markdown_escaping():
    assert md_escape("<script>alert(1)</script> | *x*") == r"&lt;script&gt;alert\(1\)&lt;/script&gt; \| \*x\*"


def test_summary_md_is_written_and_appended_to_the_github_step_summary(tmp_path, monkeypatch, buggy):
    _, results = buggy
    step_summary = tmp_path / "step_summary.md"
    step_summary.write_text("# earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    from grader.reports.report import write_reports

    _, summary = write_reports(results, tmp_path / "out")
    text = summary.read_text()
    assert text.startswith("## Lesson 8 grading:") and "| maxpool2d.backward |" in text and "**failed**" in text
    assert step_summary.read_text() == "# earlier step\n" + text + "\n"
