"""The per-version timeline: for each case, the observed symptom by library version.

asv's dashboard puts commits on the x axis; what a user asks is "since which transformers (or TensorFlow)
release does this happen". Here the x axis is the versions of one library (the one the records vary most:
transformers for a bisect, either for a matrix), and each other-library pin (TF version, and which Keras that
TF drives) is one band: a table row per (variant, pin) and one line per pin in the plot. A cell shows the
symptom, and where it changed from the previous version on the same band, an arrow.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from harness.env.packages import version_key
from harness.report.common import Block, Context, Section
from harness.results.groups import behaviour
from harness.results.records import RunRecord
from harness.spec.symptoms import VOCABULARY

AXES = ("transformers", "tensorflow")
CSS = {"ok": "ok", "plateau": "warn", "unsupported": "na", "not_applicable": "na"}


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
    return f"{text} · {record.device}"


def timeline(records: list[RunRecord], axis: str) -> dict[tuple[str, str, str], dict[str, list[str]]]:
    """(case, variant, band) -> {axis version: [behaviour, ...]}."""
    out: dict[tuple[str, str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        version = _versions(r).get(axis) or "none"
        out[(r.case, r.variant, band(r, axis))][version].append(behaviour(r))
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
            s = _symptom(by_version[ver])
            cells.append(s if previous in (None, s) else f"→ {s}")
            classes.append(CSS.get(s.split(" (")[0], "bad"))
            previous = s
        rows[f"{variant} · {pin}"] = cells
        css[f"{variant} · {pin}"] = classes
    df = pd.DataFrame.from_dict(rows, orient="index", columns=[f"{axis} {c}" for c in columns])
    return {"kind": "table", "index": f"{case}: variant · pin", "df": df,
            "css": pd.DataFrame.from_dict(css, orient="index", columns=df.columns), "titles": None}


def plot(records: list[RunRecord], axis: str, case: str, out: Path) -> Path | None:
    """One panel: symptom (categorical y) by version (x), one line per (variant, pin)."""
    lines = {k: v for k, v in timeline(records, axis).items() if k[0] == case}
    columns = sorted({ver for v in lines.values() for ver in v}, key=version_key)
    if len(columns) < 2:
        return None
    used = sorted({_symptom(o) for v in lines.values() for o in v.values()},
                  key=lambda s: (VOCABULARY.index(s.split(" (")[0]) if s.split(" (")[0] in VOCABULARY
                                 else len(VOCABULARY), s))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.5 * len(columns) + 3), 1.2 + 0.45 * len(used)))
    ax.set_prop_cycle(color=plt.cm.tab20.colors)  # a matrix has more bands than the default 10 colours
    for i, ((_, variant, pin), by_version) in enumerate(sorted(lines.items())):
        xs = [columns.index(v) for v in sorted(by_version, key=version_key)]
        ys = [used.index(_symptom(by_version[columns[x]])) + 0.06 * (i - len(lines) / 2) for x in xs]
        ax.plot(xs, ys, marker="o", label=f"{variant} · {pin}")
    ax.set_xticks(range(len(columns)), columns, rotation=60, fontsize=8)
    ax.set_yticks(range(len(used)), used)
    ax.set_xlabel(axis)
    ax.set_title(f"{case}: observed symptom by {axis} version")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    path = out / f"timeline-{case}.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def build(ctx: Context) -> Section:
    """The report section; says so in one line when the records hold a single version of every library."""
    records, out = ctx.records, ctx.out
    axis = pick_axis(records)
    if axis is None:
        return "Timeline by library version", [{"kind": "p", "text": "All records come from one TF / transformers "
                                                 "pair: no timeline. Give `fitbench report` records of several "
                                                 "versions (results/bisect/*.jsonl, asv results)."}]
    blocks: list[Block] = [{"kind": "p", "text": f"Observed symptom by {axis} version, one row (table) and "
                                     f"one line (plot) per variant and other-library pin. → marks a change from "
                                     f"the previous {axis} version on the same row."}]
    for case in sorted({r.case for r in records}):
        blocks.append({"kind": "h3", "text": case})
        blocks.append(table_block(records, axis, case))
        png = plot(records, axis, case, out)
        if png:
            blocks.append({"kind": "img", "src": png.name, "alt": f"{case} timeline"})
    return "Timeline by library version", blocks
