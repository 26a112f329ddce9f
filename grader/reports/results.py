"""results.json in Gradescope's format, written atomically by the trusted side.

Top level: score, execution_time, output, tests (one per rubric item: name, number, score,
max_score, status, output, visibility, tags with the item id first, and on a failing item whose
mistake was recognised extra_data.diagnoses: [{id, title, message, evidence}]) and extra_data (max_score,
rubric, seed, grader version, submission SHA-256, sandbox mode, and the structured details the
HTML report is rendered from).
"""

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.grading.grade import Grade
    from grader.grading.policy import PolicyOutcome
    from grader.grading.scoring import Diagnostics, ItemResult

MAX_ITEM_OUTPUT = 4000
MAX_MESSAGES = 5
MAX_RESULTS_CHARS = 2 << 20  # results.json, whatever the submission printed or raised (report.html follows it)
MAX_DETAIL_CHARS = 1000  # a failure's traceback or message once results.json is past its cap


def item_output(item: "ItemResult") -> str:
    """The failing cases' messages for one item, truncated sensibly, then the hint."""
    judged = [
        f"Not judged (counted neither way): {skip['case']}: {skip['message']}"
        for skip in item.not_judged[:MAX_MESSAGES]
    ]
    if item.status == "passed":
        return "\n".join([f"All {item.total} case(s) passed.", *judged])
    lines = [f"Likely cause: {d['title']}. {d['evidence']} {d['message']}" for d in item.diagnoses]
    lines.append(f"{item.passed} of {item.total} case(s) passed.")
    for failure in item.failures[:MAX_MESSAGES]:
        lines.append(f"- {failure['message']}")
    if len(item.failures) > MAX_MESSAGES:
        lines.append(f"- ... and {len(item.failures) - MAX_MESSAGES} more failing case(s)")
    lines += judged
    lines.append(f"Hint: {item.hint}")
    text = "\n".join(lines)
    return text if len(text) <= MAX_ITEM_OUTPUT else text[: MAX_ITEM_OUTPUT - 20] + "\n[... truncated]"


def overall_output(grade: "Grade") -> str:
    """The top-level output: sandbox warning, loading notes, unscored diagnostics."""
    lines = [
        f"Score {grade.score:g} / {grade.max_score:g} (rubric {grade.rubric}, seed {grade.seed}, "
        f"grader {grade.grader_version}, sandbox {grade.sandbox}, {grade.mode} mode)."
    ]
    if grade.sandbox == "none":
        lines.append(
            "WARNING: the submission ran without a sandbox (no isolation tier could run here: neither bubblewrap nor Landlock)."
        )
    if grade.error:
        lines.append(f"The submission could not be loaded: {grade.error}")
    for note in grade.load.get("notes", []):
        where = note["file"] + (f", line {note['line']}" if note.get("line") else "")
        lines.append(f"Loading: {where}: {note['message']}" if where else f"Loading: {note['message']}")
    for name in grade.load.get("missing", []) if not grade.error else []:
        lines.append(f"Missing: the submission does not define {name}.")
    lines.extend(policy_lines(grade.policy))
    tie_rule = grade.diagnostics.get("tie_rule")
    if isinstance(tie_rule, str):
        lines.append(f"MaxPool2d tie rule (not scored): {tie_rule}.")
    judged = own_layers_sentence(grade.diagnostics)
    if judged:
        lines.append(judged)
    beyond = grade.diagnostics.get("beyond_lesson", [])
    if beyond:
        failed = [case for case in beyond if not case["passed"]]
        lines.append(
            f"Beyond the lesson (not scored): {len(beyond) - len(failed)} of {len(beyond)} case(s) passed"
            + (f"; e.g. {failed[0]['message']}" if failed else "")
            + "."
        )
    return "\n".join(lines)


def own_layers_sentence(diagnostics: "Diagnostics") -> str | None:
    """The sequential cases judged with the submission's own layers (grader/checks/own_sequential.py)
    as one sentence, or None when there were none."""
    judged = diagnostics.get("own_layers") or {}
    if not judged:
        return None
    first = next(iter(judged.values()))
    return f"Sequential: {len(judged)} case(s) judged with your own layers, e.g. {first}."


def policy_lines(policy: "PolicyOutcome | None") -> list[str]:
    """The import policy's findings and consequence, one line each (none when the code is clean, or
    when no policy was applied: the submission did not load)."""
    if policy is None:
        return []
    findings = policy["findings"]
    lines = [f"Import policy: {f['where']}: {f['name']} ({f['form']}): {f['rule']}." for f in findings]
    if findings and policy["deducted"]:
        lines.append(f"Import policy: {policy['deducted']:g} points deducted from the total.")
    elif findings and policy["zeroed"]:
        lines.append(f"Import policy: these items score 0: {', '.join(policy['zeroed'])}.")
    elif findings:
        lines.append("Import policy: a warning only, the score is not changed.")
    return lines


def to_results(grade: "Grade") -> dict[str, Any]:
    """The results.json document for a grader.grading.grade.Grade."""
    tests = [
        {
            "name": item.id,
            "number": str(item.number),
            "score": item.score,
            "max_score": item.max_score,
            "status": item.status,
            "output": item_output(item),
            "visibility": item.visibility,
            "tags": [item.id],
            **({"extra_data": {"diagnoses": item.diagnoses}} if item.diagnoses else {}),
        }
        for item in grade.items
    ]
    extra = {key: value for key, value in grade.to_dict().items() if key not in ("score", "items")}
    extra["items"] = [
        {
            "id": item.id,
            "passed": item.passed,
            "total": item.total,
            "hint": item.hint,
            "failures": item.failures,
            "not_judged": item.not_judged,
            "diagnoses": item.diagnoses,
        }
        for item in grade.items
    ]
    return bounded(
        {
            "score": grade.score,
            "execution_time": round(grade.seconds, 3),
            "output": overall_output(grade),
            "tests": tests,
            "extra_data": extra,
        }
    )


def bounded(document: dict[str, Any]) -> dict[str, Any]:
    """document cut to MAX_RESULTS_CHARS of JSON (every text in it is capped already; this bounds their
    sum): first the failures' long texts, then the captured output and the incidents, then the failures
    beyond the first MAX_MESSAGES of each item are cut."""
    if len(json.dumps(document, default=str)) <= MAX_RESULTS_CHARS:
        return document
    extra = document["extra_data"]
    for item in extra.get("items", []):
        for failure in item.get("failures", []):
            failure["message"] = str(failure.get("message", ""))[:MAX_DETAIL_CHARS]
            details = failure.get("details") or {}
            for key, value in list(details.items()):
                if isinstance(value, str) and len(value) > MAX_DETAIL_CHARS:
                    details[key] = value[:MAX_DETAIL_CHARS] + " [... cut: results.json is at its size limit]"
    cut = "[... cut: results.json is at its size limit]"
    stubs = {"output": {"call": "", "text": cut, "dropped": 0}, "incidents": {"kind": "cut", "call": "", "detail": cut}}
    for key, stub in stubs.items():
        if len(json.dumps(document, default=str)) > MAX_RESULTS_CHARS and extra.get(key):
            extra[key] = [*extra[key][:1], stub]
    if len(json.dumps(document, default=str)) > MAX_RESULTS_CHARS:
        for item in extra.get("items", []):
            item["failures"] = item.get("failures", [])[:MAX_MESSAGES]
    return document


def write_json(document: Any, path: str | Path) -> Path:
    """Write JSON atomically (see write_text)."""
    return write_text(json.dumps(document, indent=2, default=str), path)


def write_text(text: str, path: str | Path) -> Path:
    """Write text atomically: a temporary file in the same directory, then a rename. Returns path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; results are for the student and the instructor
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path
