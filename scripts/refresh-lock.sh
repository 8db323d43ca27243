#!/usr/bin/env bash
# Write the lock files again from pyproject.toml's bounds, taking the newest releases that fit:
#
#     python3 -m pip install uv && scripts/refresh-lock.sh
#     scripts/refresh-lock.sh --upgrade-package reportlab     # move one package only
#
# requirements/test.txt: the program and its test extras; requirements/app.txt: the program
# alone, at the same versions. Both hold every platform's pins (casereview runs on Windows,
# macOS and Linux) and the hash of every file, so pip installs exactly these files or nothing.
# Without arguments every package moves to its newest release (--upgrade); run the whole suite
# through the README's test command before committing the result, and note in
# docs/dependencies.md anything that had to be held back.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -eq 0 ]; then
  set -- --upgrade
fi
common=(--universal --generate-hashes --python-version 3.11 --quiet)
uv pip compile pyproject.toml requirements/build.in --extra test "${common[@]}" "$@" \
  -o requirements/test.txt
uv pip compile pyproject.toml requirements/build.in "${common[@]}" \
  -c requirements/test.txt -o requirements/app.txt
echo "requirements/test.txt and requirements/app.txt written; now run the suite."
