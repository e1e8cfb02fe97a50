"""How records are grouped: the environment column a record belongs to, repeats of the same (case, variant,
device, environment), and a record's behaviour as compared across versions.

Records with the same key are repeats (a `--repeats` run, or the same run read twice); everything that counts,
compares or draws records (compare, report, bisect, the nightly) groups them here.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Iterable

from harness.results.records import RunRecord
from harness.spec.symptoms import DATA_ERROR, ERROR, UNSUPPORTED

Key = tuple[str, str, str, str]  # case, variant, device, environment


def keras_part(versions: dict[str, Any]) -> str:
    """The Keras transformers' TF models drive: tf-keras where installed, else the Keras 2 inside TF <= 2.15
    (the `keras` package of TF's own minor), else none."""
    if versions.get("tf-keras"):
        return f"tf-keras {versions['tf-keras']}"
    keras = versions.get("keras")
    if keras and str(keras).startswith("2."):
        return f"keras {keras}"
    return "tf-keras none"


def hardware(record: RunRecord) -> str:
    """The machine a record's timings and memory belong to, as a reader names it: the GPU card(s) for a GPU
    record ("NVIDIA H200 140 GiB"), the CPU model and its core count for a CPU record."""
    env = record.env or {}
    if record.device == "gpu" and env.get("gpus"):
        return " + ".join(f"{g.get('name', '?')} {round((g.get('memory_total_mib') or 0) / 1024)} GiB"
                          for g in env["gpus"])
    cpu = str(env.get("cpu") or "unknown CPU")
    return f"{cpu} × {env['cpu_count']}" if env.get("cpu_count") else cpu


def hardware_identity(record: RunRecord) -> tuple[Any, ...]:
    """What must be equal for two records' timings and memory to be compared: the device class, the CPU model and
    the machine's core count (where recorded), and each GPU's name, memory and driver."""
    env = record.env or {}
    cards = tuple((g.get("name"), g.get("memory_total_mib"), g.get("driver")) for g in env.get("gpus") or []
                  if record.device == "gpu")
    return record.device, env.get("cpu"), env.get("cpu_count"), cards


def env_key(record: RunRecord) -> str:
    """The column of a record: TF / tf-keras (or TF's own Keras 2) / transformers versions, the hardware (CPU
    model, or GPU card) and the device class, and the machine where the record names one (FITBENCH_MACHINE:
    results of several machines merged stay apart)."""
    v = (record.env or {}).get("versions") or {}
    machine = (record.env or {}).get("machine")
    return (f"TF {v.get('tensorflow') or 'none'} · {keras_part(v)} · "
            f"transformers {v.get('transformers') or 'none'} · {record.device} · {hardware(record)}"
            + (f" · {machine}" if isinstance(machine, str) and machine else ""))


def group_records(records: Iterable[RunRecord]) -> dict[Key, list[RunRecord]]:
    groups: dict[Key, list[RunRecord]] = defaultdict(list)
    for r in records:
        groups[(r.case, r.variant, r.device, env_key(r))].append(r)
    return dict(groups)


def behaviour(record: RunRecord) -> str:
    """What a run did, as compared across versions: the symptom, and for a failure also the exception's type —
    `error` from an import that fails and `error` from a missing Keras function are different behaviours."""
    error_type = (record.error or {}).get("type")
    if record.observed in (ERROR, UNSUPPORTED, DATA_ERROR) and error_type:
        return f"{record.observed} ({error_type})"
    return record.observed


def majority(values: list[Any]) -> Any:
    """The most common value; a tie goes to False (the worse verdict), else to the first by name."""
    counts = Counter(values)
    best = max(counts.values())
    tied = [v for v in counts if counts[v] == best]
    return min(tied, key=lambda v: (v is not False, str(v)))


# where a worker's clock stood when it failed (the worker records `failed_in`) before the variant itself began:
# the process or its imports; "fitbench" where fitbench wrote no record at all; "install" where the environment
# did not install (the nightly's `unsupported` records)
BEFORE_THE_VARIANT = ("spawn", "imports", "fitbench", "install")


def runs_fitbench(record: RunRecord) -> bool:
    """Whether fitbench got as far as the variant itself in this record's environment: not `unsupported`, and not
    a failure before the variant began (transformers' TF models that cannot be imported, an install that failed)."""
    if record.observed == UNSUPPORTED:
        return False
    return record.diagnostics.get("failed_in") not in BEFORE_THE_VARIANT or record.observed == "ok"
