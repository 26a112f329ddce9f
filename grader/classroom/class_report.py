"""index.html of batch grading: the class overview an instructor opens first.

    from grader.classroom.class_report import render_index
    html = render_index(rows, skipped, rubric, generated_at=None)

rows: one dict per submission (see render_index); skipped: (entry name, reason) pairs of the
class directory's entries that are not submissions; rubric: a grader.grading.rubric.Rubric.

The page is rendered with jinja2 (templates/index.html.j2, sharing templates/_style.css.j2 with
report.html). Names, emails, error texts and entry names come from submissions: jinja2's
autoescaping escapes them, and report links are percent-encoded path segments, never a scheme.
Like report.html the page is self-contained (inline CSS, inline SVG) and its
Content-Security-Policy forbids loading anything. Its one script, which sorts the student table
by name or score (the table is already sorted by name without it), is allowed by its SHA-256 hash
alone: SORT_SCRIPT below is put in the page byte for byte and SCRIPT_HASH is computed from it.
"""

import base64
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from markupsafe import Markup

from grader import __version__
from grader.classroom.class_statistics import class_statistics, histogram, histogram_svg, item_analysis
from grader.classroom.gradebook import BatchRow
from grader.reports.report import TEMPLATES

if TYPE_CHECKING:
    from grader.classroom.changes import Change
    from grader.grading.rubric import Rubric

SLOWEST = 10  # submissions listed by duration
CHANGES = 50  # moved grades listed at the top (changes.csv has them all)
MAX_ERROR_CHARS = 2_000  # of one error text on the page (the student's own report has it all)

# Sorts the rows of table#students by data-order (the name order computed here) or data-score
# (ties by name), updates aria-sort, the arrows and the caption's status with textContent, and
# marks the table data-sortable="ready". No eval, no innerHTML: rows are moved, never rebuilt.
SORT_SCRIPT = r"""
(function () {
  "use strict";
  var table = document.getElementById("students");
  if (!table || !table.tBodies.length) { return; }
  var body = table.tBodies[0];
  var status = document.getElementById("students-sort");
  var buttons = Array.prototype.slice.call(table.querySelectorAll("thead button[data-sort]"));
  var arrows = { ascending: "\u25B2", descending: "\u25BC" };
  var words = {
    name: { ascending: "by name, A to Z", descending: "by name, Z to A" },
    score: { ascending: "by score, lowest first", descending: "by score, highest first" }
  };
  var current = { key: "name", direction: "ascending" };

  function number(row, name) { return Number(row.getAttribute(name)); }

  function mark(key, direction) {
    buttons.forEach(function (button) {
      var active = button.getAttribute("data-sort") === key;
      var th = button.parentNode;
      if (active) { th.setAttribute("aria-sort", direction); } else { th.removeAttribute("aria-sort"); }
      var arrow = button.querySelector(".arrow");
      if (arrow) { arrow.textContent = active ? arrows[direction] : "\u2195"; }
    });
    if (status) { status.textContent = "Sorted " + words[key][direction] + "."; }
    current = { key: key, direction: direction };
  }

  function sortBy(key, direction) {
    var sign = direction === "ascending" ? 1 : -1;
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var byName = number(a, "data-order") - number(b, "data-order");
      if (key === "score") {
        var byScore = number(a, "data-score") - number(b, "data-score");
        return byScore !== 0 ? sign * byScore : byName;
      }
      return sign * byName;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    mark(key, direction);
  }

  buttons.forEach(function (button) {
    button.disabled = false;
    button.addEventListener("click", function () {
      var key = button.getAttribute("data-sort");
      var direction = key === current.key
        ? (current.direction === "ascending" ? "descending" : "ascending")
        : button.getAttribute("data-first");
      sortBy(key, direction);
    });
  });
  mark("name", "ascending");
  table.setAttribute("data-sortable", "ready");
}());
"""


def script_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script: 'sha256-<base64 of its UTF-8 SHA-256>'."""
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


SCRIPT_HASH = script_hash(SORT_SCRIPT)
CSP = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src '{SCRIPT_HASH}'"


def name_key(row: BatchRow) -> tuple[str, str]:
    """The table's default order: display name (or student id), case-insensitively, then student id."""
    return ((row.name or row.student).casefold(), row.student)


def report_href(link: str | None) -> str | None:
    """A relative link to a student's report, each path segment percent-encoded (so an entry named
    "javascript:..." or "a#b" stays a path); None when empty, absolute or leaving the directory."""
    if not link:
        return None
    path = PurePosixPath(str(link).replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return "/".join(quote(part, safe="") for part in path.parts)


def _when(generated_at: datetime | str | None) -> str:
    if generated_at is None:
        generated_at = datetime.now(timezone.utc)
    if isinstance(generated_at, datetime):
        if generated_at.tzinfo is not None:
            generated_at = generated_at.astimezone(timezone.utc)
            return generated_at.strftime("%Y-%m-%d %H:%M UTC")
        return generated_at.strftime("%Y-%m-%d %H:%M")
    return str(generated_at)


def _error_text(text: str | None) -> str:
    text = str(text or "")
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS] + " …"


def view(
    rows: Iterable[BatchRow],
    skipped: Sequence[tuple[str, str]],
    rubric: "Rubric",
    generated_at: datetime | str | None = None,
    similarity: dict[str, Any] | None = None,
    changes: "list[Change] | None" = None,
) -> dict[str, Any]:
    """The template's data."""
    students: list[dict[str, Any]] = []
    for row in sorted(rows, key=name_key):
        students.append(
            {
                "student": row.student,
                "name": row.name,
                "display": row.name or row.student,
                "email": row.email,
                "score": row.score,
                "max_score": row.max_score or rubric.total,
                "status": row.status,
                "duration": row.duration,
                "sandbox": row.sandbox,
                "href": report_href(row.report),
                "error": _error_text(row.error),
                "items": dict(row.items),
                "order": len(students),
                "policy": [asdict(cell) for cell in row.policy],
                "diagnoses": list(row.diagnoses),
            }
        )
    graded = [s for s in students if s["status"] == "graded"]
    scores = [s["score"] for s in graded]
    bins = histogram(scores, rubric.total)
    return {
        "csp": Markup(CSP),
        "script": Markup(SORT_SCRIPT),
        "version": __version__,
        "rubric": rubric,
        "generated_at": _when(generated_at),
        "students": students,
        "graded": graded,
        "counts": {
            "submissions": len(students),
            "graded": len(graded),
            "error": sum(s["status"] == "error" for s in students),
            "timeout": sum(s["status"] == "timeout" for s in students),
            "skipped": len(skipped),
        },
        "stats": class_statistics(scores),
        "bins": bins,
        "chart": histogram_svg(bins, rubric.total) if graded else None,
        "misconceptions": misconception_table(graded),
        "items": item_analysis(graded, rubric),
        "slowest": sorted(students, key=lambda s: (-s["duration"], s["order"]))[:SLOWEST],
        "failed": [s for s in students if s["status"] != "graded"],
        "unsandboxed": [s for s in students if s["sandbox"] == "none"],
        "skipped": [(str(name), str(reason)) for name, reason in skipped],
        "policy_rows": [s for s in students if s["policy"]],
        "similarity": similarity_view(similarity, students),
        "changes": changes_view(changes, students),
    }


def changes_view(changes: "list[Change] | None", students: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The "Changes since the last run" section: moved grades first (largest first), then the count
    of new submissions; None when the batch did not compare (a page rendered on its own)."""
    if changes is None:
        return None
    reports = {s["student"]: s["href"] for s in students}
    moved = sorted((c for c in changes if c.before is not None), key=lambda c: (-abs(c.delta), c.student))
    return {
        "moved": [{"change": c, "href": reports.get(c.student), "moves": c.moves_text()} for c in moved[:CHANGES]],
        "more": max(0, len(moved) - CHANGES),
        "new": sum(c.before is None for c in changes),
    }


def misconception_table(graded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """[{"id", "title", "students"}]: each misconception named in a graded report, with who (the
    students' view entries), most frequent first."""
    from grader.misconceptions import BY_ID

    named: dict[str, list[dict[str, Any]]] = {}
    for student in graded:
        for misconception in dict.fromkeys(student["diagnoses"]):
            named.setdefault(misconception, []).append(student)
    rows = [{"id": m, "title": BY_ID[m].title if m in BY_ID else m, "students": who} for m, who in named.items()]
    return sorted(rows, key=lambda row: (-len(row["students"]), row["id"]))


def similarity_view(similarity: dict[str, Any] | None, students: list[dict[str, Any]]) -> dict[str, Any]:
    """index.html's similarity section: the top pairs with links, or why there are none."""
    if not similarity or similarity.get("off"):
        return {"off": True, "interrupted": bool((similarity or {}).get("interrupted"))}
    reports = {s["student"]: s["href"] for s in students}
    pairs = [
        {
            **pair,
            "href_a": reports.get(pair["a"]),
            "href_b": reports.get(pair["b"]),
            "page_href": report_href(pair.get("page")),
        }
        for pair in similarity.get("pairs", [])
    ]
    return {**similarity, "off": False, "pairs": pairs}


def render_index(
    rows: Iterable[BatchRow],
    skipped: Sequence[tuple[str, str]],
    rubric: "Rubric",
    generated_at: datetime | str | None = None,
    similarity: dict[str, Any] | None = None,
    changes: "list[Change] | None" = None,
) -> str:
    """The class overview page (HTML text) of a batch: rows are BatchRows (grader.classroom.gradebook; a row's
    report is a relative path such as "alice/report.html", not URL-encoded, or ""); skipped is a
    list of (entry name, reason); generated_at a datetime (an aware one is shown in UTC), a string,
    or None for now; similarity is what grader.classroom.similarity_report.write_similarity returned, or
    {"off": True} (None: off); changes is grader.classroom.changes.compare's list (None: no such section)."""
    return TEMPLATES.get_template("index.html.j2").render(
        **view(rows, skipped, rubric, generated_at, similarity, changes)
    )
