#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image: install Python (if
# missing), bubblewrap and libseccomp (the sandbox's two tiers) and the grader with its dependencies
# into $ROOT/venv; then make the reference, the grader and the rubric readable by root only.
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
    # libseccomp: the landlock tier, used where the container forbids bubblewrap's namespaces
    ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2' || missing+=(libseccomp2)
    if [ "${#missing[@]}" -gt 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
fi

"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$SOURCE"/torcino_grader-*.whl
"$ROOT/venv/bin/torcino-grade" --version

# Without bubblewrap (Docker's default seccomp profile forbids its namespaces), submissions run as
# the unprivileged user nobody under Landlock: the solution and the rubric must not be readable to
# it, even through a hole in Landlock.
if [ "$(id -u)" = 0 ]; then
    chmod -R go-rwx "$SOURCE"
    "$ROOT/venv/bin/python" -I - <<'PY'
import os
import grader
import reference
for package in (grader, reference):
    for directory, _, files in os.walk(os.path.dirname(package.__file__)):
        for path in [directory] + [os.path.join(directory, name) for name in files]:
            os.chmod(path, os.stat(path).st_mode & 0o700)
PY
fi
