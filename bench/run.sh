#!/usr/bin/env bash
# Benchmarks of the Rust charm framework against Python `ops` 3.9, side by side.
# See docs/benchmarks.md for what each one measures and how to read the figures.
#
# Usage: bench/run.sh <command>...
#   setup     the ops venv (target/venv-ops: ops[testing]==3.9.0) and the ops reference
#             charms (bench/ops-reference/build.sh -> target/ops-reference)
#   hooks     the example charms, Rust and ops, through the same simulator story: wall time,
#             CPU time, peak RSS and hook-tool calls per hook kind (REPS=3 stories each)
#   ecosystem blog x2 + minipg + minica (Rust) through one story, once with the Rust blog and
#             once with the ops one (Canonical's data_interfaces v0 and tls-certificates
#             libraries): the same figures for blog's hooks (REPS=3 stories each)
#   testing   Scenario-style runs per second: charm-runtime's testing module vs ops.testing
#   size      the packed .charm of each example: `cargo charm pack` vs ops + its venv
#   scale     replicas-relation-changed on webapp's leader with 1, 10, 100, 1000 peers,
#             in process (testing modules) and as one real hook process (fake hook tools)
#   build     clean build of the workspace and incremental rebuild of webapp after a
#             one-line change (own --target-dir: target/bench-build)
#   all       all of the above, in that order
#   check-ecosystem  the ecosystem story once per blog, its checks only (the Python blog
#             behaves like the Rust one), no timing
# Results are printed and written to target/bench/<command>.md.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="$repo/target/bench"
venv="$repo/target/venv-ops"
py="$venv/bin/python"
cd "$repo"
mkdir -p "$out"

log() { printf '\n== %s\n' "$*" >&2; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

setup() {
    if ! "$py" -c 'import ops, scenario, yaml; assert ops.__version__ == "3.9.0"' 2>/dev/null; then
        log "creating $venv (ops[testing]==3.9.0)"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check 'ops[testing]==3.9.0' pytest
    fi
    if [[ ! -x target/ops-reference/webapp/dispatch ]]; then
        log "building the ops reference charms"
        bench/ops-reference/build.sh
    fi
}

hooks() {
    setup
    log "hooks: the simulator story, Rust and ops (REPS=${REPS:-3})"
    cargo bench -q -p cargo-charm --bench story -- --reps "${REPS:-3}" --out "$out/hooks.md"
}

# The ops blog is built on its own: its tls-certificates library brings cryptography.
setup_blog() {
    if [[ ! -x target/ops-reference/blog/dispatch ]]; then
        log "building the ops reference blog"
        bench/ops-reference/build.sh target/ops-reference blog
    fi
}

ecosystem() {
    setup_blog
    log "ecosystem: blog x2 + minipg + minica, the Rust blog and the ops one (REPS=${REPS:-3})"
    cargo bench -q -p cargo-charm --bench story -- --story ecosystem --reps "${REPS:-3}" \
        --out "$out/ecosystem.md"
    log "ecosystem: what the ops blog's imports cost"
    python3 bench/ops-reference/import_cost.py target/ops-reference/blog 10 | tee -a "$out/ecosystem.md"
}

check-ecosystem() {
    setup_blog
    log "check-ecosystem: the ecosystem story's checks, the Rust blog and the ops one"
    cargo bench -q -p cargo-charm --bench story -- --story ecosystem --check
}

testing() {
    setup
    log "testing: Scenario-style runs per second"
    local rust ops
    rust="$(cargo bench -q -p charm-runtime --features testing --bench scenario)"
    ops="$("$py" bench/testing/scenario_bench.py)"
    local r o
    r="$(sed -n 's/.*: \([0-9]*\) runs\/s.*/\1/p' <<<"$rust")"
    o="$(sed -n 's/.*: \([0-9]*\) runs\/s.*/\1/p' <<<"$ops")"
    {
        echo "$rust"
        echo "$ops"
        awk -v r="$r" -v o="$o" 'BEGIN { printf "ratio: Rust %d runs/s / ops %d runs/s = %.0fx\n", r, o, r / o }'
    } | tee "$out/testing.md"
}

size() {
    setup
    log "size: packed .charm files"
    cargo charm pack -p database -p mailserver -p webapp >&2
    {
        echo "| charm | Rust .charm bytes (files) | ops .charm bytes (files) | ops / Rust | Rust unpacked | ops unpacked |"
        echo "|---|---:|---:|---:|---:|---:|"
        for name in database mailserver webapp; do
            local r o
            r="$(ls target/charms/"$name"_*.charm | head -n1)"
            o="target/ops-reference/${name}_amd64.charm"
            python3 - "$name" "$r" "$o" <<'EOF'
import sys, zipfile
name, r, o = sys.argv[1:]
def stats(p):
    z = zipfile.ZipFile(p)
    import os
    return os.path.getsize(p), len(z.namelist()), sum(i.file_size for i in z.infolist())
rb, rf, ru = stats(r)
ob, of, ou = stats(o)
print(f'| {name} | {rb:,} ({rf}) | {ob:,} ({of}) | {ob / rb:.2f}x | {ru:,} | {ou:,} |')
EOF
        done
    } | tee "$out/size.md"
}

scale() {
    setup
    log "scale: replicas-relation-changed on the leader with N peers"
    {
        echo "Rust (charm-runtime testing, in process):"
        echo
        cargo bench -q -p webapp --bench peers
        echo
        echo "ops 3.9 (ops.testing, in process):"
        echo
        "$py" bench/testing/peers_bench.py
        echo
        echo "One real hook process each, against fake hook tools (out of process):"
        echo
        cargo bench -q -p cargo-charm --bench peers
    } | tee "$out/scale.md"
}

build() {
    log "build: clean and incremental (target dir target/bench-build)"
    local dir="$repo/target/bench-build" file="examples/webapp/src/lib.rs" t0 clean_dev clean_rel inc_dev inc_rel
    rm -rf "$dir"
    t0=$(now_ms); cargo build -q --workspace --target-dir "$dir"; clean_dev=$(( $(now_ms) - t0 ))
    t0=$(now_ms); cargo build -q --workspace --release --target-dir "$dir"; clean_rel=$(( $(now_ms) - t0 ))
    # Warm up: `-p webapp` alone resolves features differently from `--workspace`, so its
    # first build recompiles some dependencies; that is not the cost of an edit.
    cargo build -q -p webapp --target-dir "$dir"
    cargo build -q -p webapp --release --target-dir "$dir"
    cp -p "$file" "$dir/lib.rs.orig"
    trap 'cp -p "$dir/lib.rs.orig" "'"$file"'"' EXIT
    # A one-line change: a status message.
    sed -i 's/Status::blocked("missing db relation")/Status::blocked("missing db relation!")/' "$file"
    grep -q 'missing db relation!' "$file" || { echo "build: the one-line change did not apply" >&2; exit 1; }
    t0=$(now_ms); cargo build -q -p webapp --target-dir "$dir"; inc_dev=$(( $(now_ms) - t0 ))
    t0=$(now_ms); cargo build -q -p webapp --release --target-dir "$dir"; inc_rel=$(( $(now_ms) - t0 ))
    cp -p "$dir/lib.rs.orig" "$file"
    trap - EXIT
    # The ops side: no compile; a change is a re-pack (build.sh, pip cache warm).
    local ops_ms
    t0=$(now_ms); bench/ops-reference/build.sh "$dir/ops" database mailserver webapp >/dev/null 2>&1; ops_ms=$(( $(now_ms) - t0 ))
    {
        echo "| build | time |"
        echo "|---|---:|"
        printf '| clean workspace build, dev (`cargo build --workspace`) | %.1f s |\n' "$(bc -l <<<"$clean_dev/1000")"
        printf '| clean workspace build, release (after the dev one: deps compiled again for release) | %.1f s |\n' "$(bc -l <<<"$clean_rel/1000")"
        printf '| webapp after a one-line change, dev (`cargo build -p webapp`) | %.1f s |\n' "$(bc -l <<<"$inc_dev/1000")"
        printf '| webapp after a one-line change, release (`cargo build -p webapp --release`, what `cargo charm pack` builds) | %.1f s |\n' "$(bc -l <<<"$inc_rel/1000")"
        printf '| ops: build.sh for the 3 charms, pip cache warm (copy src + venv, zip) | %.1f s |\n' "$(bc -l <<<"$ops_ms/1000")"
    } | tee "$out/build.md"
}

[[ $# -gt 0 ]] || { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
for cmd in "$@"; do
    case "$cmd" in
        setup | hooks | ecosystem | check-ecosystem | testing | size | scale | build) "$cmd" ;;
        all) setup; hooks; ecosystem; testing; size; scale; build ;;
        *) echo "bench/run.sh: unknown command $cmd" >&2; exit 2 ;;
    esac
done
