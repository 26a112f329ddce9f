"""report.html in a real browser: headless Chromium renders it, loads nothing and runs nothing.

Each case grades a submission through the command line, loads DIR/report.html in Debian's
chromium through Playwright (tests/helpers/browser.py) and checks the screenshot is not blank, the DOM
holds the score and the sections, the page made no request, logged nothing to the console and
broke no Content-Security-Policy rule. A hostile submission puts HTML in its output, in a class
name and in an exception message: it must come out escaped, neither executed nor merely blocked
by the Content-Security-Policy.

The screenshots are kept under out/screenshots/ (git-ignored) for CI to upload as artifacts.
The positive controls at the end show that the detection of requests, console errors and CSP
violations works on this Chromium; the blank-screenshot threshold is checked on drawn images.
"""

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

from grader.cli import main
from grader.reports.report import number
from tests.helpers.browser import assert_quiet, drawn_fraction, is_blank, load
from tests.helpers.submission_formats import build

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "out" / "screenshots"
SECTIONS = ("Items", "LeNet training", "Loading")


def grade(submission, out_dir, *options):
    """Grade through the command line (seed 1); returns out_dir."""
    terminal = io.StringIO()
    status = main(["grade", str(submission), "--out", str(out_dir), "--seed", "1", *options], stream=terminal)
    assert status == 0, terminal.getvalue()
    return Path(out_dir)


def render(chromium, out_dir, name):
    """Load out_dir/report.html in Chromium, keeping the screenshot as out/screenshots/<name>.png."""
    return load(chromium, out_dir / "report.html", SCREENSHOTS / f"{name}.png")


def heading(dom, text):
    return re.search(rf"<h2[^>]*>\s*{re.escape(text)}\s*</h2>", dom) is not None


def reference(tmp_path):
    return ROOT / "reference"


def template(tmp_path):
    return ROOT / "student_template"


def col2im_assigns(tmp_path):
    from tests.helpers.bug_bank import BY_NAME

    return build("file", tmp_path / "submission", BY_NAME["col2im_assigns"].sources())


@pytest.mark.parametrize(
    "name, submission, expected",
    [
        ("reference", reference, ["100 / 100", "✓ passed"]),
        ("template", template, ["0 / 100", "✗ failed"]),
        ("col2im_assigns", col2im_assigns, ["conv2d.backward", "failed"]),
    ],
)
def test_the_report_renders_with_its_score_and_sections(chromium, tmp_path, name, submission, expected):
    out = grade(submission(tmp_path), tmp_path / "out")
    page = render(chromium, out, name)
    assert_quiet(page)
    results = json.loads((out / "results.json").read_text())
    expected = [*expected, f"{number(results['score'])} / {number(results['extra_data']['max_score'])}"]
    for text in expected:
        assert text in page.dom, f"{text!r} not in the rendered report of {name}"
    for section in SECTIONS:
        assert heading(page.dom, section), f"no section {section!r} in the rendered report of {name}"
    if name == "col2im_assigns":
        # the failing item's details are open, with its score (not 12 / 12)
        assert re.search(r'<details id="item-conv2d\.backward"[^>]*\bopen\b', page.dom)
        assert "conv2d.backward — 12 / 12 points" not in page.dom


INJECTION = """

# ---- hostile additions: HTML in printed output, in a class name and in an exception message
print("<script>document.title='pwned'</script>")
print('<img src=x onerror="document.title=\\'pwned\\'">')

_relu_forward = ReLU.forward


def _chatty_forward(self, x):
    print("<script>document.title='pwned'</script>")
    print('<img src=x onerror="document.title=\\'pwned\\'">')
    return _relu_forward(self, x)


ReLU.forward = _chatty_forward
ReLU.__name__ = ReLU.__qualname__ = '<img src=x onerror=alert(1)>'


def _failing_forward(self, x):
    raise ValueError("<script>alert(1)</script> from Flatten.forward")


Flatten.forward = _failing_forward
"""


def test_html_from_a_submission_is_shown_escaped_never_run(chromium, tmp_path):
    submission = build("file", tmp_path / "submission")
    submission.write_text(submission.read_text() + INJECTION)
    out = grade(submission, tmp_path / "out", "--instructor")
    page = render(chromium, out, "injection")

    assert not re.search(r"<script", page.dom, re.I), "a <script> element made it into the report"
    assert not re.search(r"<img", page.dom, re.I), "an <img> element made it into the report"
    assert page.title and "pwned" not in page.title
    assert page.csp_violations == [], f"markup got through and was only blocked by the CSP: {page.csp_violations}"
    assert_quiet(page)
    # The hostile text is there, escaped: printed output, the class name in a call's label, the exception.
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in page.dom
    assert "&lt;img src=x onerror=alert(1)&gt;.forward" in page.dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt; from Flatten.forward" in page.dom

    summary = (out / "summary.md").read_text()
    assert not re.search(r"<script|<img", summary, re.I), summary
    # Escaped once, not dropped and not twice (GitHub would show a literal "&lt;").
    assert "&lt;script&gt;alert" in summary and "&amp;lt;" not in summary


# ---------------------------------------------------------------- the detection itself

CONTROLS = {
    "external_image": '<!DOCTYPE html><title>ext</title><h1>external</h1><img src="http://example.invalid/pixel.png">',
    "throwing_script": '<!DOCTYPE html><title>err</title><h1>error</h1><script>throw new Error("boom from the control")</script>',
    "csp_blocked": (
        '<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\"><title>csp</title><h1>csp</h1>"
        "<script>document.title='pwned'</script>"
    ),
    "empty": "<!DOCTYPE html><title>empty</title>",
}


def test_detection_positive_controls(chromium, tmp_path):
    pages = {}
    for name, text in CONTROLS.items():
        (tmp_path / f"{name}.html").write_text(text)
        pages[name] = load(chromium, tmp_path / f"{name}.html", tmp_path / "shots" / f"{name}.png")

    # A blocked fetch shows both as a request and as Chromium's console error about it.
    external = pages["external_image"]
    assert external.requests == ["http://example.invalid/pixel.png"] and external.csp_violations == []
    assert len(external.console) == 1 and "Failed to load resource" in external.console[0], external.console

    errors = pages["throwing_script"].console
    assert pages["throwing_script"].requests == []
    assert errors == ["Uncaught Error: boom from the control"], errors

    # The listener reports the violation; Chromium also logs it.
    blocked = pages["csp_blocked"]
    assert blocked.title == "csp" and blocked.requests == []
    assert blocked.csp_violations == ["script-src-elem blocked inline"], blocked.csp_violations
    assert len(blocked.console) == 1 and "inline script violates" in blocked.console[0], blocked.console

    empty = pages["empty"]
    assert is_blank(empty.screenshot) and empty.console == [] and empty.requests == [] and empty.csp_violations == []


# ---------------------------------------------------------------- the blank threshold (no chromium needed)


def test_is_blank_counts_pixels_off_the_background(tmp_path):
    image, path = Image.new("RGB", (100, 100), "white"), tmp_path / "page.png"
    image.save(path)
    assert is_blank(path) and drawn_fraction(path) == 0
    for x in range(40):  # 40 dark pixels: 0.4% -> still blank
        image.putpixel((x, 0), (0, 0, 0))
    image.save(path)
    assert drawn_fraction(path) == 0.004 and is_blank(path)
    for x in range(60):  # 60 more: 1% -> drawn
        image.putpixel((x, 50), (0x20, 0x40, 0x60))
    image.save(path)
    assert drawn_fraction(path) == 0.01 and not is_blank(path)
