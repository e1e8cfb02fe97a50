"""Performance suspects of one comparison: a timing is suspected against its own baseline and, where tonight's
machine moved every variant, against that shared move (harness/verdict/performance.py)."""
from __future__ import annotations

import math

import pytest

from harness.results.records import RunContext, RunRecord
from harness.verdict.compare import compare_records
from harness.verdict.findings import REGRESSION
from harness.verdict.render import render

NAMED = "v7"


def run(steps: dict[str, float]) -> list[RunRecord]:
    return [RunRecord(case="c", variant=v, role="fix", device="cpu", claim="ok", says="", observed="ok", agrees=True,
                      fix_works=True, outcome="completed", metrics={"step_time_median_s": s, "final_loss": 0.3},
                      context=RunContext(ran_alone=True)) for v, s in steps.items()]


def night(others: float, named: float) -> tuple[list[RunRecord], list[RunRecord]]:
    """Eight variants: tonight every step × `others` (the machine), the named one × `named` instead."""
    base = {f"v{i}": 0.1 * (i + 1) for i in range(8)}
    cur = {v: s * (named if v == NAMED else others) for v, s in base.items()}
    return run(base), run(cur)


def step_suspects(verdict) -> list:
    return [f for f in verdict.performance if f.metric == "step_time_median_s"]


def test_a_slowdown_hidden_by_a_faster_machine_is_suspected_against_what_every_variant_moved():
    # the measured case: the machine 7 % faster, the named variant's +20 % step read +7 % (not past 10 %)
    verdict = compare_records(*night(others=0.93, named=1.07))
    assert verdict.noise["moved"]["step_time_median_s"] == pytest.approx(math.log(0.93))
    [f] = step_suspects(verdict)
    assert f.variants == [f"c:{NAMED}"] and f.direction == REGRESSION and f.ratio == pytest.approx(1.07)
    assert f.reason.startswith("+7.0%, +15.1% against the -7.0% every variant's step_time_median_s moved tonight")
    assert "every variant moved: step_time_median_s -7.0% (the median over the variants)" in render(verdict)


def test_without_a_shared_move_the_same_step_is_no_suspect_and_nothing_is_suspected_twice():
    still = compare_records(*night(others=1.0, named=1.07))
    assert step_suspects(still) == [] and "every variant moved" not in render(still)
    # tonight slower for all: each is a suspect once, against its own baseline
    slower = step_suspects(compare_records(*night(others=1.2, named=1.3)))
    assert len(slower) == 8 and all("moved tonight" not in f.reason for f in slower)


def test_only_slowdowns_are_suspected_against_the_shared_move():
    # tonight 15 % slower for all, the named variant unchanged: 13 % faster than the others, never re-measured for it
    suspects = step_suspects(compare_records(*night(others=1.15, named=1.0)))
    assert len(suspects) == 7 and f"c:{NAMED}" not in [f.variants[0] for f in suspects]


def test_a_threshold_never_reached_on_both_sides_is_no_move_and_no_spread():
    """The whole suite pinned on the Xeon: 25 of 28 variants never reach the overfit threshold on either side, and
    ∞ / ∞ read as "unchanged" made that measurement's spread across variants 0 — the quietest of the night, so its
    one finite test took nearly all of the singles' α and the steps × 1.6 were left undecided."""
    base, cur = night(others=1.0, named=1.0)
    for i, (b, c) in enumerate(zip(base, cur)):
        b.metrics["seconds_to_threshold"] = c.metrics["seconds_to_threshold"] = None if i < 6 else 5.0 * (i + 1)
    verdict = compare_records(base, cur)
    assert "seconds_to_threshold" not in verdict.noise["spread"]
    assert "seconds_to_threshold" not in verdict.noise["moved"]
    assert verdict.noise["spread"]["step_time_median_s"] == 0.0   # finite and unchanged: a spread of 0 is real
