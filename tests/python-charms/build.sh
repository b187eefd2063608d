#!/usr/bin/env bash
# Lay out the Python interop charms as runnable charm dirs (what `charmcraft pack` primes):
# <outdir>/<charm>/{dispatch,metadata.yaml,config.yaml,actions.yaml,src/,lib/,venv}.
#
# `venv` is the charm's requirements.txt installed the way charmcraft's `charm` plugin
# does it (`pip install --target`), cached per requirements hash under
# target/python-charms-cache/ and linked, not copied, into each charm dir.
#
# Usage: tests/python-charms/build.sh <outdir>
# Exit status 75 when the dependencies are not cached and PyPI cannot be reached.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
outdir="${1:?usage: build.sh <outdir>}"
cache="${PYTHON_CHARMS_CACHE:-$repo/target/python-charms-cache}"
charms=(pg-provider-v0 pg-requirer-v0 pg-provider-v1 pg-requirer-v1 tls-provider tls-requirer)

command -v python3 >/dev/null || { echo "build.sh: python3 is required" >&2; exit 1; }
mkdir -p "$outdir" "$cache"
outdir="$(cd "$outdir" && pwd)"

# Install one requirements file into a cached --target dir; print its path.
deps_for() {
    local req="$1" hash dir log
    hash="$( (cat "$req"; python3 -c 'import sys; print(sys.version_info[:2])') | sha256sum | cut -c1-16)"
    dir="$cache/venv-$hash"
    if [[ ! -f "$dir/.complete" ]]; then
        rm -rf "$dir"
        log="$cache/pip-$hash.log"
        if ! PIP_ROOT_USER_ACTION=ignore PIP_CACHE_DIR="$cache/pip" python3 -m pip install -q \
            --disable-pip-version-check --no-warn-script-location \
            --target "$dir" -r "$req" >"$log" 2>&1; then
            if ! python3 -c 'import urllib.request; urllib.request.urlopen("https://pypi.org/simple/ops/", timeout=15)' 2>/dev/null; then
                echo "build.sh: PyPI is unreachable and $(basename "$(dirname "$req")")'s dependencies are not cached" >&2
                exit 75
            fi
            cat "$log" >&2
            exit 1
        fi
        rm -rf "$dir/bin"   # charmcraft copies site-packages only: no console scripts
        touch "$dir/.complete"
    fi
    printf '%s\n' "$dir"
}

for name in "${charms[@]}"; do
    src="$here/$name"
    dst="$outdir/$name"
    deps="$(deps_for "$src/requirements.txt")"
    rm -rf "$dst"
    mkdir -p "$dst"
    for f in dispatch metadata.yaml config.yaml actions.yaml; do
        [[ -e "$src/$f" ]] && cp -p "$src/$f" "$dst/$f"
    done
    cp -rL "$src/src" "$dst/src"
    [[ -e "$src/lib" ]] && cp -rL "$src/lib" "$dst/lib"
    find "$dst" -name __pycache__ -prune -exec rm -rf {} +
    ln -s "$deps" "$dst/venv"
    chmod 755 "$dst/dispatch" "$dst/src/charm.py"
done
