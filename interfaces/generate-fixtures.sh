#!/usr/bin/env bash
# Regenerate the interface crates' fixtures from Canonical's Python libraries.
#
# Installs ops[testing] 3.9.0 and the libraries (the versions the charms of
# tests/python-charms pin) into target/venv-interfaces, then runs each crate's
# tests/fixtures/generate.py, which drives those charms under ops.testing and writes
# the JSON fixtures next to itself. Salts and secret ids are seeded, passwords fixed,
# so a rerun rewrites the postgresql_client fixtures identically; keys, CSRs and
# certificates are new on each run.
#
# Usage: interfaces/generate-fixtures.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
venv="$repo/target/venv-interfaces"

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check \
    'ops[testing]==3.9.0' dpcharmlibs-interfaces==1.2.2 charmlibs-interfaces-tls-certificates==1.12.0

for crate in postgresql-client tls-certificates; do
    "$venv/bin/python" -W ignore "$here/$crate/tests/fixtures/generate.py"
done
