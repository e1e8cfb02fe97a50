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
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path

from asv.step_detect import detect_regressions, detect_steps

from harness.results import metrics
from harness.results.groups import Key, group_records, hardware_identity
from harness.results.records import CorruptResults, RunRecord
from harness.results.reading import read_records
from harness.verdict.findings import PERFORMANCE, REGRESSION, SUSPECT, Finding
from harness.verdict.noise import factor_for, pooled_mad
from harness.verdict.performance import metric_values, ran_alone, sense_of

MIN_NIGHTS = 3
BASELINE_NIGHTS = 7


class History:
    """Per-night medians of each (case, variant, device, metric) over the nights given, oldest first; only
    records on `hardware` (a harness.results.groups.hardware_identity) that ran alone count."""

    def __init__(self, files: list[Path], hardware: tuple | None):
        self.nights: list[str] = []
        self.series: dict[tuple[str, str, str, str], list[float | None]] = defaultdict(list)
        for path in files:
            try:
                records = [r for r in read_records([path]) if hardware is None or hardware_identity(r) == hardware]
            except CorruptResults:
                continue
            if records:
                self._add(path.name, records)

    def _add(self, night: str, records: list[RunRecord]) -> None:
        index = len(self.nights)
        self.nights.append(night)
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

    def persisting_steps(self, tonight: list[RunRecord]) -> list[Finding]:
        """Regression steps that began last night and held tonight (asv's step detection over the nights), as
        suspects."""
        out = []
        for key, group in group_records(tonight).items():
            for metric in metrics.compared():
                values = metric_values(group, metric)
                series = self.values(key, metric.name)
                if not values or len(series) < MIN_NIGHTS or not sense_of(metric, group[0].role):
                    continue
                step = _step(series + [statistics.median(values)], metric, group[0].role)
                if step is not None:
                    out.append(self._finding(key, metric, *step))
        return out

    def _finding(self, key: Key, metric: metrics.Metric, before: float, after: float) -> Finding:
        return Finding(PERFORMANCE, REGRESSION, metric.name, [f"{key[0]}:{key[1]}"], key[2], "", key[3],
                       before, after, status=SUSPECT, metric=metric.name, ratio=after / before if before else None,
                       threshold=factor_for(metric.timing),
                       reason=f"a step since last night ({self.nights[-1]}) that held tonight: asv's step "
                              f"detection over {len(self.nights) + 1} nights; re-measured before it counts")


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
