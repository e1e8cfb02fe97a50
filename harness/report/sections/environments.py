"""The environments page: per column, its exact environment (library versions, TF build, Keras driven, CPU, GPU
and driver) as a table a reader scans — the libraries that define the column first — and the warnings its runs
printed."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pandas as pd

from harness.report.common import Block, Context, Section
from harness.report.warnings import warning_blocks
from harness.results.groups import env_key
from harness.spec.sections import ENVIRONMENTS, renders


def merged_envs(envs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], int, list[str]]]:
    """The distinct environments of one column, as (env, number of records, keys some records lack). Two
    descriptions that agree on every key both have are one environment: a skipped record is described by
    the parent process, which has no `tf_build` (it never imports TensorFlow), and must not split it in two."""
    merged: list[tuple[dict[str, Any], int, set[str]]] = []
    counts = Counter(json.dumps(e, sort_keys=True) for e in envs)
    for text, n in sorted(counts.items(), key=lambda kv: (-len(json.loads(kv[0])), kv[0])):  # fullest first
        env = json.loads(text)
        for i, (known, m, lacking) in enumerate(merged):
            if all(known[k] == env[k] for k in known.keys() & env.keys()):
                merged[i] = ({**env, **known}, m + n, lacking | (known.keys() - env.keys()))
                break
        else:
            merged.append((env, n, set()))
    return [(env, n, sorted(lacking)) for env, n, lacking in merged]


FIRST = ("tensorflow", "tf-keras", "keras", "transformers", "python")


def _text(value: Any) -> str:
    """A value of an environment description as words: a dict as "key value · …", a list one item after another."""
    if isinstance(value, dict):
        return " · ".join(f"{k} {_text(v)}" for k, v in value.items()) or "–"
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value) or "none"
    return "–" if value is None else str(value)


def env_table(described: dict[str, Any]) -> pd.DataFrame:
    """One row per library version (the ones that define a column first), then one per other part of the
    description (the CPU, GPUs, the TF build, the Keras driven, …)."""
    versions = dict(described.get("versions") or {})
    rows = [{"what": name, "value": str(versions.pop(name))} for name in FIRST if name in versions]
    rows += [{"what": name, "value": str(value)} for name, value in sorted(versions.items())]
    rows += [{"what": key, "value": _text(value)} for key, value in sorted(described.items()) if key != "versions"]
    return pd.DataFrame(rows)


@renders("environments", ENVIRONMENTS)
def page_sections(ctx: Context) -> list[Section]:
    """One section per environment (anchor env-N, as on the front page): its whole identity, whether fitbench
    runs there, its exact description, and the warnings its runs printed."""
    records = ctx.records
    warned = warning_blocks(ctx)
    out: list[Section] = []
    for column in ctx.columns:
        fix = f" — likely fix: {column.fix}" if column.fix else ""
        status = "fitbench runs here." if column.runs else f"fitbench cannot run here: {column.reason}{fix}"
        blocks: list[Block] = [{"kind": "p", "text": f"{column.key}. {status}"}]
        for described, n, lacking in merged_envs([r.env for r in records if env_key(r) == column.key]):
            note = f" (some lack {', '.join(lacking)}: skipped records are described without TensorFlow)" \
                if lacking else ""
            blocks += [{"kind": "p", "text": f"{n} record(s){note}:"},
                       {"kind": "table", "df": (table := env_table(described)),
                        "css": pd.DataFrame("text", index=table.index, columns=table.columns)}]  # versions read left
        blocks += warned.get(column.key, [])
        out.append((f"{column.label} · {column.title}", blocks, column.anchor))
    return out
