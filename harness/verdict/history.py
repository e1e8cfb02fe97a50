"""The last nights as evidence: a noise model that costs no extra run, and steps that persist.

A night keeps its records; the nights before tonight, on the same hardware, give each (variant, metric) a series
of per-night medians. Two uses:

* spread — the series' relative MAD, from `MIN_NIGHTS` nights on: tonight's suspect threshold becomes
  max(factor, k × that spread) instead of the factor alone (harness/verdict/noise.py), so a number that moves as
  much as it always does is not even a suspect.
* baseline — tonight's numbers are suspected against the median of the last BASELINE_NIGHTS nights, not last
  night's alone: after one slow night every number would otherwise look like an improvement, and a real
  regression that night would become the next baseline;
* steps — asv's own step detection (asv/step_detect.py: `detect_steps`, then `detect_regressions`) over the
  series and tonight's value. A regression step that began last night and held tonight is reported that morning
  as a *suspect*, re-measured like any other before it can fail anything (a machine that was slower for two
  nights steps too).

The nights themselves live in one store: a results folder's records files (.jsonl, one per night: everything a
run knows) and its index, `state.json`, which `fitbench nightly` writes after each night (harness/releases/
night.py) — read and written here, nowhere else. asv's results (`<machine>/<commit>-<env>.json`) are a view of
the same runs: benchmarks/benchmarks.py's tracks only look numbers up in the records of one suite run, so asv
keeps a numbers-only projection of them; `asv_nights` reads that view back as the same `Night`s, through the one
reader of records, so a History is built the same way from either (docs/nightly.md, "Where nights are kept").
"""
from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asv.step_detect import detect_regressions, detect_steps

from harness.results import metrics
from harness.results.asv_results import ASV_NOT_RESULTS, asv_run
from harness.results.groups import Key, group_records, hardware_identity
from harness.results.records import CorruptResults, RunRecord
from harness.results.reading import read_records
from harness.verdict.findings import PERFORMANCE, REGRESSION, SUSPECT, UNDECIDED, Finding
from harness.verdict.noise import factor_for, pooled_mad
from harness.verdict.performance import metric_values, ran_alone, sense_of

MIN_NIGHTS = 3
BASELINE_NIGHTS = 7
INDEX = "state.json"       # the store's index, in the nights' results folder
DATE = "%Y-%m-%d %H:%M:%S"  # local time, as the index has always written it


@dataclass(frozen=True)
class Night:
    """One night of the store: when it ran, the releases it ran, and the file of its records — a fitbench results
    file, or (`source` "asv") an asv results file, read as records through the case registry."""
    date: str
    file: Path
    releases: dict[str, str | None] = field(default_factory=dict, compare=False)
    source: str = "fitbench"


def read_index(folder: Path) -> dict[str, Any]:
    """The index of a results folder: {"last": the night tomorrow is judged against, "nights": every night, oldest
    first, "incomplete": a night cut short}; {} before the first night."""
    path = folder / INDEX
    return json.loads(path.read_text()) if path.is_file() else {}


def write_index(folder: Path, index: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / INDEX).write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")


def stored_nights(folder: Path) -> list[Night]:
    """The nights the index lists, oldest first, whose records file is still there."""
    return [Night(n["date"], Path(n["file"]), dict(n.get("releases") or {}))
            for n in read_index(folder).get("nights", []) if Path(n["file"]).is_file()]


def asv_nights(folder: Path, env_name: str | None = None) -> list[Night]:
    """asv's results under `folder` (any depth: asv keeps a folder per machine) as nights, oldest first: when its
    rows ran, the versions of its environment; only `env_name`'s where given (a matrix runs many a night)."""
    out = []
    for path in sorted(folder.rglob("*.json")):
        if path.name in ASV_NOT_RESULTS:
            continue
        try:
            run = asv_run(path)
        except CorruptResults:
            continue
        if run["ran_ms"] is not None and env_name in (None, run["env_name"]):
            out.append(Night(time.strftime(DATE, time.localtime(run["ran_ms"] / 1000)), path, run["versions"],
                             "asv"))
    return sorted(out, key=lambda n: n.date)


class History:
    """Per-night medians of each (case, variant, device, metric) over the nights given (a Night of the store, or
    a bare results file), oldest first; only records on `hardware` (a harness.results.groups.hardware_identity)
    that ran alone count. `registry` (the `cases` package) reads asv's nights."""

    def __init__(self, nights: list[Night | Path], hardware: tuple | None, registry: Any = None):
        self.files: list[Path] = []     # each night's records, oldest first
        self.series: dict[tuple[str, str, str, str], list[float | None]] = defaultdict(list)
        for night in nights:
            path = night.file if isinstance(night, Night) else Path(night)
            try:
                records = [r for r in read_records([path], registry=registry)
                           if hardware is None or hardware_identity(r) == hardware]
            except CorruptResults:
                continue
            if records:
                self._add(path, records)

    @property
    def nights(self) -> list[str]:
        """The nights' names (their records files'), oldest first."""
        return [f.name for f in self.files]

    def _add(self, night: Path, records: list[RunRecord]) -> None:
        index = len(self.files)
        self.files.append(night)
        for (case, variant, device, _), group in group_records(records).items():
            for metric in metrics.compared():
                if metric.timing and not all(ran_alone(r) for r in group):
                    continue
                values = metric_values(group, metric)
                if values:
                    series = self.series[(case, variant, device, metric.name)]
                    series.extend([None] * (index - len(series)))
                    series.append(statistics.median(values))

    def values(self, key: Key, metric: str) -> list[float]:
        return [v for v in self.series.get((*key[:3], metric), []) if v is not None]

    def spread(self, key: Key, metric: str) -> float | None:
        """The relative MAD of the per-night medians, where there are MIN_NIGHTS of them."""
        values = self.values(key, metric)
        return pooled_mad([values]) if len(values) >= MIN_NIGHTS else None

    def baseline(self, key: Key, metric: str) -> list[float] | None:
        """The last BASELINE_NIGHTS per-night medians, where there are MIN_NIGHTS of them; else None."""
        values = self.values(key, metric)[-BASELINE_NIGHTS:]
        return values if len(values) >= MIN_NIGHTS else None

    def persisting_steps(self, tonight: list[RunRecord], baseline: str | None = None) -> list[Finding]:
        """Regression steps that began last night and held tonight (asv's step detection over the nights), as
        suspects — or, where tonight's `baseline` file *is* the night the step began, undecided: re-measuring
        against it would compare two nights after the step and rule out a real one, so the finding names the
        baseline that can see it (the night before the step)."""
        began_in_baseline = bool(baseline) and len(self.files) > 1 and Path(baseline).name == self.nights[-1]
        out = []
        for key, group in group_records(tonight).items():
            for metric in metrics.compared():
                values = metric_values(group, metric)
                series = self.values(key, metric.name)
                if not values or len(series) < MIN_NIGHTS or not sense_of(metric, group[0].role):
                    continue
                step = _step(series + [statistics.median(values)], metric, group[0].role)
                if step is not None:
                    out.append(self._finding(key, metric, *step, began_in_baseline))
        return out

    def _finding(self, key: Key, metric: metrics.Metric, before: float, after: float,
                 began_in_baseline: bool) -> Finding:
        found = (f"a step since last night ({self.nights[-1]}) that held tonight: asv's step detection over "
                 f"{len(self.nights) + 1} nights")
        judged = (f"it began in tonight's baseline night, so re-measuring against it cannot see it: judge against "
                  f"the night before it (--baseline {self.files[-2]})" if began_in_baseline
                  else "re-measured before it counts")
        return Finding(PERFORMANCE, REGRESSION, metric.name, [f"{key[0]}:{key[1]}"], key[2], "", key[3],
                       before, after, status=UNDECIDED if began_in_baseline else SUSPECT, metric=metric.name,
                       ratio=after / before if before else None, threshold=factor_for(metric.timing),
                       reason=f"{found}; {judged}",
                       boundary=f"{self.nights[-2]} → {self.nights[-1]}" if len(self.nights) > 1 else "")


def _step(series: list[float], metric: metrics.Metric, role: str) -> tuple[float, float] | None:
    """(value before, value after) where the series' last step is a regression past the metric's factor that
    began the night before tonight (its last two values); else None. asv finds upward steps (worse times): a
    metric whose fall is worse is read as its reciprocal."""
    if any(not 0 < v < float("inf") for v in series):
        return None
    sense = sense_of(metric, role)
    y = series if sense > 0 else [1 / v for v in series]
    steps = detect_steps(y)
    _, _, positions = detect_regressions(steps, threshold=factor_for(metric.timing))
    if len(steps) < 2 or not positions or positions[-1][1] != len(series) - 2:
        return None
    before, after = positions[-1][2], steps[-1][2]
    if after <= before * (1 + factor_for(metric.timing)):
        return None
    return (before, after) if sense > 0 else (1 / before, 1 / after)
