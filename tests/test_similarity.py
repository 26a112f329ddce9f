"""Class similarity (grader.classroom.similarity, grader.classroom.similarity_report) on a generated class: the disguised
copy is flagged, independent solutions and a pair sharing only the template are not; every form
of one solution compares as the same code; the cache makes a second run compare nothing; the CSV,
the side-by-side page (escaped, and clean in Chromium under its CSP) and the rubric's settings.
The scores of every pair are printed under "figures" at the end of the run."""

import csv
import io
import re
from dataclasses import replace
from itertools import combinations
from pathlib import Path

import pytest

from grader.classroom.class_folder import Entry
from grader.classroom.gradebook import BatchRow
from grader.classroom.similarity import SimilaritySettings, class_similarity, kgram_hashes
from grader.classroom.similarity_report import Comparison, similarity_plan, write_similarity
from grader.grading.rubric import load_rubric
from grader.sandbox.prepare import submission_sha256
from tests.helpers.browser import assert_quiet, load
from tests.helpers.similarity_class import COPY, INDEPENDENT, ORIGINAL, TEMPLATE_PAIR, class_entries, formats_entries

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def plan():
    return similarity_plan(load_rubric("lesson8"))


@pytest.fixture(scope="module")
def entries(tmp_path_factory):
    paths = class_entries(tmp_path_factory.mktemp("similarity") / "class")
    return [(student, path, submission_sha256(path)) for student, path in paths.items()]


@pytest.fixture(scope="module")
def every_pair(entries, plan):
    """Every pair's scores (the floor at 0 lists them all), by frozenset of the two students."""
    result = class_similarity(entries, replace(plan.settings, floor=0.0), plan.base)
    return {frozenset((p.a, p.b)): p for p in result.pairs}


def test_the_scores_of_every_pair(every_pair, plan, report):
    report(
        f"similarity (noise {plan.settings.noise}, window {plan.settings.window}, flagged from "
        f"{plan.settings.threshold:.2f}): share of a's code in b / of b's in a"
    )
    for pair in sorted(every_pair.values(), key=lambda p: -p.score):
        report(f"  {pair.a:>8} {pair.b:<8} {pair.sim_a:.3f} / {pair.sim_b:.3f}{'  flagged' if pair.flagged else ''}")
    assert len(every_pair) == 6 * 5 // 2


def test_the_disguised_copy_is_flagged(every_pair, plan):
    pair = every_pair[frozenset((COPY, ORIGINAL))]
    assert pair.flagged and min(pair.sim_a, pair.sim_b) >= plan.settings.threshold


@pytest.mark.parametrize(
    "a, b",
    [
        *combinations(INDEPENDENT, 2),
        *((COPY, other) for other in INDEPENDENT[1:]),
        TEMPLATE_PAIR,
        *((t, s) for t in TEMPLATE_PAIR for s in INDEPENDENT),
    ],
)
def test_independent_work_is_not_flagged(every_pair, a, b):
    pair = every_pair[frozenset((a, b))]
    assert not pair.flagged, pair


def test_without_the_template_excluded_the_template_pair_would_be_flagged(entries, plan):
    """The control of the test above: what makes the template pair innocent is the base code."""
    pair_entries = [entry for entry in entries if entry[0] in TEMPLATE_PAIR]
    result = class_similarity(pair_entries, plan.settings, base="")
    assert result.pairs and result.pairs[0].flagged


def test_every_form_of_one_solution_is_the_same_code(tmp_path, plan):
    paths = formats_entries(tmp_path)
    result = class_similarity([(k, p, submission_sha256(p)) for k, p in paths.items()], plan.settings, plan.base)
    assert len(result.pairs) == 6 and all(p.flagged and min(p.sim_a, p.sim_b) > 0.9 for p in result.pairs)


def test_the_hash_is_fixed_across_processes():
    """Python's hash() of a str changes with PYTHONHASHSEED; cached fingerprints need a fixed one."""
    hashes = kgram_hashes("V=V.V(V,V)\nF(V)", 5)
    assert hashes.tolist()[:3] == kgram_hashes("V=V.V(V,V)\nF(V)", 5).tolist()[:3]
    assert len(hashes) == 15 - 5 + 1 and len(set(hashes.tolist())) == len(hashes)
    assert hashes[0] == -6807052286234239127  # the same number on every run and machine


def test_a_resumed_run_compares_only_pairs_with_changed_submissions(tmp_path, entries, plan):
    first = class_similarity(entries, plan.settings, plan.base, cache=tmp_path)
    again = class_similarity(entries, plan.settings, plan.base, cache=tmp_path)
    assert (first.compared, first.computed, again.computed) == (15, 15, 0)
    assert again.pairs == first.pairs
    changed = tmp_path / "loops.py"
    changed.write_text(Path(dict((s, p) for s, p, _ in entries)["loops"]).read_text() + "\nEXTRA = 1\n")
    edited = [(s, changed, submission_sha256(changed)) if s == "loops" else (s, p, h) for s, p, h in entries]
    assert class_similarity(edited, plan.settings, plan.base, cache=tmp_path).computed == 5
    other = replace(plan.settings, noise=40, guarantee=45)  # other settings: a cache of their own
    assert class_similarity(entries, other, plan.base, cache=tmp_path).computed == 15


HOSTILE = 'X = "</pre><script>alert(1)</script>"\n'


@pytest.fixture(scope="module")
def written(tmp_path_factory, entries, plan):
    out = tmp_path_factory.mktemp("out")
    hostile = out.parent / "evil.py"
    copied = Path(dict((s, p) for s, p, _ in entries)[COPY]).read_text()
    hostile.write_text(HOSTILE + copied)
    batch = [Entry(s, str(p), sha256=h) for s, p, h in entries] + [
        Entry("evil", str(hostile), sha256=submission_sha256(hostile))
    ]
    rows = [BatchRow(student=e.student, name=f"Name of {e.student}") for e in batch]
    view = write_similarity(plan, Comparison(plan, batch, out).start(), rows, out)
    return out, view


def test_similarity_csv_lists_the_pairs_above_the_floor(written, plan):
    out, view = written
    rows = list(csv.DictReader(io.StringIO((out / "similarity.csv").read_text())))
    assert rows and len(rows) == view["listed"]
    scores = [max(float(r["similarity_a_in_b"]), float(r["similarity_b_in_a"])) for r in rows]
    assert scores == sorted(scores, reverse=True) and min(scores) >= plan.settings.floor
    assert all((r["flagged"] == "yes") == (s >= plan.settings.threshold) for r, s in zip(rows, scores, strict=False))
    flagged = {frozenset((r["student_a"], r["student_b"])) for r in rows if r["flagged"] == "yes"}
    assert frozenset((COPY, ORIGINAL)) in flagged and frozenset(("evil", COPY)) in flagged
    assert all((out / r["page"]).is_file() for r in rows)
    assert rows[0]["name_a"].startswith("Name of ")


def test_the_side_by_side_page_marks_the_matches_and_escapes_the_code(written):
    out, view = written
    pair = next(p for p in view["pairs"] if {p["a"], p["b"]} == {"evil", COPY})
    page = (out / pair["page"]).read_text()
    assert "default-src 'none'" in page and "<script" not in page.replace("&lt;script", "")
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    marked = "".join(re.findall(r"<mark>(.*?)</mark>", page, re.S))
    code = "".join(re.findall(r"<pre>(.*?)</pre>", page, re.S))
    assert len(marked) > 0.7 * len(re.sub(r"</?mark>", "", code))  # a copy: most of both sides is marked


def test_the_side_by_side_page_renders_in_chromium(written, chromium):
    out, view = written
    pair = next(p for p in view["pairs"] if {p["a"], p["b"]} == {COPY, ORIGINAL})
    page = load(chromium, out / pair["page"], ROOT / "out" / "screenshots" / "similarity-pair.png")
    assert_quiet(page)
    assert "<mark>" in page.dom and "flagged" in page.dom


def test_the_rubric_gives_the_settings_and_a_flag_overrides_the_threshold(plan):
    rubric = load_rubric("lesson8")
    table = rubric.similarity
    assert plan.settings == SimilaritySettings(
        threshold=table.flag_threshold,
        floor=table.report_floor,
        noise=table.noise_chars,
        guarantee=table.guarantee_chars,
    )
    assert similarity_plan(rubric, threshold=0.9).settings.threshold == 0.9
    assert similarity_plan(rubric, threshold=0.2).settings.floor == 0.2  # the floor never above the threshold
