"""The report's first section on a night of new releases: what is new since last night, what changed, and for
each change the release where it happened, the error's informative line and the release notes.

Built from a night's result (harness/releases/night.py) and handed to the report as its preamble, so the
report's own sections stay about records.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from harness.releases.night import NightResult
from harness.report.common import Block, Section
from harness.results.compare import code_note
from harness.results.errors import error_text
from harness.results.fmt import value_text


def news_section(result: NightResult) -> Section:
    versions = " · ".join(f"{p} {v or 'none'}" for p, v in result.releases.versions.items())
    previous = result.previous or {}
    # the first night has no last night: it compares with the newest environment already in the results
    since = (f"the newest environment already in the results ({Path(previous.get('file', '?')).name})"
             if previous.get("known") else "last night")
    if not previous.get("releases"):
        new = "the first night: nothing to compare with yet."
    elif result.moved:
        new = f"new since {since}: " + ", ".join(f"{p} {o or 'none'} → {n or 'none'}"
                                                 for p, (o, n) in result.moved.items()) + "."
    else:
        new = f"nothing new since {since}" + ("." if previous.get("known") else f" ({previous.get('date', '?')}).")
    blocks: list[Block] = [{"kind": "p", "text": f"Tonight's releases: {versions}; {new}"}]
    for package, why in result.releases.why.items():
        blocks.append({"kind": "p", "text": f"{package}: {why}."})
    if result.install_error:
        blocks.append({"kind": "p", "text": f"This environment does not install; every variant is recorded "
                                            f"`unsupported`: {result.install_error.splitlines()[0][:300]}"})
    for entry in result.bisects:
        blocks += _bisect_blocks(entry)
    if result.compared:
        blocks += _changes_blocks(result.compared, first_night=bool(previous.get("known")))
    return "New releases tonight", blocks


def _changes_blocks(compared: dict[str, Any], first_night: bool) -> list[Block]:
    then, against = ("before", "that environment") if first_night else ("last night", "last night's environment")
    rows = [{"case:variant": f"{i['case']}:{i['variant']}", "what": i["what"], then: value_text(i["baseline"]),
             "tonight": value_text(i["current"]), "kind": bucket.rstrip("s")}
            for bucket in ("regressions", "changes", "improvements") for i in compared[bucket] if i.get("case") != "*"]
    blocks: list[Block] = [{"kind": "h3", "text": f"What changed against {against} ({len(rows)})"}]
    if compared.get("code"):
        blocks.append({"kind": "p", "text": code_note(compared["code"])})
    blocks.append({"kind": "table", "df": pd.DataFrame(rows)} if rows else
                  {"kind": "p", "text": "Nothing: every symptom, fix and number within noise."})
    return blocks


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
