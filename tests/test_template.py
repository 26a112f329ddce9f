"""The student template: generated from the reference, up to date, importable, all NotImplementedError."""

import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from grader.lesson import LESSON
from scripts import make_template
from scripts.make_template import TemplateError, solution_regions, stale_files, strip_solutions

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "student_template"
API = list(LESSON.names)
HELPERS = ["he_normal", "im2col", "col2im", "normalize_fit", "normalize_apply"]


def test_committed_template_is_up_to_date():
    assert stale_files() == [], "student_template/ is out of date: run `make template`"


def test_make_template_check_reports_a_stale_template(tmp_path):
    target = tmp_path / "torcino"
    make_template.write_template(target)
    assert stale_files(target) == []
    (target / "layers.py").write_text("# edited\n")
    (target / "extra.py").write_text("")
    assert stale_files(target) == ["extra.py", "layers.py"]


@pytest.fixture(scope="module")
def torcino():
    sys.path.insert(0, str(TEMPLATE))
    try:
        yield importlib.import_module("torcino")
    finally:
        sys.path.remove(str(TEMPLATE))
        for name in [m for m in sys.modules if m == "torcino" or m.startswith("torcino.")]:
            del sys.modules[name]


def test_template_has_the_reference_api_and_docstrings(torcino):
    import reference

    for name in API + HELPERS:
        ours, theirs = getattr(torcino, name), getattr(reference, name)
        assert inspect.signature(ours) == inspect.signature(theirs), name
        assert inspect.getdoc(ours) == inspect.getdoc(theirs), name


def public_methods(cls):
    return [
        name
        for name, member in vars(cls).items()
        if callable(member) and (not name.startswith("_") or name in ("__init__", "__call__"))
    ]


def reference_steps():
    """The step named by every solution region of the reference."""
    import reference

    return {
        step
        for path in Path(reference.__file__).parent.glob("*.py")
        for _, _, _, step in solution_regions(path.read_text())
    }


def test_every_method_raises_not_implemented_with_a_message_naming_the_step(torcino):
    steps = reference_steps()
    for name in API:
        cls = getattr(torcino, name)
        for method in public_methods(cls):
            parameters = list(inspect.signature(getattr(cls, method)).parameters.values())[1:]
            arguments = [None] * sum(p.default is p.empty and p.kind == p.POSITIONAL_OR_KEYWORD for p in parameters)
            instance = object.__new__(cls)
            with pytest.raises(NotImplementedError) as error:
                getattr(instance, method)(*arguments)
            assert str(error.value) in steps, f"{name}.{method}: {error.value}"
    for name in HELPERS:
        function = getattr(torcino, name)
        arguments = [None] * sum(p.default is p.empty for p in inspect.signature(function).parameters.values())
        with pytest.raises(NotImplementedError) as error:
            function(*arguments)
        assert str(error.value) in steps, f"{name}: {error.value}"


def test_template_training_script_fails_with_not_implemented():
    run = subprocess.run(
        [sys.executable, "-m", "torcino.train", "--epochs", "1"],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert "NotImplementedError" in run.stderr
    assert "reference" not in (TEMPLATE / "torcino" / "train.py").read_text()


def test_template_contains_no_solution_code():
    import reference

    solution_lines = {
        line.strip()
        for path in Path(reference.__file__).parent.glob("*.py")
        for block in make_template.solution_code(path.read_text())
        for line in block.splitlines()
        if len(line.strip()) > 12
    }
    template_lines = {line.strip() for path in TEMPLATE.rglob("*.py") for line in path.read_text().splitlines()}
    assert solution_lines and not solution_lines & template_lines


SOURCE = '''def f(x):
    """Doc."""
    # BEGIN SOLUTION: lab 'f': double x
    y = 2 * x
    return y
    # END SOLUTION


def g():
    return 1
'''


def test_strip_solutions_keeps_signature_and_docstring():
    assert strip_solutions(SOURCE) == SOURCE.replace(
        "    # BEGIN SOLUTION: lab 'f': double x\n    y = 2 * x\n    return y\n    # END SOLUTION\n",
        "    raise NotImplementedError(\"lab 'f': double x\")\n",
    )


@pytest.mark.parametrize(
    "broken, message",
    [
        (SOURCE.replace("    # END SOLUTION\n", ""), "never ends"),
        (SOURCE.replace("    # BEGIN SOLUTION: lab 'f': double x\n", ""), "END SOLUTION without BEGIN"),
        (SOURCE.replace("    return y\n    # END SOLUTION\n", "    # END SOLUTION\n    return y\n"), "code follows"),
        (SOURCE.replace("    y = 2 * x\n", "    # BEGIN SOLUTION: again\n"), "inside another region"),
    ],
)
def test_malformed_regions_are_reported_with_file_and_line(broken, message):
    with pytest.raises(TemplateError, match=rf"^demo.py:\d+: .*{message}"):
        solution_regions(broken, "demo.py")
