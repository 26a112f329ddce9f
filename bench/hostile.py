"""How long a hostile submission takes to grade with the default rubric: the target is 60 s each.

    python bench/hostile.py [--sandbox auto|bubblewrap|landlock|none] [--only NAME ...]

Each hostile behaviour of tests/hostile/ is put into an otherwise correct submission (the
reference as one file, the hostile classes appended so that they replace the reference's), plus
the cases the course met: Conv2d.forward looping forever, or killing its worker. Every one is
graded through the command line, in a process of its own, as an instructor would; the table gives
the wall time, the score, the sandbox tier and the rubric items that lost points.
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers.submission_formats import module_sources, single_source  # noqa: E402

HOSTILE = REPO / "tests" / "hostile"
TARGET_SECONDS = 60.0
CONV_FORWARD = '    def forward(self, x: np.ndarray) -> np.ndarray:\n        """x: (N, in_channels, H, W) -> (N, out_channels, H_out, W_out).'
METHOD_BODIES = {  # Conv2d.forward replaced by a body that never returns, or ends the process
    "conv2d_forward_loops": "        while True:\n            pass\n",
    "conv2d_forward_exits": "        import os\n        os._exit(3)\n",
}
APPENDED = {  # slow but finite: each call stays under the per-call limit, so only the budgets bound them
    "conv2d_forward_slow": "import time as _t\n_f = Conv2d.forward\nConv2d.forward = lambda self, x: _t.sleep(0.5) or _f(self, x)\n",
    "lenet_batches_take_4s": (
        "import time as _t\n_b = Linear.backward\n"
        "Linear.backward = lambda self, dY: (_t.sleep(2) if len(dY) == 64 else None) or _b(self, dY)\n"
    ),
}


def submissions(directory: Path) -> dict:
    """{name: path} of every hostile submission, written under directory."""
    base = single_source(module_sources())
    made = {}
    for name, body in METHOD_BODIES.items():
        assert base.count(CONV_FORWARD) == 1
        made[name] = base.replace(
            CONV_FORWARD, CONV_FORWARD.split("\n")[0] + "\n" + body + '\n    def _unused(self, x):\n        """'
        )
    for name, code in APPENDED.items():
        made[name] = base + "\n\n# ---- hostile\n" + code
    for path in sorted(HOSTILE.glob("[a-z]*.py")):
        text = re.sub(r"__[A-Z_]+__", str(directory / "elsewhere"), path.read_text()).replace("__PORT__", "9")
        made[path.stem] = (
            base + "\n\n# ---- hostile\n" + text.replace("PORT = " + str(directory / "elsewhere"), "PORT = 9")
        )
    paths = {}
    for name, text in made.items():
        paths[name] = directory / f"{name}.py"
        paths[name].write_text(text)
    return paths


def grade(path: Path, out: Path, sandbox: str) -> dict:
    """Grade through the CLI; wall time, score, tier and the items that lost points."""
    started = time.perf_counter()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(path),
            "--out",
            str(out),
            "--sandbox",
            sandbox,
            "--no-step-summary",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=900,
    )
    seconds = time.perf_counter() - started
    try:
        results = json.loads((out / "results.json").read_text())
    except (OSError, ValueError):
        return {"seconds": seconds, "score": None, "sandbox": "?", "lost": run.stderr.strip().splitlines()[-1:]}
    lost = [test["tags"][0] for test in results["tests"] if test["score"] < test["max_score"]]
    return {"seconds": seconds, "score": results["score"], "sandbox": results["extra_data"]["sandbox"], "lost": lost}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", default="auto")
    parser.add_argument("--only", nargs="*", default=None, help="names to grade (default: all)")
    args = parser.parse_args()
    slow = []
    with tempfile.TemporaryDirectory(prefix="torcino-bench-hostile-") as directory:
        paths = submissions(Path(directory))
        print(f"{'submission':<26} {'seconds':>8} {'score':>6}  {'sandbox':<10} items that lost points")
        for name, path in paths.items():
            if args.only and name not in args.only:
                continue
            row = grade(path, Path(directory) / "out" / name, args.sandbox)
            score = "-" if row["score"] is None else f"{row['score']:g}"
            print(
                f"{name:<26} {row['seconds']:>8.1f} {score:>6}  {row['sandbox']:<10} {', '.join(row['lost'])[:90]}",
                flush=True,
            )
            if row["seconds"] > TARGET_SECONDS:
                slow.append(name)
    print(f"target: at most {TARGET_SECONDS:g} s each; " + (f"over it: {', '.join(slow)}" if slow else "all within it"))
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
