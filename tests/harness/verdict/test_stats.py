"""The paired statistics of confirmation: log ratios per round, the one-sided t test, Holm's correction, the
rounds' medians of a group, and the smallest slowdown a number of rounds can see."""
from __future__ import annotations

import math
import random

import pytest

from harness.verdict import stats


def test_log_ratios_are_signed_so_that_positive_is_worse_and_keep_never_as_infinity():
    assert stats.log_ratios([(1.0, 2.0)], sense=1) == [pytest.approx(math.log(2))]
    assert stats.log_ratios([(1.0, 2.0)], sense=-1) == [pytest.approx(-math.log(2))]   # samples/s rose: better
    assert stats.log_ratios([(12.0, math.inf)], sense=1) == [math.inf]
    assert stats.log_ratios([(0.0, 1.0), (math.nan, 1.0), (math.inf, math.inf)], sense=1) == []


def test_rounds_that_agree_decide_with_few_of_them():
    s = stats.paired([math.log(1.8), math.log(1.82), math.log(1.79)])
    assert s.n == 3 and s.ratio == pytest.approx(1.80, rel=0.01)
    assert s.p() < 1e-4 and s.lower(0.001) > 1.6


def test_no_change_is_not_significant_and_its_upper_bound_rules_out_a_large_slowdown():
    rng = random.Random(3)
    s = stats.paired([rng.gauss(0, 0.03) for _ in range(7)])
    assert s.p() > 0.01 and s.upper(stats.RULE_OUT) < 1.10


def test_the_false_alarm_rate_of_one_test_is_its_alpha():
    rng = random.Random(7)
    hits = sum(stats.paired([rng.gauss(0, 0.1) for _ in range(5)]).p() < 0.05 for _ in range(4000))
    assert 0.035 < hits / 4000 < 0.065


def test_the_smallest_visible_slowdown_shrinks_with_rounds_and_grows_with_spread():
    few, many = stats.Paired(3, 0.0, 0.05), stats.Paired(12, 0.0, 0.05)
    assert many.smallest_visible(0.001) < few.smallest_visible(0.001)
    assert stats.Paired(12, 0.0, 0.15).smallest_visible(0.001) > many.smallest_visible(0.001)
    assert math.isinf(stats.Paired(1, 0.0, 0.05).smallest_visible(0.001))


def test_holm_rejects_step_down_over_the_whole_family():
    p = {"a": 0.001, "b": 0.006, "c": 0.2}
    assert stats.holm(p, alpha=0.01, family=3) == {"a"}          # 0.001 <= 0.01/3, 0.006 > 0.01/2
    assert stats.holm(p, alpha=0.01, family=2) == {"a", "b"}     # 0.001 <= 0.005, 0.006 <= 0.01
    assert stats.holm({"a": 0.004}, alpha=0.01, family=4) == set()   # the family counts tests not yet looked at


def test_a_groups_round_medians_ignore_one_variants_own_slowdown():
    flat = [{1: 0.0, 2: 0.01, 3: -0.01} for _ in range(3)]
    one_slow = [*flat, {1: 0.5, 2: 0.5, 3: 0.5}]
    assert max(stats.round_medians(one_slow)) < 0.02
    assert stats.round_medians([{1: 0.1}, {1: 0.2}, {2: 0.3}]) == [pytest.approx(0.15)]  # round 2 has one value


def test_looks_end_with_the_last_round():
    assert stats.looks_within(20) == [3, 5, 7, 10, 14, 20]
    assert stats.looks_within(6) == [3, 5, 6]
