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


def env_key(record: RunRecord) -> str:
    """The column of a record: TF / tf-keras / transformers versions and the device class, and the machine where
    the record names one (FITBENCH_MACHINE: results of several machines merged stay apart)."""
    v = (record.env or {}).get("versions") or {}
    machine = (record.env or {}).get("machine")
    return (f"TF {v.get('tensorflow') or 'none'} · tf-keras {v.get('tf-keras') or 'none'} · "
            f"transformers {v.get('transformers') or 'none'} · {record.device}"
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
