"""The banned-API policy: what a submission may import, found statically and at import time.

    findings = static_findings(sources, settings)            # before anything runs (AST)
    findings += runtime_findings(load["imports"], settings, sources)  # what the worker's guard saw
    items, score, summary = apply_policy(items, findings, settings)

settings is the rubric's [policy] table (grader.grading.rubric.DEFAULT_POLICY shows its keys). A name is
classified by classify(): banned when a pattern of a rule of `banned` matches it (a pattern matches
the name and everything under it, `*` matching within one part: "os.exec*" matches os.execv);
otherwise fine when it is the submission's own module, a relative import, or under an `allowed`
module ("stdlib": the standard library, sys.stdlib_module_names); otherwise "not allowed".

Static forms: `import x`, `from x import y` (each x.y), `__import__("x")`,
`importlib.import_module("x")` (and `import_module("x")` imported from importlib), calls and
references to banned attributes of imported modules (`os.system(...)` after `import os`, through
aliases), and notebook `!pip install x` / `%pip install x` (also conda and `python -m pip`) lines.
A name in a comment or a string is not an import. What only runs can say (a computed module name)
is left to the worker's import guard (grader/sandbox/import_guard.py).
"""

import ast
import fnmatch
import re
import shlex
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from grader.grading.failures import Failure
from grader.grading.rubric import Policy

if TYPE_CHECKING:
    from grader.grading.scoring import ItemResult
    from grader.grading.sources import SourceFile

CONSEQUENCES = ("warn", "zero", "deduct")
STDLIB = "stdlib"
INSTALL = re.compile(r"^\s*[!%]\s*(?:pip3?|conda|mamba|python3?\s+-m\s+pip|uv\s+pip)\s+install\b(?P<rest>.*)$")
IMPORTERS = {"__import__", "builtins.__import__", "importlib.import_module", "importlib.__import__"}


@dataclass(frozen=True)
class Finding:
    """One use of a banned or not allowed module: where (file relative to the submission's root,
    notebook cell, line), what (name, form: import, from, __import__, import_module, call, pip,
    runtime) and the rule it breaks."""

    file: str
    cell: int | None
    line: int | None
    name: str
    form: str
    rule: str

    @property
    def where(self) -> str:
        parts = (
            [self.file] + ([f"cell {self.cell}"] if self.cell else []) + ([f"line {self.line}"] if self.line else [])
        )
        return ", ".join(parts)

    def message(self) -> str:
        return f"{self.where}: {self.name} ({self.form}): {self.rule}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "where": self.where}


def matches(name: str, pattern: str) -> bool:
    """Whether a dotted name is pattern or under it; `*` matches within one part."""
    parts, wanted = name.split("."), pattern.split(".")
    return len(parts) >= len(wanted) and all(fnmatch.fnmatchcase(p, w) for p, w in zip(parts, wanted, strict=False))


def classify(name: str, settings: Policy, local: frozenset[str] = frozenset()) -> str | None:
    """The rule a dotted module or attribute name breaks, or None when it is fine."""
    for rule, patterns in settings.banned.items():
        if any(matches(name, pattern) for pattern in patterns):
            return f"banned: {rule}"
    top = name.split(".")[0]
    if not top or top in local:
        return None
    for allowed in settings.allowed:
        if (allowed == STDLIB and top in sys.stdlib_module_names) or matches(name, allowed):
            return None
    shown = ", ".join("the standard library" if a == STDLIB else a for a in settings.allowed)
    return f"not allowed: a submission may import only {shown}"


def local_modules(sources: Iterable["SourceFile"]) -> frozenset[str]:
    """The submission's own module and package names (the first part of each .py file's path)."""
    names: set[str] = set()
    for source in sources:
        if source.file.endswith(".py"):
            first = source.file.split("/")[0]
            names.add(first[:-3] if first.endswith(".py") else first)
            names.add(source.file.rsplit("/", 1)[-1][:-3])
    return frozenset(names)


class _Imports(ast.NodeVisitor):
    """Collects (line, name, form) of every import form in one module or cell."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str, str]] = []
        self.aliases: dict[str, str] = {}

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.append((node.lineno, alias.name, "import"))
            self.aliases[alias.asname or alias.name.split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0]
            )
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:
            self.found.append((node.lineno, node.module, "from"))
            for alias in node.names:
                if alias.name != "*":
                    self.found.append((node.lineno, f"{node.module}.{alias.name}", "from"))
                    self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        target = self.dotted(node.func)
        if (
            target in IMPORTERS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            form = "__import__" if target.endswith("__import__") else "import_module"
            self.found.append((node.lineno, node.args[0].value, form))
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = self.dotted(node)
        root: ast.expr = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if name and isinstance(root, ast.Name) and root.id in self.aliases:
            self.found.append((node.lineno, name, "call"))  # os.system after import os (or an alias of it)
        else:
            self.generic_visit(node)

    def dotted(self, node: ast.expr) -> str | None:
        """The full dotted name of a Name or an attribute chain on one, aliases resolved; else None."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        return ".".join([self.aliases.get(node.id, node.id), *reversed(parts)])


def _installs(source: "SourceFile") -> Iterator[tuple[int, str]]:
    """(line, package) of each pip/conda install line of a notebook cell."""
    for number, line in enumerate(source.text.splitlines(), start=1):
        match = INSTALL.match(line)
        if not match:
            continue
        try:
            words = shlex.split(match["rest"])
        except ValueError:
            words = match["rest"].split()
        for word in words:
            if not word.startswith("-") and re.match(r"^[A-Za-z0-9]", word):
                package = re.split(r"[<>=!~\[;@ ]", word, maxsplit=1)[0]
                yield number, package.lower().replace("-", "_")


def static_findings(sources: Sequence["SourceFile"], settings: Policy) -> list[Finding]:
    """Every import of a banned or not allowed name in the submission's code, by reading it (AST)."""
    local = local_modules(sources)
    findings: list[Finding] = []
    for source in sources:
        uses: list[tuple[int, str, str]] = []
        try:
            visitor = _Imports()
            visitor.visit(ast.parse(source.python))
            uses = visitor.found
        except (SyntaxError, ValueError, RecursionError):
            pass  # the loader reports the syntax error; the import guard still sees what runs
        if source.cell is not None:
            uses += [(line, package, "pip") for line, package in _installs(source)]
        for line, name, form in uses:
            rule = classify(name, settings, local)
            if rule is not None and (form != "call" or rule.startswith("banned")):  # attributes: banned ones only
                findings.append(Finding(source.file, source.cell, line, name, form, rule))
    return deduplicate(findings)


def runtime_findings(
    records: Iterable[Any] | None, settings: Policy, sources: Iterable["SourceFile"] = ()
) -> list[Finding]:
    """Findings from the import guard's records ({"module", "fromlist", "level", "file", "line",
    "cell"}): the imports that submission code made while it was loaded."""
    local = local_modules(sources)
    findings: list[Finding] = []
    for record in records or []:
        if not isinstance(record, dict) or record.get("level") or not isinstance(record.get("module"), str):
            continue
        module = record["module"]
        for name in [module] + [
            f"{module}.{n}" for n in record.get("fromlist") or [] if isinstance(n, str) and n != "*"
        ]:
            rule = classify(name, settings, local)
            if rule is not None:
                findings.append(
                    Finding(str(record.get("file", "")), record.get("cell"), record.get("line"), name, "runtime", rule)
                )
    return deduplicate(findings)


def deduplicate(findings: list[Finding]) -> list[Finding]:
    """One finding per place and top-level module, a banned one before one not allowed, the first of
    equals (static before runtime when both are given)."""
    kept: dict[tuple[str, int | None, int | None, str], Finding] = {}
    seen_statically = {(f.file, f.name.split(".")[0]) for f in findings if f.form != "runtime"}
    for finding in findings:
        if finding.form == "runtime" and (finding.file, finding.name.split(".")[0]) in seen_statically:
            continue
        key = (finding.file, finding.cell, finding.line, finding.name.split(".")[0])
        if key not in kept or (finding.rule.startswith("banned") and not kept[key].rule.startswith("banned")):
            kept[key] = finding
    return list(kept.values())


def check_before_running(root: str | Path, settings: Policy) -> tuple[list["SourceFile"], list[Finding]]:
    """(sources, findings) of a prepared submission's folder (grader.sandbox.prepare), read as it is
    (grader.grading.sources): runs nothing."""
    from grader.grading.sources import sources_under

    sources = sources_under(root)
    return sources, static_findings(sources, settings)


class PolicyOutcome(TypedDict):
    """What the policy did to a grade: the rubric's consequence, the findings (Finding.to_dict), the
    points deducted and the items zeroed."""

    consequence: str
    findings: list[dict[str, Any]]
    deducted: float
    zeroed: list[str]


def apply_policy(
    items: list["ItemResult"], findings: list[Finding], settings: Policy
) -> tuple[list["ItemResult"], float, PolicyOutcome]:
    """(items, score, summary) after the rubric's consequence: warn changes nothing; zero sets the
    affected items (settings.items, or all) to 0 with the rule as their failure; deduct takes
    settings.deduction points off the total, not below 0."""
    score = round(sum(item.score for item in items), 4)
    zeroed: list[str] = []
    summary = PolicyOutcome(
        consequence=settings.consequence, findings=[f.to_dict() for f in findings], deducted=0.0, zeroed=zeroed
    )
    if not findings or settings.consequence == "warn":
        return items, score, summary
    if settings.consequence == "deduct":
        deducted = round(min(score, float(settings.deduction)), 4)
        summary["deducted"] = deducted
        return items, round(score - deducted, 4), summary
    affected = set(settings.items) or {item.id for item in items}
    reason = f"policy: {findings[0].message()}" + (f" (and {len(findings) - 1} more)" if len(findings) > 1 else "")
    for item in items:
        if item.id in affected:
            zeroed.append(item.id)
            item.score = 0.0
            item.penalty = reason
            failure: Failure = {"case": "policy", "message": reason, "details": {}}
            item.failures = [failure, *list(item.failures)]
    return items, round(sum(item.score for item in items), 4), summary
