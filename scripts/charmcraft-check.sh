#!/usr/bin/env bash
# Validate charm projects and packed charms with charmcraft 4.5.0's own code, offline.
#
# Usage: scripts/charmcraft-check.sh PATH...
#   PATH is a charmcraft.yaml (or a directory holding one), or a .charm file.
#
# - charmcraft.yaml: loaded with charmcraft's project model
#   (CharmcraftProject.from_yaml_file: strict top level, parts, bases/platforms,
#   legacy metadata/config/actions merged) and its `config` checked with the
#   stricter JujuConfig model (option types, defaults).
# - .charm: `charmcraft analyse --format json`; fails if any linter result is
#   `error` or `fatal` (warnings are shown but do not fail).
#
# charmcraft is installed from PyPI into target/venv-charmcraft on first use
# (override with CHARMCRAFT_VENV) and reused afterwards. No LXD, no store login.
# Exit status: 0 if every path passed, 1 if any failed, 2 on usage/setup errors.
# If python3 is absent, prints why and exits 0 (the check is skipped).
set -euo pipefail

CHARMCRAFT_VERSION=4.5.0

if ! command -v python3 >/dev/null 2>&1; then
    echo "charmcraft-check: SKIPPED: python3 not found (charmcraft needs Python 3.10+)"
    exit 0
fi
if [[ $# -eq 0 ]]; then
    echo "usage: $0 PATH... (charmcraft.yaml, a directory holding one, or a .charm file)" >&2
    exit 2
fi

repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${CHARMCRAFT_VENV:-$repo/target/venv-charmcraft}"
py="$venv/bin/python"

# A venv copied from elsewhere (another checkout's target/) runs its scripts with the
# other venv's python (their #! line): not usable here.
have_charmcraft() {
    [[ -x "$py" ]] && [[ "$(head -n1 "$venv/bin/charmcraft" 2>/dev/null)" == "#!$venv/bin/"* ]] &&
        "$py" - "$CHARMCRAFT_VERSION" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(version('charmcraft') != sys.argv[1])
EOF
}

if ! have_charmcraft; then
    echo "charmcraft-check: installing charmcraft==$CHARMCRAFT_VERSION into $venv" >&2
    start=$(date +%s)
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    if ! { python3 -m venv "$venv" &&
           PIP_ROOT_USER_ACTION=ignore "$venv/bin/pip" install -q --disable-pip-version-check \
               "charmcraft==$CHARMCRAFT_VERSION"; } >&2; then
        echo "charmcraft-check: ERROR: could not install charmcraft==$CHARMCRAFT_VERSION from PyPI" >&2
        exit 2
    fi
    echo "charmcraft-check: installed in $(( $(date +%s) - start )) s" >&2
fi

# charmcraft (platformdirs) warns when XDG_RUNTIME_DIR is unset; give it a private one.
if [[ -z "${XDG_RUNTIME_DIR:-}" ]]; then
    export XDG_RUNTIME_DIR="${TMPDIR:-/tmp}/charmcraft-check-$(id -u)"
    mkdir -p -m 700 "$XDG_RUNTIME_DIR"
fi
# Never prompt, never reach for a store login.
export CRAFT_NO_INPUT=1 CHARMCRAFT_NO_INPUT=1

# Sort the paths: project files go through one Python process, charms through analyse.
yamls=()
charms=()
failed=0
for path in "$@"; do
    if [[ -d "$path" && -f "$path/charmcraft.yaml" ]]; then
        yamls+=("$path/charmcraft.yaml")
    elif [[ -f "$path" && "$path" == *.charm ]]; then
        charms+=("$path")
    elif [[ -f "$path" && "$(basename "$path")" == charmcraft.yaml ]]; then
        yamls+=("$path")
    else
        echo "FAIL  $path: not a charmcraft.yaml, a directory holding one, or a .charm file"
        failed=1
    fi
done

if [[ ${#yamls[@]} -gt 0 ]]; then
    "$py" - "${yamls[@]}" <<'EOF' || failed=1
import sys
from pathlib import Path

from charmcraft import parts
from charmcraft.models.config import JujuConfig
from charmcraft.models.project import CharmcraftProject

# Register charmcraft's own part plugins (charm, reactive, uv, poetry, ...) as the
# charmcraft CLI does at start-up; without it `plugin: charm` is "not registered".
parts.setup_parts()

failed = False
for name in sys.argv[1:]:
    path = Path(name)
    try:
        project = CharmcraftProject.from_yaml_file(path)
        config = JujuConfig.model_validate(project.config or {})
    except Exception as e:  # CraftValidationError, pydantic.ValidationError, YAML errors
        failed = True
        print(f'FAIL  {name}: {type(e).__name__}:')
        for line in str(e).splitlines():
            print(f'        {line}')
        continue
    endpoints = sum(len(getattr(project, k) or {}) for k in ('provides', 'requires', 'peers'))
    options = len(config.options or {})
    print(f'OK    {name}: {type(project).__name__} {project.name!r}, '
          f'{endpoints} endpoint(s), {options} config option(s)')
sys.exit(1 if failed else 0)
EOF
fi

for charm in ${charms[@]+"${charms[@]}"}; do
    out="$(mktemp)"
    err="$(mktemp)"
    set +e
    "$venv/bin/charmcraft" analyse --format json "$charm" >"$out" 2>"$err"
    rc=$?
    set -e
    "$py" - "$charm" "$rc" "$out" "$err" <<'EOF' || failed=1
import json
import sys

charm, rc, out, err = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    with open(out) as f:
        results = json.load(f)
except ValueError:
    print(f'FAIL  {charm}: charmcraft analyse exited {rc} without a JSON report:')
    with open(err) as f:
        for line in f.read().strip().splitlines()[-15:]:
            print(f'        {line}')
    sys.exit(1)
attributes = {r['name']: r['result'] for r in results if r['check_type'] == 'attribute'}
lints = [r for r in results if r['check_type'] == 'lint']
bad = [r for r in lints if r['result'] in ('error', 'fatal')]
warned = [r for r in lints if r['result'] == 'warning']
counts = {}
for r in lints:
    counts[r['result']] = counts.get(r['result'], 0) + 1
summary = ', '.join(f'{n} {k}' for k, n in sorted(counts.items()))
attrs = ', '.join(f'{k}={v}' for k, v in attributes.items())
print(f'{"FAIL" if bad else "OK":<5} {charm}: lint {summary}; {attrs} (analyse exit {rc})')
for r in bad + warned:
    print(f'        {r["result"].upper()} {r["name"]}: {r["text"]}')
sys.exit(1 if bad else 0)
EOF
    rm -f "$out" "$err"
done

if [[ $failed -ne 0 ]]; then
    echo "charmcraft-check: FAILED"
    exit 1
fi
echo "charmcraft-check: all ${#yamls[@]} project file(s) and ${#charms[@]} charm(s) passed"
