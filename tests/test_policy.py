"""The banned-API policy (grader.grading.policy, grader/sandbox/import_guard.py): every import form found
statically with its file, line and rule; a clean submission that only mentions torch is not
flagged; the import guard records what only runs can show; the consequences; the rubric's table;
and one graded submission with a computed import, seen in results.json."""

import json
import re
from types import SimpleNamespace

import msgspec
import pytest

from grader.classroom.class_report import render_index
from grader.classroom.gradebook import BatchRow
from grader.grading.policy import apply_policy, classify, runtime_findings, static_findings
from grader.grading.rubric import DEFAULT_POLICY, RubricError, load_rubric
from grader.grading.sources import SourceFile
from grader.sandbox.import_guard import watching
from tests.helpers.grading_support import DEFAULT_RUBRIC, grade_path
from tests.helpers.submission_formats import build

FRAMEWORK, SCIPY = "banned: a deep-learning framework", "banned: scipy's convolution and correlation"
PROCESSES, NETWORK = "banned: starting processes", "banned: network access"

# (name, file, cell, code, [(line, name, rule)])
FORMS = [
    ("import", "layers.py", None, "import numpy as np\nimport torch\n", [(2, "torch", FRAMEWORK)]),
    (
        "import-submodule-alias",
        "layers.py",
        None,
        "import torch.nn.functional as F\n",
        [(1, "torch.nn.functional", FRAMEWORK)],
    ),
    ("from-import", "layers.py", None, "from tensorflow import keras\n", [(1, "tensorflow", FRAMEWORK)]),
    ("dunder-import", "layers.py", None, "x = 1\nmod = __import__('torch')\n", [(2, "torch", FRAMEWORK)]),
    ("import_module", "a.py", None, "import importlib\nm = importlib.import_module('jax')\n", [(2, "jax", FRAMEWORK)]),
    (
        "import_module-from",
        "a.py",
        None,
        "from importlib import import_module as im\nim('keras')\n",
        [(2, "keras", FRAMEWORK)],
    ),
    (
        "scipy-convolve2d",
        "a.py",
        None,
        "from scipy.signal import convolve2d\n",
        [(1, "scipy.signal.convolve2d", SCIPY)],
    ),
    ("scipy-correlate", "a.py", None, "import scipy.ndimage.correlate1d\n", [(1, "scipy.ndimage.correlate1d", SCIPY)]),
    ("subprocess", "a.py", None, "import subprocess\n", [(1, "subprocess", PROCESSES)]),
    ("os-system-call", "a.py", None, "import os\n\n\ndef f():\n    os.system('ls')\n", [(5, "os.system", PROCESSES)]),
    ("os-exec-alias", "a.py", None, "import os as o\no.execv('/bin/sh', [])\n", [(2, "os.execv", PROCESSES)]),
    ("from-os-popen", "a.py", None, "from os import popen\n", [(1, "os.popen", PROCESSES)]),
    ("network", "a.py", None, "from urllib import request\n", [(1, "urllib.request", NETWORK)]),
    (
        "not-allowed",
        "a.py",
        None,
        "import pandas as pd\n",
        [(1, "pandas", "not allowed: a submission may import only numpy, the standard library, grader")],
    ),
    (
        "inside-a-method",
        "torcino/layers.py",
        None,
        "class A:\n    def f(self):\n        import torch\n",
        [(3, "torch", FRAMEWORK)],
    ),
    ("notebook-import", "lesson8.ipynb", 3, "%matplotlib inline\nimport torch\n", [(2, "torch", FRAMEWORK)]),
    (
        "notebook-!pip",
        "lesson8.ipynb",
        1,
        "!pip install torch torchvision\n",
        [(1, "torch", FRAMEWORK), (1, "torchvision", FRAMEWORK)],
    ),
    ("notebook-%pip", "lesson8.ipynb", 2, "%pip install -q 'tensorflow>=2' numpy\n", [(1, "tensorflow", FRAMEWORK)]),
    (
        "clean-mentions",
        "layers.py",
        None,
        "# we do not use torch here\nimport numpy as np\nimport math, os.path\nfrom os import path\n"
        "NOTE = 'import torch'\n\n\ndef f(x):\n    '''Like torch.nn.Conv2d.'''\n    print(\"torch\")\n"
        "    return path.join('a', 'b'), np.zeros(3), math.pi\n",
        [],
    ),
    ("own-modules", "torcino/layers.py", None, "from .functional import im2col\nfrom torcino import functional\n", []),
    ("notebook-harmless-magic", "lesson8.ipynb", 1, "%matplotlib inline\n!pip install numpy\nimport numpy as np\n", []),
]


@pytest.mark.parametrize("file, cell, code, expected", [f[1:] for f in FORMS], ids=[f[0] for f in FORMS])
def test_each_import_form_is_found_with_its_line_and_rule(file, cell, code, expected):
    sources = [SourceFile(file, cell, code), SourceFile("torcino/functional.py", None, "")]
    findings = static_findings(sources, DEFAULT_POLICY)
    assert [(f.line, f.name, f.rule) for f in findings] == expected
    assert all(f.file == file and f.cell == cell for f in findings)


@pytest.mark.parametrize(
    "name, rule",
    [
        ("numpy.lib.stride_tricks", None),
        ("json", None),
        ("grader.lenet.data", None),
        ("os.execvpe", PROCESSES),
        ("scipy.signal.convolve", SCIPY),
        ("scipy.linalg", "not allowed"),
        ("torchvision.models", FRAMEWORK),
    ],
)
def test_classify(name, rule):
    got = classify(name, DEFAULT_POLICY)
    assert got == rule if rule is None or rule.startswith("banned") else got.startswith(rule)


def test_the_guard_records_computed_imports_with_file_and_line(tmp_path):
    """In this process: code compiled as a file under root, importing by a computed name, through
    exec and importlib; numpy's own imports and code outside root do not count."""
    path = tmp_path / "mod.py"
    path.write_text(
        "import importlib\nname = 'to' + 'rch'\ntry:\n    __import__(name)\nexcept ImportError:\n"
        "    pass\nexec('import json')\nimportlib.import_module('sub' + 'process')\n"
    )
    with watching(tmp_path) as records:
        exec(compile(path.read_text(), str(path), "exec"), {})
        __import__("csv")  # this test's own import: not the submission's
    seen = {(r["module"], r["line"]) for r in records}
    assert {("torch", 4), ("json", 7), ("subprocess", 8)} <= seen
    assert all(r["file"] == "mod.py" for r in records) and "csv" not in {r["module"] for r in records}
    findings = runtime_findings(records, DEFAULT_POLICY)
    assert {(f.name, f.line, f.form) for f in findings} == {("torch", 4, "runtime"), ("subprocess", 8, "runtime")}


def item(item_id, points):
    return SimpleNamespace(id=item_id, score=points, max_score=points, failures=[], penalty="")


@pytest.mark.parametrize(
    "consequence, items, score, zeroed",
    [("warn", [], 10.0, []), ("deduct", [], 7.0, []), ("zero", [], 0.0, ["a", "b"]), ("zero", ["b"], 6.0, ["b"])],
)
def test_the_consequences(consequence, items, score, zeroed):
    settings = msgspec.structs.replace(DEFAULT_POLICY, consequence=consequence, deduction=3, items=items)
    finding = static_findings([SourceFile("x.py", None, "import torch\n")], settings)
    result, total, summary = apply_policy([item("a", 6.0), item("b", 4.0)], finding, settings)
    assert (total, summary["zeroed"]) == (score, zeroed)
    for it in result:
        assert bool(it.penalty) == (it.id in zeroed)
        if it.id in zeroed:
            assert it.failures[0]["message"].startswith("policy: x.py, line 1: torch (import): banned")
    assert apply_policy([item("a", 6.0)], [], settings)[1] == 6.0  # no finding, no consequence


def test_a_deduction_never_goes_below_zero():
    settings = msgspec.structs.replace(DEFAULT_POLICY, consequence="deduct", deduction=5)
    finding = static_findings([SourceFile("x.py", None, "import torch\n")], settings)
    _, total, summary = apply_policy([item("a", 2.0)], finding, settings)
    assert (total, summary["deducted"]) == (0.0, 2.0)


BROKEN = [
    ('consequence = "warn"', 'consequence = "expel"', ["policy.consequence", "one of warn, zero, deduct"]),
    ("items = []", 'items = ["relux"]', ["policy.items", "item ids"]),
    ('allowed = ["numpy", "stdlib", "grader"]', 'allowed = ["numpy", "std lib"]', ["policy.allowed", "module names"]),
    (
        '"starting processes" = [',
        '"starting processes" = "subprocess"\n"unused" = [',
        ["policy.banned", "a table of rule"],
    ),
    ("deduction = 10", "deduction = -1", ["policy.deduction", ">= 0"]),
    ("deduction = 10", "", ["policy.deduction", "missing"]),
    ("report_floor = 0.4", "report_floor = 0.9", ["similarity.report_floor", "at most similarity.flag_threshold"]),
    ("guarantee_chars = 35", "guarantee_chars = 20", ["similarity.guarantee_chars", "at least similarity.noise_chars"]),
    ("flag_threshold = 0.7", "flag_threshold = 1.5", ["similarity.flag_threshold", "between 0 and 1"]),
    ("base = []", "base = [1]", ["similarity.base", "a list of paths"]),
]


@pytest.mark.parametrize("old, new, words", BROKEN, ids=[b[2][0] + "-" + b[2][1][:10] for b in BROKEN])
def test_a_broken_policy_or_similarity_table_names_the_key(tmp_path, old, new, words):
    path = tmp_path / "mine.toml"
    text = DEFAULT_RUBRIC.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))
    with pytest.raises(RubricError) as error:
        load_rubric(path)
    assert str(error.value).startswith(f"{path}: ") and all(word in str(error.value) for word in words)


def test_a_rubric_without_the_new_tables_gets_lesson8s_values(tmp_path):
    text = re.sub(r"^\[similarity\].*?(?=^\[items\.api\])", "", DEFAULT_RUBRIC.read_text(), flags=re.S | re.M)
    assert "[policy" not in text and "[similarity]" not in text
    (tmp_path / "old.toml").write_text(text)
    old, current = load_rubric(tmp_path / "old.toml"), load_rubric("lesson8")
    assert (old.policy, old.similarity) == (current.policy, current.similarity)


def test_the_class_overview_has_an_imports_column_escaped():
    rubric = load_rubric("lesson8")
    row = {
        "student": "eve",
        "name": "Eve",
        "score": 90.0,
        "max_score": 100.0,
        "status": "graded",
        "items": {},
        "report": "eve/report.html",
        "policy": [{"name": "torch<script>", "where": "a.py, line 2", "rule": FRAMEWORK}],
    }
    rows = [BatchRow.from_dict(row), BatchRow.from_dict({**row, "student": "bob", "name": "Bob", "policy": []})]
    page = render_index(rows, [], rubric)
    assert "⚠ torch&lt;script&gt;" in page and "torch<script>" not in page and ">ok<" in page
    assert "1 submission imports what the rubric bans" in page


def test_a_graded_submission_with_a_computed_import_shows_it_in_results_json(tmp_path):
    from grader.reports.results import to_results

    path = build("file", tmp_path / "submission")
    path.write_text(
        path.read_text() + "\ntry:\n    _name = 'to' + 'rch'\n    __import__(_name)\nexcept ImportError:\n"
        "    pass\n# import tensorflow: only a comment\n"
    )
    lines = path.read_text().splitlines()
    rubric_path = tmp_path / "deduct.toml"
    rubric_path.write_text(DEFAULT_RUBRIC.read_text().replace('consequence = "warn"', 'consequence = "deduct"'))
    results = to_results(grade_path(path, rubric=load_rubric(rubric_path), seed=3))
    findings = results["extra_data"]["policy"]["findings"]
    assert [(f["file"], f["line"], f["name"], f["form"], f["rule"]) for f in findings] == [
        ("lesson8.py", lines.index("    __import__(_name)") + 1, "torch", "runtime", FRAMEWORK)
    ]
    assert results["score"] == 90.0 and results["extra_data"]["policy"]["deducted"] == 10.0
    assert "Import policy: lesson8.py, line" in results["output"]
    assert json.loads(json.dumps(results)) == results
