#!/usr/bin/env bash
# Run the Scenario tests of the Python ops reference charms.
# Creates (or reuses) a venv at target/venv-ops with ops[testing]==3.9.0 and pytest.
# Usage: bench/ops-reference/run-tests.sh [pytest args...]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/target/venv-ops"

if ! "$venv/bin/python" -c 'import ops, scenario, pytest; assert ops.__version__ == "3.9.0"' 2>/dev/null; then
    echo "creating $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check 'ops[testing]==3.9.0' pytest
fi

cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
