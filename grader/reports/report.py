"""report.html and summary.md: what a student reads after a submission, rendered from results.json.

Both are rendered with jinja2 from the results document (grader.reports.results.to_results), so a
results.json on disk can be rendered again later. Everything that comes from a submission is
escaped: HTML by jinja2's autoescaping, Markdown by md_escape. report.html is one self-contained
file (inline CSS, inline SVG, no script, a Content-Security-Policy that forbids loading anything).

Visibility: in the student view, an item whose rubric visibility is not "visible" shows its
points but none of its details; instructor=True shows everything.
"""

import html
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from grader.reports.results import own_layers_sentence

TEMPLATES = Environment(
    loader=PackageLoader("grader", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
    trim_blocks=True,
    lstrip_blocks=True,
)  # summary.md.j2 escapes with md_escape instead
MAX_OUTPUT_CHARS = 20_000
OPEN_GROUPS = 3  # failing cases shown per item before "more failing cases"


def md_escape(text: object) -> str:
    """Text that Markdown (and the HTML GitHub allows in it) shows literally, on one table-safe line."""
    text = html.escape(str(text), quote=False)
    text = re.sub(r"([\\`*_{}\[\]()#+!|~])", r"\\\1", text)
    return text.replace("\n", " ")


TEMPLATES.filters["md"] = md_escape


def number(value: Any, digits: int = 4) -> Any:
    """A float for people: `digits` significant digits (4 by default); anything else unchanged."""
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return value


TEMPLATES.filters["num"] = number


def loss_curve(
    losses: list[float], width: int = 900, height: int = 240, pad: int = 44, skip: int = 3
) -> dict[str, Any] | None:
    """The training loss per batch as SVG geometry: {"points", "ticks", "width", "height", ...}.
    The y range leaves out the first `skip` batches (often a spike that would flatten the rest);
    points above it are drawn at the top and the cut is reported as "clipped"."""
    if not losses:
        return None
    finite = [v for v in losses if v == v and abs(v) != float("inf")] or [0.0]
    settled = [v for v in losses[skip:] if v == v and abs(v) != float("inf")] or finite
    low, high = min(finite), max(settled)
    span = (high - low) or 1.0
    step = (width - 2 * pad) / max(len(losses) - 1, 1)
    clamp = lambda v: min(max(v if v == v else high, low), high)  # noqa: E731  NaN and inf drawn at the top
    points = " ".join(
        f"{pad + i * step:.1f},{height - pad - (clamp(v) - low) / span * (height - 2 * pad):.1f}"
        for i, v in enumerate(losses)
    )
    ticks = [{"y": height - pad - f * (height - 2 * pad), "label": f"{low + f * span:.2f}"} for f in (0, 0.5, 1)]
    return {
        "points": points,
        "ticks": ticks,
        "width": width,
        "height": height,
        "pad": pad,
        "batches": len(losses),
        "first": losses[0],
        "last": losses[-1],
        "clipped": max(finite) if max(finite) > high else None,
    }


def view(
    results: dict[str, Any],
    instructor: bool = False,
    submission_path: str | None = None,
    out_dir: str | Path | None = None,
) -> dict[str, Any]:
    """The template's data: results plus what the page needs, details removed where hidden."""
    extra = results["extra_data"]
    details = {item["id"]: item for item in extra.get("items", [])}
    items = []
    for test in results["tests"]:
        item_id = test["tags"][0]
        shown = instructor or test["visibility"] == "visible"
        item = details.get(item_id, {})
        groups = group_failures(item.get("failures", [])) if shown else []
        items.append(
            {
                **test,
                "id": item_id,
                "shown": shown,
                "passed_cases": item.get("passed"),
                "not_judged": item.get("not_judged", []),
                "diagnoses": item.get("diagnoses", []) if shown else [],
                "total_cases": item.get("total"),
                "hint": item.get("hint", ""),
                "failures": item.get("failures", []) if shown else [],
                "groups": groups[:OPEN_GROUPS],
                "more_groups": groups[OPEN_GROUPS:],
            }
        )
    diagnostics = extra.get("diagnostics", {})
    lenet = diagnostics.get("lenet", {})
    lenet_shown = instructor or next((i["shown"] for i in items if i["id"] == "lenet"), True)
    attempts = lenet.get("attempts", [])
    last = attempts[-1] if attempts else None
    output = merge_repeats(extra.get("output", []))
    return {
        "results": results,
        "extra": extra,
        "items": items,
        "instructor": instructor,
        "percent": 100 * results["score"] / extra["max_score"] if extra.get("max_score") else 0,
        "graded_at": extra.get("graded_at") or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "reproduce": reproduce_command(extra, submission_path, out_dir),
        "lenet": lenet if lenet_shown else {},
        "curve": loss_curve(last["losses"]) if last and lenet_shown else None,
        "last_attempt": last,
        "batch_ms": 1e3 * sum(last["batch_seconds"]) / len(last["batch_seconds"])
        if last and last["batch_seconds"]
        else None,
        "notes": extra.get("load", {}).get("notes", []),
        "missing": extra.get("load", {}).get("missing", []),
        "output": output,
        "output_chars": sum(len(o.get("text", "")) for o in output),
        "max_output_chars": MAX_OUTPUT_CHARS,
        "tie_rule": tie_rule(diagnostics),
        "own_layers": own_layers_sentence(diagnostics),
        "beyond_lesson": diagnostics.get("beyond_lesson", []),
        "policy": extra.get("policy") or {},
        "policy_effect": policy_effect(extra.get("policy") or {}),
    }


def policy_effect(policy: dict[str, Any]) -> str:
    """What the import policy's consequence did, in words."""
    if policy.get("deducted"):
        return f"{policy['deducted']:g} points were deducted from the total"
    if policy.get("zeroed"):
        return f"the rubric sets {len(policy['zeroed'])} item(s) to 0"
    return "a warning only: the score is not changed"


def group_failures(failures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Failing cases with the same message (after the case name) grouped:
    [{"case", "text", "details", "same": [other cases]}], in order of first appearance."""
    groups: dict[str, dict[str, Any]] = {}
    for failure in failures:
        text = without_case(failure)
        if text in groups:
            groups[text]["same"].append(failure["case"])
        else:
            groups[text] = {**failure, "text": text, "same": []}
    return list(groups.values())


def merge_repeats(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive identical printed blocks (same call, same text) as one, with a count."""
    merged: list[dict[str, Any]] = []
    for block in blocks:
        if merged and (merged[-1]["call"], merged[-1]["text"]) == (block["call"], block["text"]):
            merged[-1]["times"] += 1
            merged[-1]["dropped"] += block.get("dropped", 0)
        else:
            merged.append({**block, "times": 1, "dropped": block.get("dropped", 0)})
    return merged


def tie_rule(diagnostics: dict[str, Any]) -> str | None:
    """The unscored tie-rule diagnostic as a sentence, or None when it did not run."""
    rule = diagnostics.get("tie_rule")
    if isinstance(rule, str):
        return rule
    check = diagnostics.get("checks", {}).get("tie_rule")
    if check and check.get("failure"):
        return f"could not be determined ({check['failure']['message']})"
    return None


def without_case(failure: dict[str, Any]) -> str:
    """The message without its leading 'case: ', which the report shows as the heading."""
    label, separator, rest = failure.get("message", "").partition(": ")
    return rest if separator and label == failure.get("case") else failure.get("message", "")


def reproduce_command(
    extra: dict[str, Any], submission_path: str | None = None, out_dir: str | Path | None = None
) -> str:
    submission = submission_path or extra.get("submission", "SUBMISSION")
    rubric = extra.get("rubric", "lesson8")
    mode = " --mode public" if extra.get("mode") == "public" else ""
    return f"torcino-grade grade {submission} --out {out_dir or 'out'}{mode} --seed {extra.get('seed')}" + (
        "" if rubric == "lesson8" else f" --rubric {rubric}"
    )


def render_html(
    results: dict[str, Any],
    instructor: bool = False,
    submission_path: str | None = None,
    out_dir: str | Path | None = None,
) -> str:
    return TEMPLATES.get_template("report.html.j2").render(**view(results, instructor, submission_path, out_dir))


def render_markdown(results: dict[str, Any], instructor: bool = False) -> str:
    return TEMPLATES.get_template("summary.md.j2").render(**view(results, instructor))


def write_reports(
    results: dict[str, Any],
    out_dir: str | Path,
    instructor: bool = False,
    submission_path: str | None = None,
    step_summary: bool = True,
) -> tuple[Path, Path]:
    """Write report.html and summary.md next to results.json; append summary.md to the GitHub job
    summary when GITHUB_STEP_SUMMARY is set (and step_summary). Returns the two paths."""
    from grader.reports.results import write_text

    out_dir = Path(out_dir)
    report = write_text(render_html(results, instructor, submission_path, out_dir), out_dir / "report.html")
    summary_text = render_markdown(results, instructor)
    summary = write_text(summary_text, out_dir / "summary.md")
    job_summary = os.environ.get("GITHUB_STEP_SUMMARY") if step_summary else None
    if job_summary:
        with open(job_summary, "a", encoding="utf-8") as out:
            out.write(summary_text + "\n")
    return report, summary
