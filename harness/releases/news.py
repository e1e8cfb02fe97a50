"""The report's first section on a night of new releases: what is new since last night, what changed, and for
each change the release where it happened, the error's informative line and the release notes.

Built from a night's result (harness/releases/night.py) and handed to the report as its preamble, so the
report's own sections stay about records.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from harness.releases.night import NightResult
from harness.report.common import Block, Section
from harness.results.errors import error_text


def _fmt(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}×{v}" for k, v in value.items())
    return "–" if value is None else str(value)


def news_section(result: NightResult) -> Section:
    versions = " · ".join(f"{p} {v or 'none'}" for p, v in result.releases.versions.items())
    last = (result.previous or {}).get("releases")
    if not last:
        new = "the first night: nothing to compare with yet."
    elif result.moved:
        new = "new since last night: " + ", ".join(f"{p} {o or 'none'} → {n or 'none'}"
                                                    for p, (o, n) in result.moved.items()) + "."
    else:
        new = f"nothing new since last night ({(result.previous or {}).get('date', '?')})."
    blocks: list[Block] = [{"kind": "p", "text": f"Tonight's releases: {versions}; {new}"}]
    for package, why in result.releases.why.items():
        blocks.append({"kind": "p", "text": f"{package}: {why}."})
    if result.install_error:
        blocks.append({"kind": "p", "text": f"This environment does not install; every variant is recorded "
                                            f"`unsupported`: {result.install_error.splitlines()[0][:300]}"})
    for entry in result.bisects:
        blocks += _bisect_blocks(entry)
    if result.compared:
        rows = [{"case:variant": f"{i['case']}:{i['variant']}", "what": i["what"], "last night": _fmt(i["baseline"]),
                 "tonight": _fmt(i["current"]), "kind": bucket.rstrip("s")}
                for bucket in ("regressions", "changes", "improvements") for i in result.compared[bucket]
                if i.get("case") != "*"]
        blocks.append({"kind": "h3", "text": f"What changed against last night's environment ({len(rows)})"})
        blocks.append({"kind": "table", "df": pd.DataFrame(rows)} if rows else
                      {"kind": "p", "text": "Nothing: every symptom, fix and number within noise."})
    return "New releases tonight", blocks


def _bisect_blocks(entry: dict[str, Any]) -> list[Block]:
    head = f"{entry['case_variant']}: {entry['package']} {entry['good']} → {entry['bad']}"
    lines = [entry["verdict"]]
    if entry.get("error"):
        lines.append("the error there: " + error_text(entry["error"], 300))
    if entry.get("release_notes"):
        lines.append(f"release notes: {entry['release_notes']}")
    if entry.get("pins"):
        lines.append("held: " + ", ".join(entry["pins"]))
    if entry.get("transcript"):
        lines.append(f"transcript: {entry['transcript']}")
    return [{"kind": "h3", "text": f"Bisected — {head}"}, {"kind": "pre", "text": "\n".join(lines)}]
