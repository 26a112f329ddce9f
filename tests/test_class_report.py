"""index.html of batch grading (grader.classroom.class_report): numbers, item analysis, escaping, the CSP hash.

Synthetic rows stand for a graded class: a dozen students, some graded, two errors and a timeout,
one whose name, email and error text are HTML, and one skipped entry. Expected values are computed
here, independently of grader.classroom.class_report. One test loads the page in Debian's chromium through
Playwright (tests/helpers/browser.py), at a desktop and a phone width: nothing fetched, nothing logged, no
CSP violation, and the hashed sorting script ran (it marks the table data-sortable="ready") and
sorts when its headers are clicked. The screenshots are kept as out/screenshots/index.png and
index-390.png.
"""

import base64
import hashlib
import random
import re
from datetime import datetime, timezone
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.classroom.class_report import SORT_SCRIPT, render_index, report_href
from grader.classroom.gradebook import BatchRow
from grader.grading.rubric import load_rubric
from tests.helpers.browser import assert_quiet, load

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "out" / "screenshots"
HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)>"
WHEN = datetime(2025, 3, 14, 9, 26, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def rubric():
    return load_rubric("lesson8")


def graded_row(rubric, student, name, rng, duration, lose=()):
    """A graded row: every item full marks except those in `lose` and a few random partial losses."""
    items = {}
    for item in rubric.items:
        if item.id in lose:
            items[item.id] = 0.0
        elif rng.random() < 0.25:
            items[item.id] = round(item.points * rng.choice((0.0, 0.25, 0.5, 0.75)), 2)
        else:
            items[item.id] = item.points
    return {
        "student": student,
        "name": name,
        "email": f"{student}@example.edu",
        "score": sum(items.values()),
        "max_score": rubric.total,
        "status": "graded",
        "items": items,
        "duration": duration,
        "sandbox": "bubblewrap",
        "sha256": hashlib.sha256(student.encode()).hexdigest(),
        "report": f"{student}/report.html",
        "error": "",
    }


def failed_row(rubric, student, name, status, error, duration, report=True, email=None):
    return {
        "student": student,
        "name": name,
        "email": email if email is not None else f"{student}@example.edu",
        "score": 0.0,
        "max_score": rubric.total,
        "status": status,
        "items": {},
        "duration": duration,
        "sandbox": "none",
        "sha256": "",
        "report": f"{student}/report.html" if report else "",
        "error": error,
    }


def as_rows(rows):
    """BatchRows from the dicts a batch writes in JSON (whatever they hold: grader.classroom.gradebook)."""
    return [BatchRow.from_dict(row) for row in rows]


def class_rows(rubric):
    """Twelve rows: nine graded, two errors (one hostile, one without a report) and a timeout."""
    rng = random.Random(8)
    graded = [
        graded_row(rubric, "alice", "Alice Martin", rng, 41.5),
        graded_row(rubric, "bob", "Bob Okafor", rng, 38.0, lose=("conv2d.backward", "maxpool2d.backward")),
        graded_row(rubric, "carol", "Carol Ng", rng, 55.25, lose=("conv2d.backward",)),
        graded_row(rubric, "dmitri", "Dmitri Volkov", rng, 12.0, lose=("lenet",)),
        graded_row(rubric, "erin", "", rng, 47.0),
        graded_row(rubric, "farah", "Farah Haddad", rng, 61.0, lose=("conv2d.backward", "cache", "accumulation")),
        graded_row(rubric, "gus", "Gus Lindqvist", rng, 33.3),
        graded_row(rubric, "hana", "Hana Sato", rng, 44.4, lose=("maxpool2d.backward",)),
        graded_row(rubric, "zoe obrien", "Zoë O'Brien", rng, 29.9),
    ]
    failed = [
        failed_row(
            rubric,
            "mallory",
            HOSTILE + " Mallory",
            "error",
            "the submission could not be loaded: " + HOSTILE,
            3.2,
            email=HOSTILE,
        ),
        failed_row(rubric, "ivan", "Ivan Petrov", "timeout", "grading took longer than 900 s", 900.0),
        failed_row(rubric, "judy", "Judy Park", "error", "corrupt zip: bad CRC", 0.4, report=False),
    ]
    return graded + failed


@pytest.fixture(scope="module")
def rows(rubric):
    return class_rows(rubric)


SKIPPED = [("notes.txt", "not a submission: a text file"), ("<b>odd</b>", "empty folder")]


@pytest.fixture(scope="module")
def page_text(rows, rubric):
    return render_index(as_rows(rows), SKIPPED, rubric, generated_at=WHEN)


class Page(HTMLParser):
    """Tags, attributes, headings, text, and the rows of every table by id. In table cells, the
    phone-only copies of the email and the sandbox (span.email-inline, span.sandbox-inline) are left out."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.headings, self.text = [], [], [], []
        self.tables, self._table, self._row, self._cell, self._heading = {}, None, None, None, None
        self._inline = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("id", f"table{len(self.tables)}"), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag in ("h1", "h2", "h3"):
            self._heading = []
        elif tag == "span" and re.search(r"\b(email|sandbox)-inline\b", dict(attrs).get("class") or ""):
            self._inline = True

    def handle_endtag(self, tag):
        if tag == "span":
            self._inline = False
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = self._row = None
        elif tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data):
        self.text.append(data)
        if self._inline:
            return
        for collector in (self._cell, self._heading):
            if collector is not None:
                collector.append(data)

    @property
    def all_text(self):
        return " ".join(" ".join(self.text).split())

    def body(self, table):
        """The rows of a table without its header row."""
        return self.tables[table][1:]


def graded_scores(rows):
    return [row["score"] for row in rows if row["status"] == "graded"]


def fmt(value):
    return f"{value:.4g}"


# ---------------------------------------------------------------- the numbers


def test_the_header_counts_everything(page_text, rows):
    page = Page(page_text)
    assert page.headings[0] == "Lesson 8 — class overview"
    assert {
        "Class statistics",
        "Item analysis: what to re-teach",
        "Slowest submissions",
        "Errors and timeouts",
        "Skipped entries",
        "Every student",
    } <= set(page.headings)
    text = page.all_text
    for count in ("12 submissions", "9 graded", "2 errors", "1 timeout", "2 skipped entries"):
        assert count in text, count
    assert "lesson8 — Lesson 8: a LeNet-style CNN in plain NumPy (100 points)" in text
    assert "2025-03-14 09:26 UTC" in text
    # the failed rows ran without a sandbox: said in words, not only by colour
    unsandboxed = sum(row["sandbox"] == "none" for row in rows)
    assert unsandboxed == 3 and f"{unsandboxed} submissions ran without a sandbox" in text and "⚠ none" in text


def test_the_statistics_are_those_of_the_graded_scores(page_text, rows):
    scores = sorted(graded_scores(rows))
    n = len(scores)
    mean = sum(scores) / n
    median = scores[n // 2] if n % 2 else (scores[n // 2 - 1] + scores[n // 2]) / 2
    stats = dict(Page(page_text).tables["stats"])
    assert stats == {
        "Graded": str(n),
        "Mean": fmt(mean),
        "Median": fmt(median),
        "Lowest": fmt(scores[0]),
        "Highest": fmt(scores[-1]),
    }


def test_the_histogram_counts_ten_bins_of_the_range(page_text, rows, rubric):
    scores = graded_scores(rows)
    total = rubric.total
    expected = []
    for i in range(10):
        low, high = total * i / 10, total * (i + 1) / 10
        expected.append(sum(1 for s in scores if low <= s < high or (i == 9 and s == total)))
    assert sum(expected) == len(scores)
    desc = unescape(re.search(r'<desc id="histogram-desc">(.*?)</desc>', page_text, re.S).group(1))
    assert [int(c) for c in re.findall(r": (\d+)[;.]", desc)] == expected, desc
    assert desc.startswith("Number of submissions per 10-point score range: 0 to under 10: ")
    # each bar's count is drawn as text; the chart is labelled for screen readers
    svg = re.search(r"<svg.*?</svg>", page_text, re.S).group(0)
    labels = re.findall(r'<text [^>]*text-anchor="middle" fill="#[0-9a-f]+">(\d+)</text>', svg)
    assert [int(v) for v in labels[:10]] == expected
    assert 'role="img"' in svg and 'aria-labelledby="histogram-title histogram-desc"' in svg
    assert len(re.findall(r"<rect ", svg)) == 10


def test_a_full_score_goes_into_the_last_bin(rubric):
    rows = [
        {"student": "a", "score": rubric.total, "status": "graded", "items": {}},
        {"student": "b", "score": 0.0, "status": "graded", "items": {}},
        {"student": "c", "score": 10.0, "status": "graded", "items": {}},
    ]
    desc = re.search(r'<desc id="histogram-desc">(.*?)</desc>', render_index(as_rows(rows), [], rubric), re.S).group(1)
    assert [int(c) for c in re.findall(r": (\d+)[;.]", desc)] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 1]


def test_the_item_analysis_puts_the_most_missed_items_first(page_text, rows, rubric):
    graded = [row for row in rows if row["status"] == "graded"]
    expected = []
    for item in rubric.items:
        if item.points > 0:
            missed = sum(1 for row in graded if row["items"][item.id] < item.points)
            expected.append((-missed, item.number, item.id, missed))
    expected.sort()
    assert expected[0][3] >= 3  # conv2d.backward: three students lost all of it
    table = Page(page_text).body("items")
    assert [cells[0] for cells in table] == [item_id for _, _, item_id, _ in expected]
    for cells, (_, _, item_id, missed) in zip(table, expected, strict=False):
        assert cells[2] == f"{100 * missed / len(graded):.0f}% ({missed} of {len(graded)})", (item_id, cells)
        mean = sum(row["items"][item_id] for row in graded) / len(graded)
        assert cells[3] == f"{mean:.1f}", (item_id, cells)
    shares = re.findall(r'class="bar missed" aria-hidden="true"><span style="width: ([\d.]+)%">', page_text)
    assert [float(s) for s in shares] == [round(100 * m / len(graded), 1) for *_, m in expected]


def test_items_without_points_are_left_out(rubric):
    from msgspec.structs import replace

    free = replace(rubric, items=tuple(replace(i, points=0.0) if i.id == "api" else i for i in rubric.items))
    row = {"student": "a", "score": 50.0, "status": "graded", "items": {}}
    ids = [cells[0] for cells in Page(render_index(as_rows([row]), [], free)).body("items")]
    assert "api" not in ids and len(ids) == len(rubric.items) - 1


def test_the_slowest_and_the_failed_submissions(page_text, rows):
    page = Page(page_text)
    slowest = page.body("slowest")
    by_duration = sorted(rows, key=lambda row: -row["duration"])[:10]
    assert len(slowest) == 10
    assert [cells[1] for cells in slowest] == [f"{row['duration']:.1f} s" for row in by_duration]
    assert slowest[0][0] == "Ivan Petrov (ivan)" and slowest[0][2] == "✗ timeout"
    failed = re.search(r'<div id="failed">(.*?)\n</div>', page_text, re.S).group(1)
    texts = [Page(block).all_text for block in re.findall(r'<div class="case">(.*?)</div>', failed, re.S)]
    assert len(texts) == 3
    assert sorted(text.split(" ✗ ")[1].split()[0] for text in texts) == ["error", "error", "timeout"]
    assert any("corrupt zip: bad CRC" in t and "no report" in t for t in texts)
    assert any("grading took longer than 900 s" in t for t in texts)
    assert any(("the submission could not be loaded: " + HOSTILE) in t for t in texts)
    # a link to the report where there is one, none for judy
    assert 'href="mallory/report.html"' in failed and 'href="ivan/report.html"' in failed
    assert "judy/report.html" not in failed


def test_skipped_entries_are_listed(page_text):
    assert Page(page_text).body("skipped") == [
        ["notes.txt", "not a submission: a text file"],
        ["<b>odd</b>", "empty folder"],
    ]
    assert "&lt;b&gt;odd&lt;/b&gt;" in page_text and "<b>odd" not in page_text


def test_every_student_is_in_the_table_by_name(page_text, rows):
    page = Page(page_text)
    table = page.body("students")
    assert len(table) == len(rows)
    by_name = sorted(rows, key=lambda row: ((row["name"] or row["student"]).casefold(), row["student"]))
    assert [cells[0] for cells in table] == [
        (row["name"] + f" ({row['student']})") if row["name"] else row["student"] for row in by_name
    ]
    assert "erin" in [cells[0] for cells in table]  # no display name: the student id
    by_student = {row["student"]: cells for row, cells in zip(by_name, table, strict=False)}
    alice = rows[0]
    assert by_student["alice"] == [
        "Alice Martin (alice)",
        "alice@example.edu",
        f"{fmt(alice['score'])} / 100",
        "✓ graded",
        "41.5 s",
        "bubblewrap",
        "ok",
    ]
    assert by_student["judy"] == ["Judy Park (judy)", "judy@example.edu", "0 / 100", "✗ error", "0.4 s", "⚠ none", "ok"]
    assert by_student["ivan"][3] == "✗ timeout"
    # data-order follows the rows; data-score is the score, for the script
    orders = [int(v) for v in re.findall(r'<tr data-order="(\d+)" data-score="[\d.]+">', page_text)]
    assert orders == list(range(len(rows)))
    # sortable headers: buttons inside <th>, the name column marked as sorted, disabled until the script runs
    assert re.search(
        r'<th scope="col" aria-sort="ascending"><button type="button" data-sort="name"[^>]*disabled>', page_text
    )
    assert re.search(r'<th scope="col" class="num"><button type="button" data-sort="score"[^>]*disabled>', page_text)
    assert ("scope", "col") in page.attributes and ("scope", "row") in page.attributes


# ---------------------------------------------------------------- safety


def test_text_from_submissions_is_escaped(page_text):
    assert len(re.findall(r"<script", page_text, re.I)) == 1
    assert not re.search(r"<img", page_text, re.I)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; Mallory" in page_text
    assert "the submission could not be loaded: &lt;script&gt;alert(1)&lt;/script&gt;" in page_text
    assert "onerror=alert(1)&gt;</td>" in page_text  # the email
    page = Page(page_text)
    assert page.tags.count("script") == 1 and "img" not in page.tags
    assert not [name for name, _ in page.attributes if name.startswith("on")]


def test_the_csp_allows_exactly_the_script_in_the_page(page_text):
    scripts = re.findall(r"<script>(.*?)</script>", page_text, re.S)
    assert len(scripts) == 1 and scripts[0] == SORT_SCRIPT
    digest = "sha256-" + base64.b64encode(hashlib.sha256(scripts[0].encode("utf-8")).digest()).decode()
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page_text).group(1)
    assert csp == f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src '{digest}'"
    for forbidden in ("eval(", "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "Function("):
        assert forbidden not in SORT_SCRIPT
    assert "</" not in SORT_SCRIPT and "<!--" not in SORT_SCRIPT


def test_links_to_reports_are_relative(page_text):
    page = Page(page_text)
    links = [value for name, value in page.attributes if name == "href"]
    assert "alice/report.html" in links and "zoe%20obrien/report.html" in links
    assert links and all(re.fullmatch(r"[A-Za-z0-9%._~-]+/report\.html", link) for link in links), links
    assert not [value for name, value in page.attributes if name == "src"]
    assert "link" not in page.tags and "img" not in page.tags


def test_report_links_never_become_a_scheme_or_leave_the_directory():
    assert report_href("alice/report.html") == "alice/report.html"
    assert report_href("javascript:alert(1)/report.html") == "javascript%3Aalert%281%29/report.html"
    assert report_href("a#b?c/report.html") == "a%23b%3Fc/report.html"
    assert report_href("") is None and report_href(None) is None
    assert report_href("/etc/passwd") is None and report_href("../other/report.html") is None


# ---------------------------------------------------------------- edge cases


def test_an_empty_class_renders_and_says_so(rubric):
    text = render_index([], [], rubric)
    page = Page(text)
    assert page.headings[0] == "Lesson 8 — class overview"
    assert "No submissions: the class directory held no submission to grade" in page.all_text
    assert "0 submissions" in page.all_text and "no statistics" in page.all_text
    assert "script" not in page.tags and "svg" not in page.tags
    skipped_only = Page(render_index([], [("README.md", "not a submission")], rubric))
    assert skipped_only.body("skipped") == [["README.md", "not a submission"]]
    assert "its entries were all skipped" in skipped_only.all_text


def test_a_class_where_nothing_was_graded_renders(rubric):
    rows = [failed_row(rubric, "a", "A", "error", "boom", 1.0), failed_row(rubric, "b", "", "timeout", "", 9.0)]
    text = render_index(as_rows(rows), [], rubric)
    page = Page(text)
    assert "No graded submission" in page.all_text and "0 graded" in page.all_text
    assert "svg" not in page.tags and "items" not in page.tables
    assert text.count('<div class="case">') == 2 and "No reason was recorded." in page.all_text
    assert len(page.body("students")) == 2 and len(page.body("slowest")) == 2


# ---------------------------------------------------------------- in a browser


def sorted_by_clicks(page):
    """The rows' data-order and the headers' aria-sort on load, then after clicking Score, Score,
    Name, Name; and the caption's status at the end."""
    table = page.locator("#students")
    headers = {key: table.locator(f'th:has(button[data-sort="{key}"])') for key in ("name", "score")}
    rows = table.locator("tbody tr")

    def state():
        return (
            ",".join(rows.nth(i).get_attribute("data-order") for i in range(rows.count())),
            {key: header.get_attribute("aria-sort") for key, header in headers.items()},
        )

    seen = [state()]
    for key in ("score", "score", "name", "name"):
        headers[key].locator("button").click()
        seen.append(state())
    return seen, page.locator("#students-sort").text_content()


def test_the_page_in_chromium_loads_nothing_and_sorts(chromium, tmp_path, page_text, rows):
    (tmp_path / "index.html").write_text(page_text, encoding="utf-8")
    by_name = sorted(rows, key=lambda row: ((row["name"] or row["student"]).casefold(), row["student"]))
    order = {row["student"]: i for i, row in enumerate(by_name)}

    def as_orders(ranked):
        return ",".join(str(order[row["student"]]) for row in ranked)

    by_name_state = (as_orders(by_name), {"name": "ascending", "score": None})
    expected = (
        [
            by_name_state,
            (
                as_orders(sorted(by_name, key=lambda row: (-row["score"], order[row["student"]]))),
                {"name": None, "score": "descending"},
            ),
            (
                as_orders(sorted(by_name, key=lambda row: (row["score"], order[row["student"]]))),
                {"name": None, "score": "ascending"},
            ),
            by_name_state,
            (as_orders(reversed(by_name)), {"name": "descending", "score": None}),
        ],
        "Sorted by name, Z to A.",
    )
    for name, width, height in (("index", 1000, 3400), ("index-390", 390, 5200)):
        page = load(chromium, tmp_path / "index.html", SCREENSHOTS / f"{name}.png", width, height)
        assert_quiet(page)
        # the hashed script ran: it marked the table and enabled the buttons
        assert re.search(r'<table id="students" data-sortable="ready">', page.dom), "the sorting script did not run"
        assert not re.search(r"<button[^>]*disabled", page.dom)
        assert page.title.startswith("Lesson 8 — class overview: 12 submissions")
        assert not re.search(r"<img", page.dom, re.I) and len(re.findall(r"<script", page.dom)) == 1
        # Clicking the headers sorts the rows; the clicks fetch and log nothing either.
        assert sorted_by_clicks(page.page) == expected, name
        assert page.requests == [] and page.console == [] and page.csp_violations == []
