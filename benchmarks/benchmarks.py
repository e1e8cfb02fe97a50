"""asv tracks of fitbench: what each (case, variant) does under each TensorFlow / tf-keras / transformers version.

The suite runs ONCE per asv environment, in `setup_cache`: `python -m harness run --json` with the
environment's own interpreter (every variant in its own process, as fitbench always does). asv hands the
records to every `track_*` below, which only looks a number up. One class per case (`InitialLoss`, ...), its
only parameter the case's variant names; one track per tracked metric of harness/results/metrics.py, plus the
observed symptom as its number. So asv's history and dashboard show, per library version, whether the chapter's
claim still holds, whether each fix still works, and how fast, how far and how big the runs are. Each track's
description starts with its kind: [behaviour] (symptom, claim, fix: a step there is a finding) or [performance]
(a number: a step there is a suspect until asv's own statistics or a re-measurement confirm it).

The benchmark *definitions* (cases, tracks) come from this checkout, the measured fitbench from the commit asv
installed in the environment: this module puts the checkout first on sys.path and imports only what needs no
third-party library (the specs, the registry, the records), so it imports under every version in the matrix.

Environment variables:
  FITBENCH_ASV_CASES    comma list of case ids to run (default: every case). Tracks of the other cases skip.
  FITBENCH_ASV_DEVICE   --device for the run: auto (default), cpu or gpu.
  FITBENCH_ASV_ARGS     extra arguments for `fitbench run`, split on whitespace (e.g. "--n-train 500").
  FITBENCH_ASV_RECORDS  a folder that also gets each environment's whole records (<environment>.jsonl).
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout's specs and registry, whatever fitbench the environment has

import cases  # noqa: E402
from harness import settings  # noqa: E402
from harness.env.suite_process import run_suite_process  # noqa: E402
from harness.results import asv_names, metrics  # noqa: E402
from harness.results.records import JsonlWriter, RunRecord  # noqa: E402

# bump a track's version only when its meaning changes; refactors of this file keep asv's history
VERSION = "fitbench-asv-1"
SETUP_CACHE_TIMEOUT_S = 3 * 3600   # the whole suite: ~5 min on a 2-core CPU, GPU cases and slow setups more
TRACK_TIMEOUT_S = 120              # a track only reads the cached records

CASE_IDS = list(cases.CASE_IDS)
_CASES = {c.id: c for c in cases.all_cases()}
PAIRS = {(c.id, v.name) for c in _CASES.values() for v in c.variants}
ROLES = {(c.id, v.name): v.role for c in _CASES.values() for v in c.variants}
SYMPTOM_NUMBERS = cases.symptom_numbers()


def selected_cases() -> list[str]:
    """The case ids FITBENCH_ASV_CASES asks for (all when unset); an unknown id is an error that names it."""
    raw = settings.get("FITBENCH_ASV_CASES").strip()
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


def suite_records(case_ids: list[str]) -> list[RunRecord]:
    """`python -m harness run --json` on `case_ids` with this interpreter, in a scratch folder."""
    device = settings.get("FITBENCH_ASV_DEVICE")
    extra = settings.get("FITBENCH_ASV_ARGS").split()
    with tempfile.TemporaryDirectory(prefix="fitbench-asv-") as tmp:
        args = ["--device", device, "--cases", ",".join(case_ids), *extra]
        print(f"fitbench-asv: {sys.executable} -m harness run --json {' '.join(args)}", file=sys.stderr, flush=True)
        run = run_suite_process(sys.executable, args, Path(tmp) / "records.jsonl", cwd=Path(tmp),
                                env=_child_env(tmp))
    if run.returncode != 0 and not run.records:
        raise RuntimeError(f"fitbench run exited with {run.returncode} and wrote no record: {run.stderr_tail[-500:]}")
    keep_records(run.records)
    for r in run.records:
        print(f"fitbench-asv: {r.case}:{r.variant} observed={r.observed} claim={r.claim} agrees={r.agrees} "
              f"outcome={r.outcome}", file=sys.stderr, flush=True)
    return run.records


def keep_records(records: list[RunRecord]) -> Path | None:
    """asv files numbers only; with FITBENCH_ASV_RECORDS=DIR the environment's whole records (which versions
    really ran, which Keras was driven, the error messages) also go to DIR/<asv environment name>.jsonl."""
    folder = settings.get("FITBENCH_ASV_RECORDS")
    if not folder or not records:
        return None
    name = "".join(c if c.isalnum() or c in "._+-" else "_" for c in os.environ.get("ASV_ENV_NAME", "same"))
    path = Path(folder).resolve() / f"{name}.jsonl"
    path.unlink(missing_ok=True)  # this environment's latest run, through the one writer of records
    writer = JsonlWriter(path)
    for r in records:
        writer.write(r)
    return path


def _as_float(value) -> float:
    """A tracked value as asv stores it: booleans as 1/0, anything missing or not a number as NaN."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    return float(value) if isinstance(value, (int, float)) else math.nan


def _skip(reason: str) -> NoReturn:
    """Skip one parameter combination from inside a track (asv only turns NotImplementedError into a skip when
    setup() raises it; in the benchmark body it must be asv_runner's SkipNotImplemented, a subclass)."""
    try:
        from asv_runner.benchmarks.mark import SkipNotImplemented
    except ImportError:  # outside asv (tests): plain NotImplementedError
        raise NotImplementedError(reason) from None
    raise SkipNotImplemented(reason)


class _CaseTracks:
    """Shared base of the per-case classes. One setup_cache for all of them: asv keys the cache on this
    function's module and source line, so every subclass shares ONE run of the suite per environment.

    Each case gets its own class whose only parameter is that case's variant names, so asv spawns a process only
    for pairs that exist, and `--bench InitialLoss` selects one case.
    """

    case_id = ""
    params: list = []
    param_names = ["variant"]
    timeout = TRACK_TIMEOUT_S
    version = VERSION

    def setup_cache(self):
        return suite_records(selected_cases())  # asv pickles it for the track processes

    setup_cache.timeout = SETUP_CACHE_TIMEOUT_S

    def setup(self, records, variant):
        # NotImplementedError in setup() is asv's way to skip a parameter combination (shown as n/a)
        if (self.case_id, variant) not in PAIRS:
            raise NotImplementedError(f"case {self.case_id!r} has no variant {variant!r}")
        if self.case_id not in selected_cases():
            raise NotImplementedError(f"case {self.case_id!r} not run (FITBENCH_ASV_CASES)")

    def record(self, records: list[RunRecord], variant: str) -> RunRecord | None:
        """The last record of (this case, variant) in the cached run, or None."""
        found = None
        for r in records:
            if (r.case, r.variant) == (self.case_id, variant):
                found = r
        return found

    def track_observed_symptom(self, records, variant):
        r = self.record(records, variant)
        return float(SYMPTOM_NUMBERS[r.observed]) if r is not None and r.observed in SYMPTOM_NUMBERS else math.nan

    track_observed_symptom.unit = "symptom number (harness/spec/symptoms.py, or the case's own)"
    track_observed_symptom.__doc__ = ("[behaviour] observed symptom (0 ok, 1 no_gradients, 2 label_out_of_range, "
                                      "4 plateau, ...)")
    track_observed_symptom.version = VERSION
    track_observed_symptom.timeout = TRACK_TIMEOUT_S


def _track(metric: metrics.Metric):
    """A track function for one registry metric; its name, unit and docstring (asv's dashboard shows it) come from
    the registry entry."""
    def track(self, records, variant):
        if metric.name == "fix_works" and ROLES.get((self.case_id, variant)) != "fix":
            _skip(f"{self.case_id}:{variant} is a {ROLES.get((self.case_id, variant))} variant, not a fix")
        r = self.record(records, variant)
        if r is None or (metric.timing and r.context.shared):
            return math.nan  # a timing measured beside other variants (--jobs) is not this variant's alone
        return _as_float(metric.value(r))

    track.__name__ = f"track_{metric.track}"
    # asv's dashboard shows the docstring: which verdict a step in this track belongs to (docs/verdicts.md)
    track.__doc__ = f"[{metric.kind}] {metric.what}"
    track.unit = metric.unit or "value"
    track.version = VERSION
    track.timeout = TRACK_TIMEOUT_S
    return track


for _metric in metrics.tracked():
    setattr(_CaseTracks, f"track_{_metric.track}", _track(_metric))

for _case in _CASES.values():
    _name = asv_names.class_name(_case.id)
    globals()[_name] = type(_name, (_CaseTracks,), {
        "__module__": __name__,
        "__qualname__": _name,
        "__doc__": f"{_case.id}: {_case.title}. Chapter: {_case.chapter}",
        "case_id": _case.id,
        "params": [[v.name for v in _case.variants]],
    })
del _case, _name, _metric
