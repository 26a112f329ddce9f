"""Generate student_template/torcino/ from the reference: one source of truth for both.

Every region of reference/*.py between

    # BEGIN SOLUTION: <what the student implements here>
    ...
    # END SOLUTION

becomes `raise NotImplementedError("<what the student implements here>")` at the same indent;
everything else (signatures, docstrings, imports) is kept, and `reference` is renamed `torcino`
where it names the package. A region must be the whole rest of a body, so the raise is its last
statement.

    python scripts/make_template.py          # write student_template/torcino/
    python scripts/make_template.py --check  # exit 1 when the committed template is out of date
"""

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "reference"
TARGET = ROOT / "student_template" / "torcino"
BEGIN = re.compile(r"^(?P<indent> *)# BEGIN SOLUTION: (?P<step>.+?)\s*$")
END = re.compile(r"^ *# END SOLUTION\s*$")
PACKAGE_NAME = re.compile(r"(python -m |from |import )reference\b")


class TemplateError(ValueError):
    """A malformed solution region; the message names the file and line."""


def solution_regions(text, name="<text>"):
    """[(first_line, last_line, indent, step), ...] for each region, 0-based inclusive of markers."""
    lines = text.splitlines()
    regions, start = [], None
    for number, line in enumerate(lines):
        begin = BEGIN.match(line)
        if begin:
            if start is not None:
                raise TemplateError(f"{name}:{number + 1}: BEGIN SOLUTION inside another region")
            start = (number, begin["indent"], begin["step"])
        elif END.match(line):
            if start is None:
                raise TemplateError(f"{name}:{number + 1}: END SOLUTION without BEGIN")
            first, indent, step = start
            _check_region_ends_body(lines, number, indent, name)
            regions.append((first, number, indent, step))
            start = None
    if start is not None:
        raise TemplateError(f"{name}:{start[0] + 1}: BEGIN SOLUTION never ends")
    return regions


def _check_region_ends_body(lines, end, indent, name):
    for line in lines[end + 1 :]:
        if line.strip():
            if len(line) - len(line.lstrip(" ")) >= len(indent):
                raise TemplateError(f"{name}:{end + 1}: code follows END SOLUTION in the same body")
            return


def solution_code(text, name="<text>"):
    """The lines inside the solution regions of text, markers excluded, as a list of blocks."""
    lines = text.splitlines()
    return ["\n".join(lines[first + 1 : last]) for first, last, _, _ in solution_regions(text, name)]


def strip_solutions(text, name="<text>"):
    """text with every solution region replaced by a NotImplementedError naming its step."""
    lines = text.splitlines()
    out, position = [], 0
    for first, last, indent, step in solution_regions(text, name):
        out.extend(lines[position:first])
        out.append(f"{indent}raise NotImplementedError({step!r})")
        position = last + 1
    out.extend(lines[position:])
    return PACKAGE_NAME.sub(r"\1torcino", "\n".join(out) + "\n")


def render_template(source=SOURCE):
    """{file name: template text} for every module of the reference package."""
    return {
        path.name: strip_solutions(path.read_text(), str(path.relative_to(ROOT)))
        for path in sorted(source.glob("*.py"))
    }


def stale_files(target=TARGET, source=SOURCE):
    """Names of template files that are missing, different, or no longer generated."""
    wanted = render_template(source)
    present = {path.name for path in target.glob("*.py")} if target.exists() else set()
    changed = {name for name, text in wanted.items() if name not in present or (target / name).read_text() != text}
    return sorted(changed | (present - set(wanted)))


def write_template(target=TARGET, source=SOURCE):
    """Write the template package, removing modules the reference no longer has."""
    wanted = render_template(source)
    target.mkdir(parents=True, exist_ok=True)
    for path in target.glob("*.py"):
        if path.name not in wanted:
            path.unlink()
    for name, text in wanted.items():
        (target / name).write_text(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether the template is up to date")
    args = parser.parse_args(argv)
    try:
        stale = stale_files()
        if args.check:
            if stale:
                print(f"student_template/torcino is out of date: {', '.join(stale)} (run `make template`)")
                return 1
            print("student_template/torcino is up to date")
            return 0
        write_template()
    except TemplateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote student_template/torcino ({len(stale)} file(s) changed: {', '.join(stale) or 'none'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
