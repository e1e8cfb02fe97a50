#!/usr/bin/env bash
# The whole fitbench suite on a GPU machine, in one command, under a time cap, writing as it goes:
#   OUTDIR/gpu.jsonl    one record per variant, fsynced as each ends (a run cut by the cap keeps what finished)
#   OUTDIR/log.txt      progress, each variant's phase times (--verbose), warnings
#   OUTDIR/machine.txt  card, driver, library versions, date
#   OUTDIR/report/      the HTML/Markdown report of the records
#
# usage: benchmarks/scripts/gpu_suite.sh OUTDIR [CAP_SECONDS] [fitbench run options, e.g. --cases ...]
# On the lent GPU machine (no pip there) first `source .gpukit/activate.sh` (../shared/gpu/README.md);
# elsewhere use a venv with `pip install -e '.[gpu]'`. PYTHON picks the interpreter (default python3).
set -u
out=${1:?usage: gpu_suite.sh OUTDIR [CAP_SECONDS] [fitbench run options]}
cap=${2:-540}
shift $(( $# >= 2 ? 2 : 1 ))
py=${PYTHON:-python3}
mkdir -p "$out" || { echo "gpu_suite: cannot create $out" >&2; exit 2; }
cd "$(dirname "$0")/../.." || exit 2

{
  date -u +%Y-%m-%dT%H:%M:%SZ
  nvidia-smi --query-gpu=name,driver_version,memory.total,power.limit --format=csv,noheader 2>&1
  "$py" -c 'import json, harness.env as e; print(json.dumps(e.versions()))' 2>&1
  echo "CUDA_CACHE_PATH=$("$py" -c 'import harness, os; print(os.environ["CUDA_CACHE_PATH"])')"
} > "$out/machine.txt"
cat "$out/machine.txt"

start=$(date +%s)
# SIGINT first: the runner kills its worker, keeps what finished and says so; SIGKILL 20 s later if need be
timeout --signal=INT --kill-after=20 "$cap" "$py" -m harness run --device gpu --json --verbose \
  --out "$out/gpu.jsonl" "$@" > "$out/stdout.jsonl" 2> "$out/log.txt"
rc=$?
end=$(date +%s)
n=$(wc -l < "$out/gpu.jsonl" 2>/dev/null || echo 0)
echo "suite: exit $rc after $((end - start)) s (cap $cap s), $n records in $out/gpu.jsonl" | tee -a "$out/log.txt"
"$py" -m harness report "$out/gpu.jsonl" --out "$out/report" >> "$out/log.txt" 2>&1
exit $rc
