"""What changed between two results files: flipped symptoms, fixes that stopped working, chapter claims that
started or stopped holding, and numeric changes beyond *measured* noise.

Records with the same (case, variant, device, environment) are repeats and are grouped. A numeric change
counts when the relative change of the medians exceeds max(5 %, k × MAD / median), where the MAD pools the
deviations of every side that has two or more repeats; with a single repeat on both sides only a floor is
left (5 %, or 15 % for wall-clock timings, whose noise here exceeds 5 %), and the result says so. A current
group whose exact environment is not in the baseline is matched to the baseline's only environment for the
same (case, variant, device): that is how a library upgrade shows up. Where the two sides were made by
different fitbench code (records name theirs), the result says so: a moved timing may then be fitbench's own.
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from harness.env.code import describe_code
from harness.results import metrics
from harness.results.fmt import value_text
from harness.results.groups import Key, behaviour, group_records, majority
from harness.results.noise import FLOOR, K, TIMING_FLOOR_UNMEASURED, beyond_noise
from harness.results.records import RunRecord, read_records


def _item(key: Key, what: str, baseline: Any, current: Any, **extra: Any) -> dict[str, Any]:
    case, variant, device, env = key
    return {"case": case, "variant": variant, "device": device, "env": env, "what": what,
            "baseline": baseline, "current": current, **extra}


def compare_symptoms(key: Key, base: list[RunRecord], cur: list[RunRecord], out: dict[str, list]) -> bool:
    """Symptom, fix and claim changes of one matched group; returns True where the symptom is unchanged."""
    b_obs, c_obs = majority([r.observed for r in base]), majority([r.observed for r in cur])
    claim = cur[0].claim
    for name, group in (("baseline", base), ("current", cur)):
        seen = Counter(r.observed for r in group)
        if len(seen) > 1:
            out["changes"].append(_item(key, f"repeats disagree in {name}", dict(Counter(r.observed for r in base)),
                                        dict(Counter(r.observed for r in cur))))
            break
    b_fix, c_fix = majority([r.fix_works for r in base]), majority([r.fix_works for r in cur])
    b_agree, c_agree = majority([r.agrees for r in base]), majority([r.agrees for r in cur])
    if b_fix is True and c_fix is False:
        out["regressions"].append(_item(key, f"fix stopped working (chapter: {claim})", b_obs, c_obs))
    elif b_fix is False and c_fix is True:
        out["improvements"].append(_item(key, "fix works again", b_obs, c_obs))
    elif b_agree and not c_agree:
        out["regressions"].append(_item(key, f"chapter claim stopped holding (chapter: {claim})", b_obs, c_obs,
                                        notes=[n for r in cur for n in r.notes][:3]))
    elif c_agree and not b_agree:
        out["improvements"].append(_item(key, f"chapter claim holds again (chapter: {claim})", b_obs, c_obs))
    elif b_obs != c_obs:
        out["changes"].append(_item(key, "symptom flipped", b_obs, c_obs))
    b_beh, c_beh = majority([behaviour(r) for r in base]), majority([behaviour(r) for r in cur])
    if b_obs == c_obs and b_beh != c_beh:  # the same symptom from another exception: another behaviour
        out["changes"].append(_item(key, "error type changed", b_beh, c_beh))
    return b_obs == c_obs


def metric_values(records: list[RunRecord], metric: metrics.Metric) -> list[float]:
    """Numeric values of `metric` over repeats; for steps/seconds to threshold, a completed None is ∞ (never)."""
    values = []
    for r in records:
        value = metric.value(r)
        if value is None and metric.never and metric.name in r.metrics and r.outcome == "completed":
            value = float("inf")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values.append(float(value))
    return values


def _metrics_present(base: list[RunRecord], cur: list[RunRecord]) -> list[metrics.Metric]:
    names = {m for r in base + cur for m in r.metrics}
    return [m for m in metrics.compared() if m.name in names]


def compare_metric(key: Key, role: str, metric: metrics.Metric, b: list[float], c: list[float], k: float,
                   out: dict[str, Any]) -> None:
    if not b or not c:
        if b or c:
            out["changes"].append(_item(key, f"{metric.name} measured only in {'baseline' if b else 'current'}",
                                        _median(b), _median(c)))
        return
    sense = 0 if role == "broken" and metric.quality else metric.sense
    counts, rel, threshold, mad_rel = beyond_noise(b, c, metric.timing, k)
    out["noise"]["metrics"].append({"case": key[0], "variant": key[1], "env": key[3], "metric": metric.name,
                                    "threshold": threshold, "mad_rel": mad_rel, "n_baseline": len(b),
                                    "n_current": len(c)})
    if not counts:
        return
    floor = TIMING_FLOOR_UNMEASURED if metric.timing else FLOOR
    item = _item(key, metric.name, _median(b), _median(c), rel_change=rel if abs(rel) != float("inf") else None,
                 threshold=threshold,
                 noise="measured" if mad_rel is not None else f"single repeat: {floor:.0%} floor")
    bucket = "changes" if not sense else ("regressions" if sense * rel > 0 else "improvements")
    out[bucket].append(item)


def _median(values: list[float]) -> float | str | None:
    return _finite(statistics.median(values)) if values else None


def _finite(x: float) -> float | str:
    return x if abs(x) != float("inf") else ("never" if x > 0 else "-inf")


def match_groups(base: dict[Key, list[RunRecord]], cur: dict[Key, list[RunRecord]],
                 out: dict[str, Any]) -> list[tuple[Key, Key]]:
    """Pairs (baseline key, current key); unmatched groups and environment changes become `changes`."""
    by_triple: dict[tuple[str, str, str], list[Key]] = defaultdict(list)
    for kb in base:
        by_triple[kb[:3]].append(kb)
    pairs, env_moves = [], set()
    for kc in cur:
        candidates = [kc] if kc in base else by_triple.get(kc[:3], [])
        if len(candidates) == 1:
            pairs.append((candidates[0], kc))
            if candidates[0] != kc:
                env_moves.add((candidates[0][3], kc[3]))
        else:
            out["changes"].append(_item(kc, "not in baseline", None, majority([r.observed for r in cur[kc]])))
    matched = {kb for kb, _ in pairs}
    for kb in base:
        if kb not in matched:
            out["changes"].append(_item(kb, "not in current", majority([r.observed for r in base[kb]]), None))
    for old, new in sorted(env_moves):
        out["changes"].insert(0, {"case": "*", "variant": "*", "what": "environment", "baseline": old,
                                  "current": new})
    return pairs


def compare_records(base_records: list[RunRecord], cur_records: list[RunRecord], k: float = K) -> dict[str, Any]:
    out: dict[str, Any] = {"regressions": [], "improvements": [], "changes": [],
                           "noise": {"k": k, "floor": FLOOR, "metrics": []}}
    base, cur = group_records(base_records), group_records(cur_records)
    for kb, kc in match_groups(base, cur, out):
        same_symptom = compare_symptoms(kc, base[kb], cur[kc], out)
        if not same_symptom or cur[kc][0].outcome == "skipped":
            continue  # a flipped symptom explains its numbers; comparing them would only add noise
        alone = all(ran_alone(r) for r in base[kb] + cur[kc])
        for metric in _metrics_present(base[kb], cur[kc]):
            if metric.timing and not alone:  # a neighbour's work is in these numbers: never a regression
                out["noise"]["beside_others"] = out["noise"].get("beside_others", 0) + 1
                continue
            compare_metric(kc, cur[kc][0].role, metric, metric_values(base[kb], metric),
                           metric_values(cur[kc], metric), k, out)
    code = code_sides(base_records, cur_records)
    if code:
        out["code"] = code
    noise = out["noise"]
    single = [m for m in noise["metrics"] if m["mad_rel"] is None]
    noise.update(compared=len(noise["metrics"]), single_repeat=len(single),
                 repeats={"baseline": _repeat_counts(base), "current": _repeat_counts(cur)})
    return out


def code_sides(base: list[RunRecord], cur: list[RunRecord]) -> dict[str, list[str]] | None:
    """Which fitbench made each side, where the two differ ({"baseline": [...], "current": [...]}), else None:
    a timing that moved between two fitbench versions may be fitbench's own doing, not the libraries'."""
    def identities(records: list[RunRecord]) -> dict[Any, dict[str, Any] | None]:
        out: dict[Any, dict[str, Any] | None] = {}
        for r in records:
            identity = (r.env or {}).get("fitbench")
            out.setdefault((identity or {}).get("code"), identity)
        return out

    b, c = identities(base), identities(cur)
    if set(b) == set(c):
        return None  # the same code on both sides (or neither says which: nothing to tell)
    return {"baseline": sorted(describe_code(i) for i in b.values()),
            "current": sorted(describe_code(i) for i in c.values())}


def ran_alone(record: RunRecord) -> bool:
    """Whether a record's timings are its own: it ran with no other variant beside it (records written before
    `--jobs` existed always did)."""
    return record.metrics.get("ran_alone") is not False


def _repeat_counts(groups: dict[Key, list[RunRecord]]) -> dict[str, int]:
    counts = Counter(len(g) for g in groups.values())
    return {str(n): counts[n] for n in sorted(counts)}


def compare_files(baseline: Path, current: Path, k: float = K) -> dict[str, Any]:
    """Raises CorruptResults for a missing, corrupt or empty file (the CLI turns it into exit 2)."""
    from harness.results.records import CorruptResults

    loaded = []
    for path in (baseline, current):
        records = read_records([path])
        if not records:
            raise CorruptResults(f"{path}: no records")
        loaded.append(records)
    result = compare_records(*loaded, k=k)
    result["files"] = {"baseline": str(baseline), "current": str(current)}
    return result


def _line(item: dict[str, Any]) -> str:
    where = "" if item["case"] == "*" else f"{item['case']}:{item['variant']} [{item.get('device', '')}]  "
    text = f"  {where}{item['what']}: {value_text(item['baseline'])} → {value_text(item['current'])}"
    if item.get("rel_change") is not None:
        text += f"  ({item['rel_change']:+.1%}, threshold {item['threshold']:.1%}, {item['noise']})"
    elif "threshold" in item:
        text += f"  ({item['noise']})"
    return text


def code_note(code: dict[str, list[str]]) -> str:
    return (f"fitbench itself differs: baseline made by {', '.join(code['baseline'])}; current by "
            f"{', '.join(code['current'])}. A timing or memory change may be fitbench's own, not the libraries' "
            f"(run the baseline's environment again with this fitbench to tell).")


def render(result: dict[str, Any]) -> str:
    """The human-readable summary: regressions first, then improvements, other changes and the noise used."""
    lines = []
    files = result.get("files")
    if files:
        lines.append(f"baseline: {files['baseline']}\ncurrent:  {files['current']}")
    for bucket, title in (("regressions", "REGRESSIONS"), ("improvements", "improvements"), ("changes", "changes")):
        items = result[bucket]
        lines.append(f"{title} ({len(items)})" + (":" if items else ""))
        lines.extend(_line(item) for item in items)
    noise = result["noise"]
    lines.append(f"noise: {noise.get('compared', 0)} metric comparisons, threshold max({noise['floor']:.0%}, "
                 f"{noise['k']:g} × MAD/median); repeats per group baseline {noise.get('repeats', {}).get('baseline')}"
                 f", current {noise.get('repeats', {}).get('current')}")
    if result.get("code"):
        lines.append(code_note(result["code"]))
    if noise.get("beside_others"):
        lines.append(f"  {noise['beside_others']} timing comparisons left out: those runs shared the machine "
                     f"(--jobs); only timings of variants that ran alone are compared")
    if noise.get("single_repeat"):
        lines.append(f"  {noise['single_repeat']} comparisons had a single repeat on both sides: only the "
                     f"{noise['floor']:.0%} floor applies ({TIMING_FLOOR_UNMEASURED:.0%} for timings; "
                     f"run with --repeats N to measure noise)")
    return "\n".join(lines)
