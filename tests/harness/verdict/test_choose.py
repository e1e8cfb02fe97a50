"""Which suspects a night re-measures: evidence relative to noise, added over a variant's measurements (never
twice for one measurement), one variant per case first, as many as the budget carries."""
from __future__ import annotations

import math

import pytest

from harness.verdict.choose import choose_variants, evidence
from harness.verdict.findings import PERFORMANCE, REGRESSION, SUSPECT, Finding


def suspect(variant: str, metric: str, ratio: float, threshold: float = 0.1) -> Finding:
    return Finding(PERFORMANCE, REGRESSION, metric, [variant], "cpu", status=SUSPECT, metric=metric, ratio=ratio,
                   threshold=threshold)


def test_a_slowdown_on_both_clocks_outranks_a_larger_one_on_the_noisy_clock_alone():
    both = [suspect("a:real", "step_time_median_s", 1.2), suspect("a:real", "step_cpu_median_s", 1.2)]
    noisy = [suspect("b:noise", "step_time_median_s", 1.35)]
    chosen, _ = choose_variants(noisy + both, {}, 1, 1e9, 5)
    assert chosen == ["a:real"]


def test_one_measurement_counts_once():
    derived = [suspect("a:v", "step_time_median_s", 1.3), suspect("a:v", "samples_per_s", 1 / 1.3)]
    other = [suspect("b:v", "step_time_median_s", 1.4)]
    assert choose_variants(derived + other, {}, 1, 1e9, 5)[0] == ["b:v"]


def test_a_metric_that_spreads_across_variants_tonight_weighs_less():
    f = suspect("a:v", "step_time_median_s", 1.3)
    assert evidence(f, {"step_time_median_s": 0.3}) < evidence(f) == evidence(f, {"step_time_median_s": 0.01})


def test_one_per_case_first_and_the_budget_decides_how_many():
    found = [suspect("a:1", "step_time_median_s", 2.0), suspect("a:2", "step_time_median_s", 1.9),
             suspect("b:1", "step_time_median_s", 1.2)]
    chosen, reason = choose_variants(found, {"a:1": 10, "a:2": 10, "b:1": 10}, 2, 1e9, 5)
    assert chosen == ["a:1", "b:1"] and "2 of 3 variants" in reason
    expensive = {"a:1": 100, "a:2": 10, "b:1": 300}
    chosen, _ = choose_variants(found, expensive, 6, budget_s=(40 + 110) * 5, min_rounds=5)
    assert chosen == ["a:2", "a:1"]   # b:1 would not let five rounds fit the budget; a:2 buys more per second


def test_what_a_nights_seconds_buy_ranks_a_cheap_variant_before_an_expensive_one_with_the_same_evidence():
    found = [suspect("distil:a", "step_time_median_s", 1.3), suspect("tiny:a", "step_time_median_s", 1.3)]
    costs = {"distil:a": 60.0, "tiny:a": 7.0}
    assert choose_variants(found, costs, 1, 1e9, 5)[0] == ["tiny:a"]
    # three times the evidence (√(60/7) ≈ 2.9) and the expensive one comes first again
    louder = [suspect("distil:a", "step_time_median_s", 1.3 ** 3), suspect("tiny:a", "step_time_median_s", 1.3)]
    assert choose_variants(louder, costs, 1, 1e9, 5)[0] == ["distil:a"]


def test_a_slowdown_counts_against_what_every_variant_moved_tonight():
    """On a machine 7 % faster than the baseline's (every step × 0.93), one variant's +7 % step is +15 % against
    the others: it outranks a +12 % first step, on a clock that did not move tonight."""
    hidden = suspect("a:hidden", "step_time_median_s", 1.07)
    plain = suspect("b:plain", "time_to_first_step_s", 1.12)
    moved = {"step_time_median_s": math.log(0.93)}
    assert evidence(hidden, moves=moved) == pytest.approx(math.log(1.07 / 0.93) / math.log(1.1))
    assert evidence(hidden) < evidence(plain) == evidence(plain, moves=moved) < evidence(hidden, moves=moved)
    assert choose_variants([plain, hidden], {}, 1, 1e9, 5)[0] == ["b:plain"]
    assert choose_variants([plain, hidden], {}, 1, 1e9, 5, moves=moved)[0] == ["a:hidden"]
    slower = {"step_time_median_s": math.log(1.05)}   # tonight slower for all: a slowdown keeps its own size
    assert evidence(hidden, moves=slower) == evidence(hidden)
