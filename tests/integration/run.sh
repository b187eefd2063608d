#!/usr/bin/env bash
# Run the integration suite against the Juju controller the `juju` CLI talks to:
#
#     tests/integration/run.sh [pytest arguments...]
#
# Installs jubilant and pytest (requirements.txt) into target/venv-integration on first
# use, then runs `pytest tests/integration`. The suite packs the charms it deploys with
# `cargo charm pack` (release builds: minutes the first time) and deploys them into
# temporary models it destroys afterwards. Without a reachable controller every test
# that needs one is skipped, with the reason; the suite's own helpers are still tested.
#
# Exit status: pytest's; 3 if the venv cannot be made (no python3, or PyPI unreachable).
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${CHARM_RS_INTEGRATION_VENV:-$repo/target/venv-integration}"
requirements="$repo/tests/integration/requirements.txt"
stamp="$venv/.requirements"

if ! command -v python3 >/dev/null 2>&1; then
    echo "integration: python3 not found" >&2
    exit 3
fi
if [[ ! -x "$venv/bin/python" ]] || ! cmp -s "$requirements" "$stamp"; then
    echo "integration: installing $(grep -v '^#' "$requirements" | xargs) into $venv" >&2
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    if ! { python3 -m venv "$venv" &&
           PIP_ROOT_USER_ACTION=ignore "$venv/bin/pip" install -q --disable-pip-version-check \
               -r "$requirements"; } >&2; then
        echo "integration: could not install the requirements from PyPI" >&2
        rm -rf "$venv"
        exit 3
    fi
    cp "$requirements" "$stamp"
fi

cd "$repo"
export PYTHONDONTWRITEBYTECODE=1
exec "$venv/bin/python" -m pytest -p no:cacheprovider tests/integration "$@"
