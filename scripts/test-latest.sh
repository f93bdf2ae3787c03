#!/usr/bin/env bash
# Generates a project of each delivery form and runs its tests and thread on the latest releases
# of its dependencies, in a throwaway virtualenv. The test suite runs generated projects on
# Debian 12's releases (the oldest supported); this covers the other end where PyPI, or a folder
# of wheels, is reachable:
#
#   scripts/test-latest.sh
#   PIP_NO_INDEX=1 PIP_FIND_LINKS=/path/to/wheels scripts/test-latest.sh
#   TEST_DATABASE_URL=postgresql://user:pw@127.0.0.1/db scripts/test-latest.sh   # table form on PostgreSQL too
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"${PYTHON_FOR_VENV:-python3}" -m venv "$work/venv"
python="$work/venv/bin/python"
for form in csv api table; do
  node "$root/bin/steel-thread.js" new "$work/latest-$form" --delivery "$form" --yes --no-git >/dev/null
  "$python" -m pip install --quiet --upgrade -e "$work/latest-$form[dev]"
  echo "== $form: $("$python" -m pip freeze | grep -iE '^(numpy|pandas|scikit-learn|fastapi|pydantic|sqlalchemy)==' | tr '\n' ' ')"
  make -C "$work/latest-$form" --no-print-directory test thread PYTHON="$python" | tail -n 2
done
