"""The per-version timeline: for each case, the observed symptom by library version.

asv's dashboard puts commits on the x axis; what a user asks is "since which transformers (or TensorFlow)
release does this happen". Here the x axis is the versions of one library (the one the records vary most:
transformers for a bisect, either for a matrix), and each other-library pin (TF version, and which Keras that
TF drives) is one band: a table row per (variant, pin). A cell shows the symptom, and where it changed from the
previous version on the same band, an arrow. The picture of the same facts is the case's symptom grid
(harness/report/grid.py): categories are cells there, not lines across a categorical axis.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from harness.env.packages import version_key
from harness.report.cells import verdict
from harness.report.common import Block, Context, Section, short_hardware
from harness.results.groups import behaviour, hardware
from harness.results.records import RunRecord
from harness.spec.sections import CASE, renders

AXES = ("transformers", "tensorflow")


def _versions(record: RunRecord) -> dict[str, Any]:
    return (record.env or {}).get("versions") or {}


def pick_axis(records: list[RunRecord]) -> str | None:
    """The library with the most distinct versions across the records; None when none varies."""
    counts = {lib: len({_versions(r).get(lib) for r in records}) for lib in AXES}
    lib = max(AXES, key=lambda name: counts[name])
    return lib if counts[lib] > 1 else None


def band(record: RunRecord, axis: str) -> str:
    """The other-library pin of a record: 'TF 2.15.1 (tf.keras (keras 2.15.0))', 'transformers 4.57.6', …"""
    v = _versions(record)
    if axis == "transformers":
        # from the versions, not env["keras"]: a run that failed at import has no Keras to describe
        tf = v.get("tensorflow") or "none"
        text = f"TF {tf}"
        if v.get("tf-keras"):
            text += f" + tf-keras {v['tf-keras']}"
        elif tf != "none":
            text += " (Keras 2 inside TF)" if version_key(tf) < version_key("2.16") else " without tf-keras"
    else:
        text = f"transformers {v.get('transformers') or 'none'}"
    return f"{text} · {record.device} · {short_hardware(hardware(record))}"  # machines stay apart


def timeline(records: list[RunRecord], axis: str) -> dict[tuple[str, str, str], dict[str, list[RunRecord]]]:
    """(case, variant, band) -> {axis version: [record, ...]}."""
    out: dict[tuple[str, str, str], dict[str, list[RunRecord]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        version = _versions(r).get(axis) or "none"
        out[(r.case, r.variant, band(r, axis))][version].append(r)
    return out


def _symptom(observed: list[str]) -> str:
    seen = sorted(set(observed))
    return seen[0] if len(seen) == 1 else "/".join(seen)


def table_block(records: list[RunRecord], axis: str, case: str) -> Block:
    lines = {k: v for k, v in timeline(records, axis).items() if k[0] == case}
    columns = sorted({ver for v in lines.values() for ver in v}, key=version_key)
    rows, css = {}, {}
    for (_, variant, pin), by_version in sorted(lines.items()):
        cells, classes, previous = [], [], None
        for ver in columns:
            if ver not in by_version:
                cells.append("")
                classes.append("")
                continue
            s = _symptom([behaviour(r) for r in by_version[ver]])
            cells.append(s if previous in (None, s) else f"→ {s}")
            classes.append(verdict(by_version[ver])[1])  # colour = the verdict, as in the matrix
            previous = s
        rows[f"{variant} · {pin}"] = cells
        css[f"{variant} · {pin}"] = classes
    df = pd.DataFrame.from_dict(rows, orient="index", columns=[f"{axis} {c}" for c in columns])
    return {"kind": "table", "index": f"{case}: variant · pin", "df": df,
            "css": pd.DataFrame.from_dict(css, orient="index", columns=df.columns), "titles": None}


@renders("timeline", CASE)
def case_section(ctx: Context) -> Section | None:
    """A case's timeline table; None when the records hold a single version of every library."""
    records = ctx.records
    axis = pick_axis(records)
    if axis is None or not records:
        return None
    text = (f"Observed symptom by {axis} version, one row per variant and other-library pin; → marks a change from "
            f"the previous {axis} version on the same row (the picture above shows the same per environment). "
            f"Colour = the verdict, as in the matrix.")
    return f"Timeline by {axis} version", [{"kind": "p", "text": text}, table_block(records, axis, records[0].case)]
