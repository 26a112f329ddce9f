"""How long a hostile submission takes to grade with the default rubric (the target is 60 s each), and
how much memory the grader's own process needs for it (the target is 512 MiB whatever it returns).

    python bench/hostile.py [--sandbox TIER ...] [--docker-like] [--only NAME ...]

Each hostile behaviour of tests/hostile/ is put into an otherwise correct submission (the
reference as one file, the hostile classes appended so that they replace the reference's), plus
the cases the course met: Conv2d.forward looping forever, or killing its worker. Every one is
graded through the command line, in a process of its own, as an instructor would; the table gives
the wall time, the grader's peak memory (tests/helpers/peak_memory.py: its own process, the worker
excluded), the score, the sandbox tier and the rubric items that lost points. Each tier given to
--sandbox (auto|bubblewrap|landlock|none, several allowed) runs the whole suite and ends with its
worst wall time and peak memory; --docker-like runs every grade under tests/helpers/docker_like.py
(namespaces denied, as in Gradescope's containers: the landlock tier).
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

from grader.grading.rubric import load_rubric  # noqa: E402
from tests.helpers.submission_formats import module_sources, single_source  # noqa: E402

HOSTILE = REPO / "tests" / "hostile"
PEAK_MEMORY = REPO / "tests" / "helpers" / "peak_memory.py"
DOCKER_LIKE = REPO / "tests" / "helpers" / "docker_like.py"
TARGET_SECONDS = 60.0
TARGET_PEAK_MIB = 512
CONV_FORWARD = '    def forward(self, x: np.ndarray) -> np.ndarray:\n        """x: (N, in_channels, H, W) -> (N, out_channels, H_out, W_out).'
METHOD_BODIES = {  # Conv2d.forward replaced by a body that never returns, or ends the process
    "conv2d_forward_loops": "        while True:\n            pass\n",
    "conv2d_forward_exits": "        import os\n        os._exit(3)\n",
}
APPENDED = {  # slow but finite: each call stays under the per-call limit, so only the budgets bound them
    "conv2d_forward_slow": "import time as _t\n_f = Conv2d.forward\nConv2d.forward = lambda self, x: _t.sleep(0.5) or _f(self, x)\n",
    "lenet_batches_take_4s": (
        "import time as _t\n_b = Linear.backward\n"
        f"Linear.backward = lambda self, dY: (_t.sleep(2) if len(dY) == {load_rubric().lenet.batch_size} else None) or _b(self, dY)\n"
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
        text = path.read_text().replace("__CHARS__", str(60 << 10))  # printed per call: under the cap
        text = re.sub(r"__[A-Z_]+__", str(directory / "elsewhere"), text).replace("__PORT__", "9")
        made[path.stem] = (
            base + "\n\n# ---- hostile\n" + text.replace("PORT = " + str(directory / "elsewhere"), "PORT = 9")
        )
    paths = {}
    for name, text in made.items():
        paths[name] = directory / f"{name}.py"
        paths[name].write_text(text)
    return paths


def grade(path: Path, out: Path, sandbox: str, docker_like: bool = False) -> dict:
    """Grade through the CLI; wall time, the grader's peak memory, score, tier and the items that lost points."""
    started = time.perf_counter()
    run = subprocess.run(
        [
            *([sys.executable, str(DOCKER_LIKE), "--"] if docker_like else []),
            sys.executable,
            str(PEAK_MEMORY),
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
    peak = re.search(r"peak_rss_mib (\d+)", run.stderr)
    row = {"seconds": seconds, "peak_mib": int(peak.group(1)) if peak else None}
    try:
        results = json.loads((out / "results.json").read_text())
    except (OSError, ValueError):
        return {**row, "score": None, "sandbox": "?", "lost": run.stderr.strip().splitlines()[-2:-1]}
    lost = [test["tags"][0] for test in results["tests"] if test["score"] < test["max_score"]]
    return {**row, "score": results["score"], "sandbox": results["extra_data"]["sandbox"], "lost": lost}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", nargs="+", default=["auto"], help="the tiers to run the suite in")
    parser.add_argument("--docker-like", action="store_true", help="grade under tests/helpers/docker_like.py")
    parser.add_argument("--only", nargs="*", default=None, help="names to grade (default: all)")
    args = parser.parse_args()
    over = []
    with tempfile.TemporaryDirectory(prefix="torcino-bench-hostile-") as directory:
        paths = submissions(Path(directory))
        for sandbox in args.sandbox:
            print(
                f"{'submission':<26} {'seconds':>8} {'peak MiB':>8} {'score':>6}  {'sandbox':<10} items that lost points"
            )
            rows = []
            for name, path in paths.items():
                if args.only and name not in args.only:
                    continue
                row = grade(path, Path(directory) / "out" / sandbox / name, sandbox, args.docker_like)
                rows.append(row)
                score = "-" if row["score"] is None else f"{row['score']:g}"
                peak = "?" if row["peak_mib"] is None else str(row["peak_mib"])
                print(
                    f"{name:<26} {row['seconds']:>8.1f} {peak:>8} {score:>6}  {row['sandbox']:<10} "
                    f"{', '.join(row['lost'])[:90]}",
                    flush=True,
                )
                if row["seconds"] > TARGET_SECONDS or (row["peak_mib"] or TARGET_PEAK_MIB) >= TARGET_PEAK_MIB:
                    over.append(f"{name} ({sandbox})")
            tiers = sorted({row["sandbox"] for row in rows})
            worst = max((row["seconds"] for row in rows), default=0.0)
            peak_mib = max((row["peak_mib"] or 0 for row in rows), default=0)
            print(f"tier {'/'.join(tiers)}: worst wall time {worst:.1f} s, grader's peak memory {peak_mib} MiB\n")
    print(
        f"targets: at most {TARGET_SECONDS:g} s and under {TARGET_PEAK_MIB} MiB each; "
        + (f"over them: {', '.join(over)}" if over else "all within them")
    )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
