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
    equal3 = {k: 1.0 for k in "abc"}
    assert stats.holm(p, alpha=0.01, weights=equal3) == {"a"}                   # 0.001 <= 0.01/3, 0.006 > 0.01/2
    assert stats.holm({"a": 0.001, "b": 0.006}, alpha=0.01, weights={"a": 1, "b": 1}) == {"a", "b"}
    assert stats.holm({"a": 0.004}, alpha=0.01, weights={k: 1.0 for k in "abcd"}) == set()  # untested ones count


def test_weighted_holm_gives_a_heavy_test_its_share_and_passes_it_on():
    weights = stats.family_weights({"group": 1.0}, {k: 1.0 for k in "abcd"})
    assert weights == {"group": 0.5, "a": 0.125, "b": 0.125, "c": 0.125, "d": 0.125}
    # the group's p passes at half the α though equal weights (1/5 each) would refuse it
    assert stats.holm({"group": 0.004, "a": 0.5}, alpha=0.01, weights=weights) == {"group"}
    assert stats.holm({"group": 0.004, "a": 0.5}, alpha=0.01, weights={k: 1.0 for k in weights}) == set()
    # once the group is rejected its weight is gone from the denominator: a single then needs 0.01 × 0.125 / 0.5
    assert stats.holm({"group": 0.001, "a": 0.0024}, alpha=0.01, weights=weights) == {"group", "a"}
    assert stats.holm({"group": 0.2, "a": 0.0024}, alpha=0.01, weights=weights) == set()
    assert stats.family_weights({}, {"a": 1.0, "b": 1.0}) == {"a": 0.5, "b": 0.5}
    assert stats.family_weights({"g": 3.0}, {}) == {"g": 1.0}
    assert stats.family_weights({"quiet": 4.0, "loud": 1.0}, {"x": 1.0}) == {"quiet": 0.4, "loud": 0.1, "x": 0.5}


def test_looks_spend_alpha_in_proportion_to_their_rounds():
    alphas = stats.look_alphas([3, 5, 7, 10])
    assert sum(alphas.values()) == pytest.approx(stats.ALPHA)
    assert alphas[10] == pytest.approx(stats.ALPHA * 10 / 25) and alphas[3] < alphas[5] < alphas[7] < alphas[10]


def test_a_groups_round_medians_ignore_one_variants_own_slowdown():
    flat = [{1: 0.0, 2: 0.01, 3: -0.01} for _ in range(3)]
    one_slow = [*flat, {1: 0.5, 2: 0.5, 3: 0.5}]
    assert max(stats.round_medians(one_slow)) < 0.02
    assert stats.round_medians([{1: 0.1}, {1: 0.2}, {2: 0.3}]) == [pytest.approx(0.15)]  # round 2 has one value


def test_looks_end_with_the_last_round():
    assert stats.looks_within(20) == [3, 5, 7, 10, 14, 20]
    assert stats.looks_within(6) == [3, 5, 6]
