"""asv tracks of fitbench: what each (case, variant) does under each TensorFlow / tf-keras / transformers version.

The suite runs ONCE per asv environment, in `setup_cache`: `python -m harness run --json` with the
environment's own interpreter (every variant in its own process, as fitbench always does). asv hands the
parsed records to every `track_*` below, which only looks a number up. So asv's history and dashboard
show, per library version, whether the chapter's claim still holds, whether each fix still works, and how
fast, how far and how big the runs are.

This module must import under every version in the matrix and without the suite's libraries: it imports no
TensorFlow, transformers, numpy, and no fitbench module that would. `cases` (plain spec dataclasses) and
`harness.symptoms` import only the standard library.

Environment variables:
  FITBENCH_ASV_CASES   comma list of case ids to run (default: every case). Tracks of the other cases skip.
  FITBENCH_ASV_DEVICE  --device for the run: auto (default), cpu or gpu.
  FITBENCH_ASV_ARGS    extra arguments for `fitbench run`, split on whitespace (e.g. "--n-train 500").
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parents[1]

try:
    import cases
except ImportError:  # `asv run --python=same` in a checkout where fitbench is not pip-installed
    sys.path.insert(0, str(ROOT))
    import cases
from harness.symptoms import VOCABULARY

# bump a track's version only when its meaning changes; refactors of this file keep asv's history
VERSION = "fitbench-asv-1"
SETUP_CACHE_TIMEOUT_S = 3 * 3600   # the whole suite: ~5 min on a 2-core CPU, GPU cases and slow setups more
TRACK_TIMEOUT_S = 120              # a track only reads the cached records

CASE_IDS = list(cases.CASE_IDS)
_CASES = {c.id: c for c in cases.all_cases()}
VARIANT_NAMES = sorted({v.name for c in _CASES.values() for v in c.variants})
PAIRS = {(c.id, v.name) for c in _CASES.values() for v in c.variants}
ROLES = {(c.id, v.name): v.role for c in _CASES.values() for v in c.variants}


def selected_cases() -> list[str]:
    """The case ids FITBENCH_ASV_CASES asks for (all when unset); an unknown id is an error that names it."""
    raw = os.environ.get("FITBENCH_ASV_CASES", "").strip()
    if not raw or raw == "all":
        return list(CASE_IDS)
    wanted = [s.strip() for s in raw.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in CASE_IDS]
    if unknown:
        raise ValueError(f"FITBENCH_ASV_CASES: unknown case {unknown[0]!r} (known: {', '.join(CASE_IDS)})")
    return wanted


def _child_env(workdir: str) -> dict[str, str]:
    """The environment for the suite's process. In an asv-built environment fitbench is pip-installed and the
    commit under test is what runs; with --python=same in an uninstalled checkout, the checkout is put on
    PYTHONPATH instead (asv's own path tweak for the benchmark dir is not inherited by a child process)."""
    env = dict(os.environ)
    probe = subprocess.run([sys.executable, "-c", "import harness, cases"], cwd=workdir, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def run_suite(case_ids: list[str]) -> list[dict]:
    """`python -m harness run --json` on `case_ids` with this interpreter; returns the records as dicts."""
    device = os.environ.get("FITBENCH_ASV_DEVICE", "auto")
    extra = os.environ.get("FITBENCH_ASV_ARGS", "").split()
    with tempfile.TemporaryDirectory(prefix="fitbench-asv-") as tmp:
        out = Path(tmp) / "records.jsonl"
        cmd = [sys.executable, "-m", "harness", "run", "--json", "--device", device,
               "--cases", ",".join(case_ids), "--out", str(out), *extra]
        print(f"fitbench-asv: {' '.join(cmd)}", file=sys.stderr, flush=True)
        # records also go to stdout (--json); the file is the copy we read. stderr passes through to asv.
        proc = subprocess.run(cmd, cwd=tmp, env=_child_env(tmp), stdout=subprocess.DEVNULL)
        records = []
        if out.exists():
            with open(out, encoding="utf-8") as f:
                records = [json.loads(line) for line in f if line.strip()]
    if proc.returncode != 0 and not records:
        raise RuntimeError(f"fitbench run exited with {proc.returncode} and wrote no record: {' '.join(cmd)}")
    keep_records(records)
    for r in records:
        print(f"fitbench-asv: {r.get('case')}:{r.get('variant')} observed={r.get('observed')} "
              f"claim={r.get('claim')} agrees={r.get('agrees')} outcome={r.get('outcome')}",
              file=sys.stderr, flush=True)
    return records


def keep_records(records: list[dict]) -> Path | None:
    """asv files numbers only; with FITBENCH_ASV_RECORDS=DIR the environment's whole records (which versions
    really ran, which Keras was driven, the error messages) also go to DIR/<asv environment name>.jsonl."""
    folder = os.environ.get("FITBENCH_ASV_RECORDS")
    if not folder or not records:
        return None
    name = "".join(c if c.isalnum() or c in "._+-" else "_" for c in os.environ.get("ASV_ENV_NAME", "same"))
    path = Path(folder).resolve() / f"{name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records), encoding="utf-8")
    return path


def _number(value) -> float:
    """A metric as a float; None, missing, non-numeric or non-finite-able values are NaN."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    return math.nan


def _track(unit: str, what: str):
    """Sets asv's per-benchmark attributes on a track function (version stays pinned: see VERSION). `what` becomes
    the docstring, which asv's dashboard shows; no pretty_name, as it would be the same in every case's class."""
    def mark(func):
        func.unit = unit
        func.__doc__ = what
        func.version = VERSION
        func.timeout = TRACK_TIMEOUT_S
        return func
    return mark


def _skip(reason: str) -> NoReturn:
    """Skip one parameter combination from inside a track (asv only turns NotImplementedError into a skip when
    setup() raises it; in the benchmark body it must be asv_runner's SkipNotImplemented, a subclass)."""
    try:
        from asv_runner.benchmarks.mark import SkipNotImplemented
    except ImportError:  # outside asv (tests): plain NotImplementedError
        raise NotImplementedError(reason) from None
    raise SkipNotImplemented(reason)


class _CaseTracks:
    """Shared base of the per-case classes below. One setup_cache for all of them: asv keys the cache on this
    function's module and source line, so every subclass shares ONE run of the suite per environment.

    Each case gets its own class (`InitialLoss`, `StringLossOnLogits`, ...) whose only parameter is that case's
    variant names, so asv spawns a process only for pairs that exist (the case x variant product would be ten
    times larger, 90% of it skipped combinations, ~0.5-1 s of asv overhead each), and `--bench InitialLoss`
    selects one case.
    """

    case_id = ""
    params: list = []
    param_names = ["variant"]
    timeout = TRACK_TIMEOUT_S
    version = VERSION

    def setup_cache(self):
        return run_suite(selected_cases())

    setup_cache.timeout = SETUP_CACHE_TIMEOUT_S

    def setup(self, records, variant):
        # NotImplementedError in setup() is asv's way to skip a parameter combination (shown as n/a)
        if (self.case_id, variant) not in PAIRS:
            raise NotImplementedError(f"case {self.case_id!r} has no variant {variant!r}")
        if self.case_id not in selected_cases():
            raise NotImplementedError(f"case {self.case_id!r} not run (FITBENCH_ASV_CASES)")

    def record(self, records, variant) -> dict | None:
        """The last record of (this case, variant) in the cached run, or None."""
        found = None
        for r in records:
            if r.get("case") == self.case_id and r.get("variant") == variant:
                found = r
        return found

    def metric(self, records, variant, key) -> float:
        r = self.record(records, variant)
        return math.nan if r is None else _number((r.get("metrics") or {}).get(key))

    def _flag(self, records, variant, field) -> float:
        r = self.record(records, variant)
        return math.nan if r is None or r.get(field) is None else float(bool(r[field]))

    # -- does the chapter's claim hold under these library versions, and what happened instead?
    @_track("1 = agrees", "symptom agrees with the chapter")
    def track_agrees(self, records, variant):
        return self._flag(records, variant, "agrees")

    @_track("index in harness.symptoms.VOCABULARY", "observed symptom (0 ok, 1 no_gradients, ...)")
    def track_observed_symptom(self, records, variant):
        r = self.record(records, variant)
        observed = None if r is None else r.get("observed")
        return float(VOCABULARY.index(observed)) if observed in VOCABULARY else math.nan

    # -- does each fix still make the run train? (fix variants only; others are skipped)
    @_track("1 = fix works", "fix works")
    def track_fix_works(self, records, variant):
        if ROLES.get((self.case_id, variant)) != "fix":
            _skip(f"{self.case_id}:{variant} is a {ROLES.get((self.case_id, variant))} variant, not a fix")
        return self._flag(records, variant, "fix_works")

    # -- how far and how fast training gets
    @_track("steps", "steps to the loss threshold")
    def track_steps_to_threshold(self, records, variant):
        return self.metric(records, variant, "steps_to_threshold")

    @_track("seconds", "seconds to the loss threshold")
    def track_seconds_to_threshold(self, records, variant):
        return self.metric(records, variant, "seconds_to_threshold")

    @_track("loss", "final loss (mean of the last steps)")
    def track_final_loss(self, records, variant):
        return self.metric(records, variant, "final_loss")

    @_track("samples/s", "training throughput")
    def track_samples_per_s(self, records, variant):
        return self.metric(records, variant, "samples_per_s")

    @_track("seconds", "time to the first optimizer step (tracing, compilation)")
    def track_time_to_first_step_s(self, records, variant):
        return self.metric(records, variant, "time_to_first_step_s")

    @_track("ratio", "model FLOPs utilisation against the card's dense peak (GPU runs)")
    def track_mfu(self, records, variant):
        return self.metric(records, variant, "mfu")

    # -- what the variant costs besides training: the number issue 9 cut, tracked per release
    @_track("seconds", "wall time of the variant, from launching its process to its exit")
    def track_wall_s(self, records, variant):
        r = self.record(records, variant)
        return math.nan if r is None or r.get("outcome") == "skipped" else _number(r.get("wall_s"))

    @_track("seconds", "fixed cost: wall time minus the steady training steps (imports, data, tracing, ...)")
    def track_fixed_cost_s(self, records, variant):
        r = self.record(records, variant)
        phases = ((r or {}).get("metrics") or {}).get("phases") or {}
        if not phases:
            return math.nan
        return _number(r.get("wall_s")) - _number(phases.get("steady_steps") or 0.0)

    # -- peak memory of the run's process: GPU (NVML, GPU runs only) and host RSS
    @_track("MiB", "peak GPU memory of the process (NVML)")
    def track_peak_vram_mib(self, records, variant):
        return self.metric(records, variant, "nvml_process_peak_mib")

    @_track("MiB", "peak host RSS of the process")
    def track_rss_peak_mib(self, records, variant):
        return self.metric(records, variant, "rss_peak_mib")


def class_name(case_id: str) -> str:
    """initial_loss -> InitialLoss: the asv benchmark names (and so asv's history) key on the case ids."""
    return "".join(part.capitalize() for part in case_id.split("_"))


for _case in _CASES.values():
    globals()[class_name(_case.id)] = type(class_name(_case.id), (_CaseTracks,), {
        "__module__": __name__,
        "__qualname__": class_name(_case.id),
        "__doc__": f"{_case.id}: {_case.title}. Chapter: {_case.chapter}",
        "case_id": _case.id,
        "params": [[v.name for v in _case.variants]],
    })
del _case
