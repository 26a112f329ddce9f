"""Build dist/gradescope-autograder.zip, the autograder to upload to Gradescope (`make gradescope`).

    setup.sh                 installs Python (if missing), bubblewrap and the grader (gradescope/setup.sh)
    run_autograder           grades /autograder/submission into /autograder/results/results.json
    rubric.toml              the rubric (default rubrics/lesson8.toml; its visibilities carry over)
    torcino_grader-<version>-py3-none-any.whl   the full grader, reference included (instructor mode)

Gradescope unpacks the zip into /autograder/source, runs setup.sh once and run_autograder for
every submission; both scripts take the root from AUTOGRADER_ROOT (default /autograder).
"""

import argparse
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from build_wheel import build_wheel  # noqa: E402

from grader.grading.rubric import load_rubric  # noqa: E402

SCRIPTS = ("setup.sh", "run_autograder")
DEFAULT_OUT = ROOT / "dist" / "gradescope-autograder.zip"


def add(archive, name, data, executable=False):
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def make_gradescope(out=DEFAULT_OUT, rubric="lesson8"):
    """Write the autograder zip to out; returns its path. The rubric is validated first."""
    rubric_path = load_rubric(rubric).path
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        wheel = build_wheel(scratch, with_reference=True)
        with zipfile.ZipFile(out, "w") as archive:
            for name in SCRIPTS:
                add(archive, name, (ROOT / "gradescope" / name).read_bytes(), executable=True)
            add(archive, "rubric.toml", Path(rubric_path).read_bytes())
            add(archive, wheel.name, wheel.read_bytes())
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the Gradescope autograder zip.")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="default dist/gradescope-autograder.zip")
    parser.add_argument("--rubric", default="lesson8", help="a rubric name from rubrics/ or a path (default lesson8)")
    args = parser.parse_args(argv)
    out = make_gradescope(args.out, args.rubric)
    print(f"{out}: {', '.join(zipfile.ZipFile(out).namelist())} ({out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
