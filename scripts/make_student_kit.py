"""Build dist/student-kit/: a ready-to-push student repository (`make student-kit`).

    torcino/                    the template package (student_template/), the LeNet training script included
    README.md                   the student README
    Makefile                    make check, make train (kit/Makefile)
    .gitignore                  (kit/.gitignore)
    .github/workflows/grade.yml the public checks on every push and pull request (kit/...)
    .grader/torcino_grader-<version>-py3-none-any.whl
                                the grader without the reference package: it checks in public mode

Nothing of the reference solution goes in: the template is regenerated-and-compared first
(refused when stale) and the wheel is built without the reference package.
"""

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from build_wheel import build_wheel  # noqa: E402
from make_template import stale_files  # noqa: E402

KIT_FILES = ROOT / "kit"
TEMPLATE = ROOT / "student_template"
DEFAULT_OUT = ROOT / "dist" / "student-kit"


def make_student_kit(out=DEFAULT_OUT):
    """Write the kit into out (replaced); returns out."""
    stale = stale_files()
    if stale:
        raise SystemExit(f"student_template/ is stale ({', '.join(stale)}): run `make template` first")
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(KIT_FILES, out)
    shutil.copytree(TEMPLATE, out, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), dirs_exist_ok=True)
    build_wheel(out / ".grader", with_reference=False)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the student kit (a ready-to-push repository).")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="default dist/student-kit")
    out = make_student_kit(parser.parse_args(argv).out)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    print(f"{out}: {len(files)} files\n  " + "\n  ".join(files))


if __name__ == "__main__":
    main()
