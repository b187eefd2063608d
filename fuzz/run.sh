#!/usr/bin/env bash
# Runs fuzz targets for SECONDS each (default 60), two at a time, from the committed
# seeds plus the local corpus (fuzz/corpus/, not committed). Crashes land in
# fuzz/artifacts/<target>/. Usage: fuzz/run.sh [seconds] [target...]
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-60}; shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=($(cargo +nightly fuzz list))
cargo +nightly fuzz build -O >/dev/null 2>&1 || cargo +nightly fuzz build -O
run() {
  local t=$1 extra=()
  [ -f "$t.dict" ] && extra+=("-dict=$t.dict")
  mkdir -p "corpus/$t"
  cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 "${extra[@]}" \
    >"/tmp/fuzz-$t.log" 2>&1
  echo "$t: exit $? ($(grep -c . "/tmp/fuzz-$t.log") log lines, /tmp/fuzz-$t.log)"
}
i=0
for t in "${targets[@]}"; do
  run "$t" &
  i=$((i + 1))
  if [ $((i % 2)) -eq 0 ]; then wait; fi
done
wait
