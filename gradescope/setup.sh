#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image: install Python (if
# missing), bubblewrap (the sandbox) and the grader with its dependencies into $ROOT/venv.
# ROOT is /autograder on Gradescope; AUTOGRADER_ROOT overrides it (the tests use a temporary one).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
PYTHON="${PYTHON:-python3}"

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    missing=()
    command -v "$PYTHON" >/dev/null || missing+=(python3 python3-venv python3-pip)
    command -v "$PYTHON" >/dev/null && ! "$PYTHON" -c "import ensurepip" 2>/dev/null && missing+=(python3-venv)
    command -v bwrap >/dev/null || missing+=(bubblewrap)
    if [ "${#missing[@]}" -gt 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
fi

"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$SOURCE"/torcino_grader-*.whl
"$ROOT/venv/bin/torcino-grade" --version
