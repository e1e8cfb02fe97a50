"""asv's test on re-measured samples: too few samples never count, a consistent shift does, the same
distribution does not; and the suspect rule's threshold."""
from __future__ import annotations

import random

import pytest

from harness.verdict.noise import suspicion
from harness.verdict.stats import MIN_SAMPLES, compare_samples


def test_too_few_samples_never_confirm():
    test = compare_samples([1.0, 1.0, 1.0], [2.0, 2.0, 2.0])
    assert test.significant and not test.passes(0.1, 1)  # apart, but three samples a side never count


def test_a_consistent_shift_is_significant_with_five_and_with_seven_samples():
    base = [1.00, 1.02, 0.98, 1.01, 0.99]
    five = compare_samples(base, [x * 1.3 for x in base])
    assert five.n == (5, 5) and five.method == "99 % intervals apart" and five.passes(0.1, 1)
    seven = compare_samples(base + [1.0, 1.03], [x * 1.3 for x in base + [1.0, 1.03]])
    assert seven.method.startswith("Mann–Whitney U") and seven.passes(0.1, 1)
    assert not seven.passes(0.1, -1)  # significant, but a rise, not a fall
    assert 1.2 < seven.low <= seven.ratio <= seven.high < 1.45


def test_six_samples_a_side_can_count_where_asvs_own_switch_could_not():
    """asv picks the U test at 6 + 6 by its one-sided p_min, whose two-sided p cannot reach 0.002."""
    base = [1.00, 1.02, 0.98, 1.01, 0.99, 1.0]
    assert compare_samples(base, [x * 1.3 for x in base]).passes(0.1, 1)


def test_the_same_distribution_is_rarely_significant():
    rng = random.Random(7)
    hits = 0
    for _ in range(300):
        a = [rng.lognormvariate(0, 0.1) for _ in range(MIN_SAMPLES)]
        b = [rng.lognormvariate(0, 0.1) for _ in range(MIN_SAMPLES)]
        hits += compare_samples(a, b).passes(0.1, 0)
    assert hits <= 2  # the rule's false-alarm rate is well under 1 %


def test_deterministic_samples_that_differ_are_significant():
    assert compare_samples([0.36] * 5, [0.40] * 5).passes(0.05, 1)
    assert not compare_samples([0.36] * 5, [0.36] * 5).significant


@pytest.mark.parametrize("base,cur,timing,expect", [
    ([100.0], [89.0], True, True),    # a single repeat a side: the 10 % factor for timings
    ([100.0], [91.0], True, False),
    ([100.0], [94.0], False, True),   # 5 % for memory and quality
    ([100.0, 130.0], [100.0, 75.0], True, False),  # a measured ±15 % spread: 3 × MAD is past a 24 % drop
])
def test_the_suspect_rule(base, cur, timing, expect):
    assert suspicion(base, cur, timing).suspect is expect


def test_a_stratified_rank_test_sees_a_shift_shared_by_several_variants():
    from harness.verdict.stats import compare_strata

    rng = random.Random(5)
    shifted = [([rng.lognormvariate(0, 0.12) for _ in range(5)], [1.15 * rng.lognormvariate(0, 0.12)
                                                                  for _ in range(5)]) for _ in range(6)]
    z, p = compare_strata(shifted)
    assert z > 0 and p < 0.002
    same = [([rng.lognormvariate(0, 0.12) for _ in range(5)], [rng.lognormvariate(0, 0.12) for _ in range(5)])
            for _ in range(6)]
    assert compare_strata(same)[1] > 0.002
