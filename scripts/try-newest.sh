#!/usr/bin/env bash
# Try the newest releases on purpose: install casereview with its test extras into a throwaway
# virtual environment WITHOUT the lock (whatever the registry serves today, within the bounds
# in pyproject.toml), list what differs from requirements/test.txt, then run the whole suite.
#
#     scripts/try-newest.sh                 # the whole suite
#     scripts/try-newest.sh tests/db -x     # arguments go to pytest
#
# A failure here does not break anyone's install (they go through the lock); it says what the
# next refresh of the lock must deal with. Record what broke, and what you did, in
# docs/dependencies.md.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
venv=$(mktemp -d "${TMPDIR:-/tmp}/casereview-newest.XXXXXX")
trap 'rm -rf "$venv"' EXIT

"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip setuptools
"$venv/bin/python" -m pip install --quiet --upgrade --upgrade-strategy eager '.[test]'

echo "How these releases differ from the lock:"
"$venv/bin/python" scripts/lockfile.py requirements/test.txt | sed 's/^/  /'

echo "Running the suite against them:"
# The frozen build refuses versions other than the locked ones unless told this is a trial.
CASEREVIEW_UNLOCKED_TRIAL=1 "$venv/bin/python" -m pytest "$@"
