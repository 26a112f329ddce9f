"""report.html in a real browser: headless Chromium renders it, loads nothing and runs nothing.

Each case grades a submission through the command line, loads DIR/report.html in Debian's
chromium (tests/browser.py) and checks the screenshot is not blank, the DOM holds the score and
the sections, the page made no network request and logged nothing to the console. A hostile
submission puts HTML in its output, in a class name and in an exception message: it must come out
escaped, neither executed nor merely blocked by the Content-Security-Policy.

The screenshots are kept under out/screenshots/ (git-ignored) for CI to upload as artifacts.
The positive controls at the end show that the detection of requests, console errors and CSP
violations works on this Chromium; the PNG decoder is checked against every filter type.
"""

import io
import json
import random
import re
import struct
import zlib
from pathlib import Path

import pytest

from browser import chromium_path, drawn_fraction, is_blank, load, read_png
from grader.cli import main
from grader.report import number
from submission_formats import build

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "out" / "screenshots"
SECTIONS = ("Items", "LeNet training", "Loading")

needs_chromium = pytest.mark.skipif(
    chromium_path() is None, reason="Debian's chromium is not installed (apt-get install chromium; CI installs it)")


def grade(submission, out_dir, *options):
    """Grade through the command line (seed 1); returns out_dir."""
    terminal = io.StringIO()
    status = main(["grade", str(submission), "--out", str(out_dir), "--seed", "1", *options], stream=terminal)
    assert status == 0, terminal.getvalue()
    return Path(out_dir)


def render(out_dir, name, **size):
    """Load out_dir/report.html in Chromium, keeping the screenshot as out/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return load(out_dir / "report.html", SCREENSHOTS, name=name, **size)


def assert_clean(page):
    """Nothing fetched, nothing logged, something drawn."""
    assert page.requests == [], f"report.html made network requests: {page.requests}"
    assert page.console == [], "report.html logged to the console:\n" + "\n".join(page.console)
    assert not is_blank(page.screenshot), f"{page.screenshot} is blank ({drawn_fraction(page.screenshot):.2%} drawn)"


def heading(dom, text):
    return re.search(rf"<h2[^>]*>\s*{re.escape(text)}\s*</h2>", dom) is not None


def reference(tmp_path):
    return ROOT / "reference"


def template(tmp_path):
    return ROOT / "student_template"


def col2im_assigns(tmp_path):
    from bug_bank import BY_NAME
    return build("file", tmp_path / "submission", BY_NAME["col2im_assigns"].sources())


@needs_chromium
@pytest.mark.parametrize("name, submission, expected", [
    ("reference", reference, ["100 / 100", "✓ passed"]),
    ("template", template, ["0 / 100", "✗ failed"]),
    ("col2im_assigns", col2im_assigns, ["conv2d.backward", "failed"]),
])
def test_the_report_renders_with_its_score_and_sections(tmp_path, name, submission, expected):
    out = grade(submission(tmp_path), tmp_path / "out")
    page = render(out, name)
    assert_clean(page)
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


INJECTION = '''

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
'''


@needs_chromium
def test_html_from_a_submission_is_shown_escaped_never_run(tmp_path):
    submission = build("file", tmp_path / "submission")
    submission.write_text(submission.read_text() + INJECTION)
    out = grade(submission, tmp_path / "out", "--instructor")
    page = render(out, "injection")

    assert not re.search(r"<script", page.dom, re.I), "a <script> element made it into the report"
    assert not re.search(r"<img", page.dom, re.I), "an <img> element made it into the report"
    assert page.title and "pwned" not in page.title
    assert page.csp_violations == [], "markup got through and was only blocked by the CSP:\n" + "\n".join(page.csp_violations)
    assert_clean(page)
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
    "csp_blocked": ('<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
                    'style-src \'unsafe-inline\'; img-src data:"><title>csp</title><h1>csp</h1>'
                    "<script>document.title='pwned'</script>"),
    "empty": "<!DOCTYPE html><title>empty</title>",
}


@needs_chromium
def test_detection_positive_controls(tmp_path):
    pages = {}
    for name, text in CONTROLS.items():
        (tmp_path / f"{name}.html").write_text(text)
        pages[name] = load(tmp_path / f"{name}.html", tmp_path / "shots")

    assert pages["external_image"].requests == ["http://example.invalid/pixel.png"]
    assert pages["external_image"].console == []

    errors = pages["throwing_script"].console
    assert pages["throwing_script"].requests == []
    assert len(errors) == 1 and "Uncaught Error: boom from the control" in errors[0], errors

    blocked = pages["csp_blocked"]
    assert blocked.title == "csp" and blocked.requests == []
    assert len(blocked.csp_violations) == 1 and "inline script" in blocked.csp_violations[0], blocked.console

    assert is_blank(pages["empty"].screenshot) and pages["empty"].console == [] and pages["empty"].requests == []


# ---------------------------------------------------------------- the PNG decoder (no chromium needed)

def encode_png(width, height, channels, pixels, filters):
    """A PNG whose row y uses filters[y % len(filters)]; pixels: bytes of height rows."""
    stride = width * channels
    raw, previous = bytearray(), bytes(stride)
    for y in range(height):
        row = pixels[y * stride:(y + 1) * stride]
        kind = filters[y % len(filters)]
        out = bytearray(stride)
        for i in range(stride):
            a = row[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            predictor = {0: 0, 1: a, 2: b, 3: (a + b) >> 1}.get(kind)
            if kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else b if pb <= pc else c
            out[i] = (row[i] - predictor) & 0xFF
        raw += bytes([kind]) + out
        previous = row

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    colour = {3: 2, 4: 6}[channels]
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b""))


@pytest.mark.parametrize("channels", [3, 4])
def test_the_png_decoder_undoes_every_filter(tmp_path, channels):
    rng = random.Random(channels)
    width, height = 7, 10
    pixels = bytes(rng.randrange(256) for _ in range(width * height * channels))
    path = tmp_path / "random.png"
    path.write_bytes(encode_png(width, height, channels, pixels, filters=(0, 1, 2, 3, 4)))
    w, h, c, rows = read_png(path)
    assert (w, h, c) == (width, height, channels) and b"".join(rows) == pixels


def test_is_blank_counts_pixels_off_the_background(tmp_path):
    width, height = 100, 100
    white = bytearray(b"\xff" * width * height * 3)
    path = tmp_path / "page.png"
    path.write_bytes(encode_png(width, height, 3, bytes(white), filters=(4, 1, 2)))
    assert is_blank(path) and drawn_fraction(path) == 0
    for i in range(0, 3 * 40, 3):            # 40 dark pixels: 0.4% -> still blank
        white[i:i + 3] = b"\x00\x00\x00"
    path.write_bytes(encode_png(width, height, 3, bytes(white), filters=(4, 1, 2)))
    assert drawn_fraction(path) == 0.004 and is_blank(path)
    for i in range(3 * 5000, 3 * 5060, 3):   # 60 more: 1% -> drawn
        white[i:i + 3] = b"\x20\x40\x60"
    path.write_bytes(encode_png(width, height, 3, bytes(white), filters=(3, 0)))
    assert drawn_fraction(path) == 0.01 and not is_blank(path)
