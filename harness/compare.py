"""What changed between two results files: flipped symptoms, fixes that stopped working, chapter claims that
started or stopped holding, and numeric changes beyond *measured* noise.

Records with the same (case, variant, device, environment) are repeats and are grouped. A numeric change
counts when the relative change of the medians exceeds max(5 %, k × MAD / median), where the MAD pools the
deviations of every side that has two or more repeats; with a single repeat on both sides only a floor is
left (5 %, or 15 % for wall-clock timings, whose noise here exceeds 5 %), and the result says so. A current
group whose exact environment is not in the baseline is matched to the baseline's only environment for the
same (case, variant, device): that is how a library upgrade shows up.
"""
from __future__ import annotations

import os
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterable

from harness.records import RunRecord, read_records

FLOOR = 0.05
# Wall-clock metrics with one repeat per side have no measured noise. On this shared 2-core machine the same
# run's samples/s moved by more than 5 % between back-to-back runs, so a lone timing must move by more than
# this before it counts; with --repeats the measured k × MAD takes over (README, "Measured false-alarm rate").
TIMING_FLOOR_UNMEASURED = 0.15
TIMING = ("samples_per_s", "time_to_first_step_s", "seconds_to_threshold", "compile_and_warmup_s")
K = float(os.environ.get("FITBENCH_NOISE_K", "3"))  # the k of max(5 %, k × MAD/median)
HIGHER_WORSE = ("final_loss", "steps_to_threshold", "seconds_to_threshold")
LOWER_WORSE = ("val_accuracy", "mfu")
NEUTRAL = ("eager_over_graph_throughput", "initial_loss", "val_loss", "min_loss", "found_batch_size", "n_params")
QUALITY = ("final_loss", "val_accuracy", "steps_to_threshold", "seconds_to_threshold", "min_loss", "val_loss")
NEVER = ("steps_to_threshold", "seconds_to_threshold")  # None means "never reached the threshold"

Key = tuple[str, str, str, str]  # case, variant, device, environment


def env_key(record: RunRecord) -> str:
    """The column of a record: TF / tf-keras / transformers versions and the device class."""
    v = (record.env or {}).get("versions") or {}
    return (f"TF {v.get('tensorflow') or 'none'} · tf-keras {v.get('tf-keras') or 'none'} · "
            f"transformers {v.get('transformers') or 'none'} · {record.device}")


def group_records(records: Iterable[RunRecord]) -> dict[Key, list[RunRecord]]:
    groups: dict[Key, list[RunRecord]] = defaultdict(list)
    for r in records:
        groups[(r.case, r.variant, r.device, env_key(r))].append(r)
    return dict(groups)


def direction(metric: str) -> int | None:
    """+1: higher is worse, -1: lower is worse, 0: neutral, None: not compared (tokens/s and step times are
    samples/s in other units: comparing them too would only multiply the chances of a false alarm)."""
    if metric in HIGHER_WORSE or metric.endswith(("_mib", "time_to_first_step_s")):
        return 1
    if metric in LOWER_WORSE or metric.endswith("samples_per_s"):
        return -1
    return 0 if metric in NEUTRAL else None


def majority(values: list[Any]) -> Any:
    """The most common value; a tie goes to False (the worse verdict), else to the first by name."""
    counts = Counter(values)
    best = max(counts.values())
    tied = [v for v in counts if counts[v] == best]
    return min(tied, key=lambda v: (v is not False, str(v)))


def noise_threshold(base: list[float], cur: list[float], k: float = K,
                    floor: float = FLOOR) -> tuple[float, float | None]:
    """(relative threshold, relative MAD or None where no side has repeats; then `floor` is the threshold)."""
    deviations: list[float] = []
    for side in (base, cur):
        if len(side) >= 2:
            med = statistics.median(side)
            deviations.extend(abs(x - med) for x in side)
    if not deviations:
        return floor, None
    scale = abs(statistics.median(base)) or abs(statistics.median(cur)) or 1.0
    mad_rel = statistics.median(deviations) / scale
    return max(FLOOR, k * mad_rel), mad_rel


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
    return b_obs == c_obs


def metric_values(records: list[RunRecord], metric: str) -> list[float]:
    """Numeric values of `metric` over repeats; for steps/seconds to threshold, a completed None is ∞ (never)."""
    values = []
    for r in records:
        value = r.metrics.get(metric)
        if value is None and metric in NEVER and metric in r.metrics and r.outcome == "completed":
            value = float("inf")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values.append(float(value))
    return values


def _metric_names(base: list[RunRecord], cur: list[RunRecord]) -> list[str]:
    names = {m for r in base + cur for m in r.metrics}
    return sorted(m for m in names if direction(m) is not None)


def compare_metric(key: Key, role: str, metric: str, b: list[float], c: list[float], k: float,
                   out: dict[str, Any]) -> None:
    if not b or not c:
        if b or c:
            out["changes"].append(_item(key, f"{metric} measured only in {'baseline' if b else 'current'}",
                                        _median(b), _median(c)))
        return
    mb, mc = statistics.median(b), statistics.median(c)
    sense = 0 if role == "broken" and metric in QUALITY else direction(metric)
    if mb == mc:
        rel = 0.0
    elif float("inf") in (abs(mb), abs(mc)) or mb == 0:
        rel = float("inf") if mc > mb else float("-inf")
    else:
        rel = (mc - mb) / abs(mb)
    floor = TIMING_FLOOR_UNMEASURED if metric.endswith(TIMING) else FLOOR
    threshold, mad_rel = noise_threshold(b, c, k, floor) if abs(rel) != float("inf") else (FLOOR, None)
    out["noise"]["metrics"].append({"case": key[0], "variant": key[1], "env": key[3], "metric": metric,
                                    "threshold": threshold, "mad_rel": mad_rel, "n_baseline": len(b),
                                    "n_current": len(c)})
    if abs(rel) <= threshold:
        return
    item = _item(key, metric, _median(b), _median(c), rel_change=rel if abs(rel) != float("inf") else None,
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
        for metric in _metric_names(base[kb], cur[kc]):
            compare_metric(kc, cur[kc][0].role, metric, metric_values(base[kb], metric),
                           metric_values(cur[kc], metric), k, out)
    noise = out["noise"]
    single = [m for m in noise["metrics"] if m["mad_rel"] is None]
    noise.update(compared=len(noise["metrics"]), single_repeat=len(single),
                 repeats={"baseline": _repeat_counts(base), "current": _repeat_counts(cur)})
    return out


def _repeat_counts(groups: dict[Key, list[RunRecord]]) -> dict[str, int]:
    counts = Counter(len(g) for g in groups.values())
    return {str(n): counts[n] for n in sorted(counts)}


def compare_files(baseline: Path, current: Path, k: float = K) -> dict[str, Any]:
    """Raises CorruptResults for a missing, corrupt or empty file (the CLI turns it into exit 2)."""
    from harness.records import CorruptResults

    loaded = []
    for path in (baseline, current):
        records = read_records([path])
        if not records:
            raise CorruptResults(f"{path}: no records")
        loaded.append(records)
    result = compare_records(*loaded, k=k)
    result["files"] = {"baseline": str(baseline), "current": str(current)}
    return result


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}×{v}" for k, v in value.items())
    return "-" if value is None else str(value)


def _line(item: dict[str, Any]) -> str:
    where = "" if item["case"] == "*" else f"{item['case']}:{item['variant']} [{item.get('device', '')}]  "
    text = f"  {where}{item['what']}: {_fmt(item['baseline'])} → {_fmt(item['current'])}"
    if item.get("rel_change") is not None:
        text += f"  ({item['rel_change']:+.1%}, threshold {item['threshold']:.1%}, {item['noise']})"
    elif "threshold" in item:
        text += f"  ({item['noise']})"
    return text


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
    if noise.get("single_repeat"):
        lines.append(f"  {noise['single_repeat']} comparisons had a single repeat on both sides: only the "
                     f"{noise['floor']:.0%} floor applies ({TIMING_FLOOR_UNMEASURED:.0%} for timings; "
                     f"run with --repeats N to measure noise)")
    return "\n".join(lines)
