#!/usr/bin/env bash
# The whole suite's two verdict trials (issue 32's "Done when"), with fitbench's own commands on this machine:
#   pinned — the whole suite against itself pinned to one core (`taskset -c 0`): compare --confirm must exit 3
#            within its default budget (the one-core side's DistilBERT-shaped steps are ~1.8× slower);
#   aa     — the whole suite against a fresh run of itself: compare --confirm must exit 0.
# Every run and compare holds /tmp/fitbench-cpu.lock (the machine's convention for heavy work). Writes, under OUT:
# runs/{A,P,B}.jsonl, confirm/{pinned,aa}/ (the re-measured records), verdicts/{pinned,aa}.{json,txt} and
# trials.tsv (trial, exit code, seconds).   usage: bash benchmarks/scripts/whole_suite_trials.sh OUT
set -u
OUT=${1:?usage: whole_suite_trials.sh OUT}
FB=${FB_CMD:-"$(dirname "$0")/../../.venv/bin/fitbench"}   # FB_CMD: another fitbench (e.g. a snapshot of the code)
LOCK=/tmp/fitbench-cpu.lock
mkdir -p "$OUT/runs" "$OUT/verdicts" "$OUT/confirm"
run() {  # name, then the command's prefix (e.g. taskset -c 0)
  local name=$1; shift
  [ -s "$OUT/runs/$name.jsonl" ] && return 0   # resumable: a finished run is kept, never rewritten
  flock "$LOCK" "$@" "$FB" run --out "$OUT/runs/$name.part.jsonl" > "$OUT/runs/$name.log" 2>&1 \
    && mv "$OUT/runs/$name.part.jsonl" "$OUT/runs/$name.jsonl"
}
trial() {  # name, baseline run, current run
  local name=$1 start rc
  [ -s "$OUT/verdicts/$name.json" ] && return 0
  start=$(date +%s)
  flock "$LOCK" "$FB" compare "$OUT/runs/$2.jsonl" "$OUT/runs/$3.jsonl" --confirm --json \
    --confirm-dir "$OUT/confirm/$name" > "$OUT/verdicts/$name.json" 2> "$OUT/verdicts/$name.log"
  rc=$?
  printf '%s\t%s\t%s\n' "$name" "$rc" "$(( $(date +%s) - start ))" >> "$OUT/trials.tsv"
}
run A
run P taskset -c 0
trial pinned A P
run B
trial aa A B
cat "$OUT/trials.tsv"
