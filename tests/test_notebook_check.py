"""The notebook check (torcino.check.check, grader.reports.notebook_check): notebooks executed headless in a
real Jupyter kernel (nbclient + ipykernel, as JupyterLab, Notebook and VS Code run them), asserting
on what the cell displays."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from grader.reports.kernel_cells import without_check_calls
from grader.reports.notebook_check import item_ids
from tests.helpers.bug_bank import BUGS
from tests.helpers.submission_formats import MODULE_ORDER, RELATIVE_IMPORT, module_sources

ROOT = Path(__file__).resolve().parent.parent


def kit_folder(tmp_path: Path) -> Path:
    """A student's kit folder: the template package (torcino.check among it) beside the notebook."""
    shutil.copytree(ROOT / "student_template" / "torcino", tmp_path / "torcino")
    return tmp_path


def code_cells(sources: dict) -> list:
    return ["%matplotlib inline\nimport numpy as np"] + [RELATIVE_IMPORT.sub("", sources[n]) for n in MODULE_ORDER]


def run_notebook(folder: Path, cells: list) -> list:
    """Execute the cells in a fresh kernel whose working folder is folder; the outputs of each cell."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell) for cell in cells])
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    return [cell.outputs for cell in notebook.cells]


def displayed(outputs: list) -> dict:
    (shown,) = [output for output in outputs if output["output_type"] == "display_data"]
    return shown["data"]


def test_the_check_grades_the_classes_the_kernel_ran_last_and_shows_the_failing_item(tmp_path):
    folder = kit_folder(tmp_path)
    buggy = next(bug for bug in BUGS if bug.name == "pool_min").sources()
    cells = code_cells(module_sources())
    cells += [
        "from torcino.check import check\ncheck('maxpool2d')",
        RELATIVE_IMPORT.sub("", buggy["layers"]),
        "check('maxpool2d')",
    ]
    outputs = run_notebook(folder, cells)
    correct, redefined = displayed(outputs[-3]), displayed(outputs[-1])
    assert "16 / 16" in correct["text/html"] and correct["text/html"].count('data-status="passed"') == 2
    assert "FAIL" not in correct["text/plain"]
    # the later cell redefined MaxPool2d with min instead of max: the check sees it without a save
    html = redefined["text/html"]
    assert '<tr data-item="maxpool2d.forward" data-status="failed">' in html and "0 / 16" in html
    assert "differs from the reference" in html
    assert "FAIL maxpool2d.forward" in redefined["text/plain"]
    assert '<a href="out/report.html"' in html and (folder / "out" / "report.html").is_file()
    graded = nbformat.read(folder / "out" / "checked_cells.ipynb", as_version=4)
    assert not any("check" in line for cell in graded.cells for line in cell.source.splitlines() if "import" in line)


@pytest.mark.slow
def test_a_correct_notebook_gets_full_marks_inline(tmp_path):
    folder = kit_folder(tmp_path)
    outputs = run_notebook(folder, [*code_cells(module_sources()), "from torcino.check import check\ncheck()"])
    shown = displayed(outputs[-1])
    assert "Lesson 8, public checks of the cells this kernel ran: 100 / 100" in shown["text/plain"]
    assert (
        'data-status="failed"' not in shown["text/html"]
        and '<tr data-item="lenet" data-status="passed">' in shown["text/html"]
    )


def test_outside_ipython_the_check_grades_the_kit_folder_and_prints_text(tmp_path):
    folder = kit_folder(tmp_path)  # the template: ReLU is not written yet
    run = subprocess.run(
        [sys.executable, "-c", "from torcino.check import check; check('relu')"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "public checks of .: 0 / " in run.stdout and "FAIL relu" in run.stdout
    assert (folder / "out" / "report.html").is_file()


def test_check_calls_are_left_out_of_the_graded_cells_and_other_code_is_kept():
    cell = (
        "from torcino.check import check\nimport numpy as np\nresult = check('relu')\nclass ReLU:\n    pass\ncheck()\n"
    )
    assert without_check_calls(cell) == "import numpy as np\nclass ReLU:\n    pass\n"
    assert without_check_calls("%timeit check()\nx = 1\n") == "%timeit check()\nx = 1\n"  # magics: the reader's job


def test_an_unknown_item_is_refused_with_the_choices():
    assert item_ids("maxpool2d") == ["maxpool2d.forward", "maxpool2d.backward"]
    with pytest.raises(ValueError, match=r"no such item; choose one of .*maxpool2d"):
        item_ids("maxpool")
