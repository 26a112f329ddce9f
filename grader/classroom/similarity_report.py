"""The similarity of a batch, written out: OUT/similarity.csv, the side-by-side pages, the index data.

    plan = similarity_plan(rubric, threshold=None)           # before grading: SimilarityError if it cannot run
    comparison = Comparison(plan, entries, out).start()     # compares every pair while the class is graded
    view = write_similarity(plan, comparison, rows, out)    # after grading: files, and index.html's section

The side-by-side page (OUT/similarity/<a>__<b>.html) is rendered with our own template
(templates/pair.html.j2): both codes, the regions copydetect matched marked with <mark>
(copydetect.utils.highlight_overlap, which escapes the code). Like the reports it is one
self-contained file with a Content-Security-Policy that forbids loading and running anything.
"""

import csv
import io
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import numpy as np
from markupsafe import Markup

import grader
from grader.classroom.similarity import (
    ClassSimilarity,
    Pair,
    SimilarityError,
    SimilaritySettings,
    base_code,
    class_similarity,
    compare,
    copydetect,
)
from grader.reports.report import TEMPLATES
from grader.reports.results import write_text

if TYPE_CHECKING:
    from grader.classroom.class_folder import Entry
    from grader.classroom.gradebook import BatchRow
    from grader.grading.rubric import Rubric


def _template_directory() -> Path:
    """student_template/torcino of the checkout, or grader/template where the wheel puts it (pyproject.toml)."""
    checkout = Path(grader.__file__).resolve().parent.parent / "student_template" / "torcino"
    return checkout if checkout.is_dir() else Path(grader.__file__).resolve().parent / "template"


TEMPLATE = _template_directory()
PAGES = "similarity"  # OUT/similarity/: the side-by-side pages
CACHE = ".similarity"  # OUT/.similarity/: fingerprints and pair scores
MAX_PAGES = 200  # side-by-side pages written, most similar pairs first
TOP = 20  # pairs shown in index.html


@dataclass(frozen=True)
class Plan:
    settings: SimilaritySettings
    base: str  # the comparable code of the base (template and rubric's base)


def similarity_plan(rubric: "Rubric", threshold: float | None = None) -> Plan:
    """SimilaritySettings from the rubric's [similarity] (threshold overridden when given) and the base code;
    SimilarityError when copydetect or the base code is missing."""
    table = rubric.similarity
    settings = SimilaritySettings(
        threshold=table.flag_threshold,
        floor=table.report_floor,
        noise=table.noise_chars,
        guarantee=table.guarantee_chars,
        base=tuple(table.base),
    )
    if threshold is not None:
        if not 0 < threshold <= 1:
            raise SimilarityError(f"--similarity-threshold: expected a share between 0 and 1, got {threshold!r}")
        settings = replace(settings, threshold=threshold, floor=min(settings.floor, threshold))
    copydetect()
    if not TEMPLATE.is_dir():
        raise SimilarityError(
            f"{TEMPLATE}: the student template is not there (the checkout's student_template/ or the "
            "installed grader/template); pass --no-similarity"
        )
    return Plan(settings, base_code([TEMPLATE, *settings.base]))


class ListedPair(TypedDict):
    """A pair as the class overview lists it: students, names, each side's share, flagged, its page."""

    a: str
    b: str
    name_a: str
    name_b: str
    sim_a: float
    sim_b: float
    flagged: bool
    page: str | None


class SimilaritySummary(TypedDict):
    """What write_similarity found: the TOP pairs, how many were listed, flagged, compared (computed now),
    the threshold and floor used, and the (student, reason) of unreadable submissions."""

    pairs: list[ListedPair]
    listed: int
    flagged: int
    compared: int
    computed: int
    threshold: float
    floor: float
    unreadable: list[tuple[str, str]]


class Comparison:
    """Every pair of entries compared in a background thread (start()), while the class is graded: it
    needs only their code. result() waits for it and raises what it raised. The thread is a daemon: a
    batch stopped by Ctrl-C does not wait for it."""

    def __init__(self, plan: Plan, entries: Iterable["Entry"], out: str | Path) -> None:
        self.plan, self.out = plan, Path(out)
        self.entries = [(e.student, e.path, e.sha256) for e in entries]
        self.outcome: ClassSimilarity | BaseException | None = None
        self.thread = threading.Thread(target=self._compare, name="similarity", daemon=True)

    def start(self) -> "Comparison":
        self.thread.start()
        return self

    def _compare(self) -> None:
        try:
            self.outcome = class_similarity(self.entries, self.plan.settings, self.plan.base, cache=self.out / CACHE)
        except BaseException as error:  # noqa: BLE001 - handed to result(), in the batch's thread
            self.outcome = error

    def result(self) -> ClassSimilarity:
        self.thread.join()
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        assert self.outcome is not None, "the comparison's thread ended without a result"
        return self.outcome


def write_similarity(
    plan: Plan, comparison: Comparison, rows: Iterable["BatchRow"], out: str | Path
) -> SimilaritySummary:
    """Write similarity.csv and the pages of the comparison's pairs; returns the index's data."""
    out = Path(out)
    result = comparison.result()
    names = {row.student: row.name for row in rows}
    pages: dict[tuple[str, str], str] = {}
    folder = out / PAGES
    for stale in folder.glob("*.html") if folder.is_dir() else []:
        stale.unlink()
    for pair in result.pairs[:MAX_PAGES]:
        href = f"{PAGES}/{pair.a}__{pair.b}.html"
        write_text(render_pair(pair, result, names), out / href)
        pages[(pair.a, pair.b)] = href
    write_text(similarity_csv(result.pairs, names, pages), out / "similarity.csv")
    listed: list[ListedPair] = [
        {
            "a": p.a,
            "b": p.b,
            "name_a": names.get(p.a, ""),
            "name_b": names.get(p.b, ""),
            "sim_a": p.sim_a,
            "sim_b": p.sim_b,
            "flagged": p.flagged,
            "page": pages.get((p.a, p.b)),
        }
        for p in result.pairs
    ]
    return {
        "pairs": listed[:TOP],
        "listed": len(listed),
        "flagged": sum(p.flagged for p in result.pairs),
        "compared": result.compared,
        "computed": result.computed,
        "threshold": plan.settings.threshold,
        "floor": plan.settings.floor,
        "unreadable": result.unreadable,
    }


def similarity_csv(pairs: list[Pair], names: dict[str, str], pages: dict[tuple[str, str], str]) -> str:
    """similarity.csv: one row per pair above the floor, most similar first."""
    from grader.classroom.gradebook import csv_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["student_a", "name_a", "student_b", "name_b", "similarity_a_in_b", "similarity_b_in_a", "flagged", "page"]
    )
    for p in pairs:
        writer.writerow(
            [
                csv_cell(p.a),
                csv_cell(names.get(p.a, "")),
                csv_cell(p.b),
                csv_cell(names.get(p.b, "")),
                round(p.sim_a, 4),
                round(p.sim_b, 4),
                "yes" if p.flagged else "no",
                pages.get((p.a, p.b), ""),
            ]
        )
    return buffer.getvalue()


def highlighted(code: str, slices: np.ndarray | None) -> Markup:
    """The code, HTML-escaped, with the matched regions in <mark> (copydetect's highlight_overlap)."""
    if slices is None or len(slices) == 0 or slices.shape[-1] == 0:
        return Markup.escape(code)
    text, _ = copydetect().utils.highlight_overlap(code, slices, "<mark>", "</mark>", escape_html=True)
    return Markup(text)


def render_pair(pair: Pair, result: ClassSimilarity, names: dict[str, str]) -> str:
    """The side-by-side page of one pair."""
    fa, fb = result.fingerprints[pair.a], result.fingerprints[pair.b]
    _, _, slices_a, slices_b = compare(fa, fb)
    sides = [
        {"student": s, "name": names.get(s, ""), "share": share, "other": other, "code": highlighted(f.raw_code, sl)}
        for s, share, other, f, sl in (
            (pair.a, pair.sim_a, pair.b, fa, slices_a),
            (pair.b, pair.sim_b, pair.a, fb, slices_b),
        )
    ]
    return TEMPLATES.get_template("pair.html.j2").render(
        pair=pair, sides=sides, settings=result.settings, version=grader.__version__
    )
