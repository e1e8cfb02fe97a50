"""asv results files read back as records: what benchmarks/benchmarks.py tracked for each (case, variant), under
the environment asv's matrix named — so a report (or any reader of records) can show asv's history beside
fitbench's own results files. No loss curves, warnings or errors: asv keeps numbers only.

Reached through the one reader of records, harness/results/reading.read_records, which hands it the case registry
(the `cases` package: case specs by id, symptom numbers).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.results import asv_names
from harness.results.records import CorruptResults, RunRecord
from harness.spec import Case
from harness.spec.symptoms import NOT_APPLICABLE

# asv's params that describe the machine and the interpreter, not a package's version
ASV_MACHINE_PARAMS = ("machine", "arch", "cpu", "num_cpu", "os", "ram", "python")
# the JSON files asv keeps beside its results
ASV_NOT_RESULTS = {"machine.json": "asv's description of a machine", "benchmarks.json": "asv's list of benchmarks"}


def asv_file_records(path: Path, registry: Any) -> list[RunRecord]:
    """The records of one asv results file; CorruptResults for another JSON file, or where no registry is given."""
    data = _asv_json(path)
    if registry is None:
        raise CorruptResults(f"{path}: an asv results file; read it where the case registry is known "
                             f"(`fitbench report`), or pass fitbench's own results (.jsonl)")
    cases = {c.id: c for c in registry.all_cases()}
    return asv_records(path, data, cases, registry.symptom_numbers())


def asv_run(path: Path) -> dict[str, Any]:
    """When and in what an asv results file ran: the latest `started_at` of its rows (asv's "date" is the commit's,
    the same for every night of one commit), its commit and environment, and the versions of asv's matrix params —
    what the nightly's store keeps for a night (harness/verdict/history.py). CorruptResults as for its records."""
    data = _asv_json(path)
    columns = data.get("result_columns") or []
    at = columns.index("started_at") if "started_at" in columns else None
    started = [row[at] for row in data["results"].values() if at is not None and isinstance(row, list)
               and len(row) > at and isinstance(row[at], (int, float))]
    return {"ran_ms": max(started) if started else data.get("date"), "commit": data.get("commit_hash"),
            "env_name": data.get("env_name"),
            "versions": {k: None if v is None else str(v) for k, v in data["params"].items()
                         if k not in ASV_MACHINE_PARAMS}}


def _asv_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise CorruptResults(f"{path}: no such results file")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CorruptResults(f"{path}: not JSON ({exc})") from None
    if path.name in ASV_NOT_RESULTS and not (isinstance(data, dict) and "results" in data):
        raise CorruptResults(f"{path}: {ASV_NOT_RESULTS[path.name]}, not results; leave it out (asv's results are the "
                             f"<commit>-<env>.json files, fitbench's records the .jsonl files)")
    if not (isinstance(data, dict) and isinstance(data.get("params"), dict) and isinstance(data.get("results"), dict)):
        raise CorruptResults(f"{path}: not an asv results file (no 'params' and 'results')")
    return data


def _asv_values(data: dict[str, Any], cases: dict[str, Case]) -> dict[tuple[str, str], dict[str, float]]:
    """{(case, variant): {what: value}} from asv's results rows."""
    by_class = {asv_names.class_name(c): c for c in cases}
    tracks = asv_names.tracks()
    values: dict[tuple[str, str], dict[str, float]] = {}
    for name, row in data["results"].items():
        *_, cls, track = ["", *name.split(".")]
        key = tracks.get(track)
        # asv's layout is [values, params axes, ...]; anything else (another asv version, a hand edit) is skipped
        if key is None or not isinstance(row, list) or len(row) < 2 or not isinstance(row[0], list) \
                or not isinstance(row[1], list) or not all(isinstance(axis, list) for axis in row[1]):
            continue
        params = [[str(p).strip("'\"") for p in axis] for axis in row[1]]
        if len(params) == 2:   # params (case, variant); asv flattens their cartesian product
            combos = [(c, v) for c in params[0] for v in params[1]]
        elif len(params) == 1 and cls in by_class:  # one class per case, params (variant,)
            combos = [(by_class[cls], v) for v in params[0]]
        else:
            continue
        for combo, value in zip(combos, row[0]):
            if isinstance(value, (int, float)) and value == value:
                values.setdefault(combo, {})[key] = value
    return values


def asv_records(path: Path, data: dict[str, Any], cases: dict[str, Case], numbers: dict[str, int]) -> list[RunRecord]:
    """One record per (case, variant) that benchmarks/benchmarks.py tracked; the environment comes from the
    file's "params" (asv's matrix), the device from whether NVML memory was tracked. No curves, warnings or errors."""
    values = _asv_values(data, cases)
    by_number = {n: name for name, n in numbers.items()}
    device = "gpu" if any("nvml_process_peak_mib" in m for m in values.values()) else "cpu"
    param = {k: None if v is None else str(v) for k, v in data["params"].items()}
    env = {"versions": {k: param.get(k) for k in ("tensorflow", "tf-keras", "transformers", "datasets", "numpy",
                                                  "python")},
           "device": device, "asv": {k: data.get(k) for k in ("commit_hash", "env_name", "date")},
           "machine": {k: param.get(k) for k in ("machine", "cpu", "num_cpu", "os", "arch")}}
    records = []
    for (case_id, variant_name), m in sorted(values.items()):
        spec = cases.get(case_id)
        if "observed" not in m or spec is None or variant_name not in {v.name for v in spec.variants}:
            continue
        observed = by_number.get(int(m["observed"]))
        if observed is None:
            continue
        variant = spec.variant(variant_name)
        fix_works = bool(m["fix_works"]) if "fix_works" in m else None
        records.append(RunRecord(
            case=case_id, variant=variant_name, role=variant.role, device=device,
            claim=variant.claims.get(device, NOT_APPLICABLE), says=variant.says,
            observed=observed, agrees=bool(m.get("agrees")), fix_works=fix_works,
            outcome="skipped" if observed == NOT_APPLICABLE else "completed",
            metrics={k: v for k, v in m.items() if k not in ("observed", "agrees", "fix_works")},
            env=env, notes=[f"from asv results {path.name}"]))
    return records
