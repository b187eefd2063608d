#!/usr/bin/env bash
# Build and pack the Python ops reference charms without charmcraft/LXD.
#
# For each charm (default: database, mailserver, webapp) this makes <outdir>/<name>/,
# a runnable charm dir laid out like charmcraft's prime dir (dispatch,
# hooks/{install,start,upgrade-charm} -> ../dispatch, metadata.yaml,
# config.yaml, manifest.yaml, src/, lib/ if the charm has one, venv/), and
# <outdir>/<name>_amd64.charm,
# the zip of it. Dependencies are installed the way the `charm` plugin does it:
# `pip install --target venv -r requirements.txt`, cached per requirements hash
# in target/ops-reference-cache/ (pip's download cache lives there too).
#
# Usage: bench/ops-reference/build.sh [outdir [charm...]]   (default: target/ops-reference)
# `blog` is built when named: its tls-certificates library needs `cryptography` and
# `pydantic` from PyPI, which the three examples' tests do not.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
outdir="${1:-$repo/target/ops-reference}"
cache="$repo/target/ops-reference-cache"
charms=("${@:2}")
[[ ${#charms[@]} -gt 0 ]] || charms=(database mailserver webapp)

command -v python3 >/dev/null || { echo "build.sh: python3 is required" >&2; exit 1; }
mkdir -p "$outdir" "$cache"
outdir="$(cd "$outdir" && pwd)"

# Install one requirements file into a cached --target dir; print its path.
# Called in $(...), where bash clears `set -e`: every failure returns explicitly.
deps_for() {
    local req="$1" hash dir
    hash="$( (cat "$req"; python3 -c 'import sys; print(sys.version_info[:2])') | sha256sum | cut -c1-16)"
    dir="$cache/venv-$hash"
    if [[ ! -f "$dir/.complete" ]]; then
        echo "  pip install --target venv -r $(basename "$(dirname "$req")")/requirements.txt" >&2
        rm -rf "$dir"
        PIP_ROOT_USER_ACTION=ignore PIP_CACHE_DIR="$cache/pip" python3 -m pip install -q --disable-pip-version-check \
            --no-warn-script-location --target "$dir" -r "$req" >&2 || return 1
        rm -rf "$dir/bin"   # charmcraft copies site-packages only: no console scripts
        touch "$dir/.complete"
    fi
    printf '%s\n' "$dir"
}

for name in "${charms[@]}"; do
    src="$here/$name"
    dst="$outdir/$name"
    start=$(date +%s%N)
    echo "== $name" >&2
    deps="$(deps_for "$src/requirements.txt")"

    rm -rf "$dst"
    mkdir -p "$dst"
    cp -p "$src/dispatch" "$dst/dispatch"
    cp -a "$src/src" "$dst/src"
    # Vendored charm libraries (charmcraft's `lib/`); blog's links to tests/python-charms/lib.
    [[ -e "$src/lib" ]] && cp -rL "$src/lib" "$dst/lib"
    find "$dst" -name __pycache__ -prune -exec rm -rf {} +
    cp -a "$deps" "$dst/venv"
    rm -f "$dst/venv/.complete"
    chmod 755 "$dst/dispatch" "$dst/src/charm.py"

    archive="$outdir/${name}_amd64.charm"
    PYTHONPATH="$dst/venv" python3 "$here/pack_charm.py" "$src" "$dst" "$archive"
    size=$(stat -c %s "$archive")
    files=$(python3 -c 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' "$archive")
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    printf '%s  %9d bytes  %4d files  (%d ms)\n' "$archive" "$size" "$files" "$ms"
done
