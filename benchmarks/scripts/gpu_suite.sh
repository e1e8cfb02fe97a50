#!/usr/bin/env bash
# The whole fitbench suite on a GPU machine, in one command, under a time cap, writing as it goes:
#   OUTDIR/gpu.jsonl     one record per variant, fsynced as each ends (a run cut by the cap keeps what finished)
#   OUTDIR/log.txt       progress, each variant's phase times and first-step split (--verbose), warnings
#   OUTDIR/machine.txt   card, driver, library versions, date, the caches' state before the run
#   OUTDIR/report.tgz    the HTML/Markdown report of the records
#   OUTDIR/compare.txt   `fitbench compare` with the newest GPU run committed under results/reference/ (or
#                        FITBENCH_GPU_REFERENCE=FILE): which symptoms, timeouts and timings moved since then
#   OUTDIR/gpu_tests.txt `pytest -m gpu`: the tests that need a real card (device setup, the allocator's retry,
#                        the memory grab, the trackers, --jobs' share of the card), run after the suite
#
# exit: the suite's code; where the suite passed, the gpu tests' (pytest's) code.
# usage: benchmarks/scripts/gpu_suite.sh OUTDIR [CAP_SECONDS] [fitbench run options, e.g. --cases ... --jobs N]
# On the lent GPU machine (no pip there) first `source .gpukit/activate.sh` (../shared/gpu/README.md);
# elsewhere use a venv with `pip install -e '.[gpu]'`. PYTHON picks the interpreter (default python3).
# Variants run side by side (--jobs auto: by the card's memory and the cores); the ones whose numbers are
# timings run alone. XLA's persistent cache and CUDA's JIT cache live under fitbench's cache (FITBENCH_CACHE).
set -u
out=${1:?usage: gpu_suite.sh OUTDIR [CAP_SECONDS] [fitbench run options]}
cap=${2:-300}
shift $(( $# >= 2 ? 2 : 1 ))
py=${PYTHON:-python3}
mkdir -p "$out" || { echo "gpu_suite: cannot create $out" >&2; exit 2; }
cd "$(dirname "$0")/../.." || exit 2

{
  date -u +%Y-%m-%dT%H:%M:%SZ
  nvidia-smi --query-gpu=name,driver_version,memory.total,power.limit --format=csv,noheader 2>&1
  echo "cpus: $(nproc)"
  "$py" -c 'import json, harness.env.describe as e; print(json.dumps(e.versions()))' 2>&1
  "$py" -c 'import harness, os; from harness.launch import caches
print("caches before:", {k: v for k, v in caches.sizes().items()}, "CUDA_CACHE_PATH=" + os.environ["CUDA_CACHE_PATH"])' 2>&1
} > "$out/machine.txt"
cat "$out/machine.txt"

start=$(date +%s)
# SIGINT first: the runner kills its workers, keeps what finished and says so; SIGKILL 20 s later if need be
timeout --signal=INT --kill-after=20 "$cap" "$py" -m harness run --device gpu --json --verbose \
  --out "$out/gpu.jsonl" "$@" > "$out/stdout.jsonl" 2> "$out/log.txt"
rc=$?
end=$(date +%s)
n=$(wc -l < "$out/gpu.jsonl" 2>/dev/null || echo 0)
echo "suite: exit $rc after $((end - start)) s (cap $cap s), $n records in $out/gpu.jsonl" | tee -a "$out/log.txt"
rm -f "$out/stdout.jsonl"  # the same records as gpu.jsonl
if "$py" -m harness report "$out/gpu.jsonl" --out "$out/report" >> "$out/log.txt" 2>&1; then
  tar czf "$out/report.tgz" -C "$out" report && rm -rf "$out/report"
fi
ref=${FITBENCH_GPU_REFERENCE:-$(ls results/reference/gpu-*/gpu.jsonl 2>/dev/null | sort -t- -k3 | tail -1)}
if [ -n "$ref" ] && [ -s "$out/gpu.jsonl" ]; then
  # exit 1 (a regression) is news, not the suite's failure: the suite's own exit code stands
  "$py" -m harness compare "$ref" "$out/gpu.jsonl" > "$out/compare.txt" 2>&1
  echo "compared with $ref: exit $? (compare.txt)" | tee -a "$out/log.txt"
fi
# after the suite, so that its first variants meet the caches as machine.txt recorded them; each test that sets a
# device up does it in a fresh process of its own
if "$py" -c 'import pytest' 2> /dev/null; then
  timeout --signal=INT --kill-after=20 900 "$py" -m pytest -m gpu -v -rs -p no:cacheprovider tests \
    > "$out/gpu_tests.txt" 2>&1
  trc=$?
  echo "gpu tests: exit $trc ($(tail -1 "$out/gpu_tests.txt")) (gpu_tests.txt)" | tee -a "$out/log.txt"
  [ "$rc" -eq 0 ] && rc=$trc
else
  echo "gpu tests: not run, $py has no pytest (pip install -e '.[test]')" | tee "$out/gpu_tests.txt" \
    | tee -a "$out/log.txt"
fi
exit $rc
