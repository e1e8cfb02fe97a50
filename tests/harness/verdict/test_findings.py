"""A Finding's kind, direction and status are enums: an unknown word fails where it is written, naming the field
and the value, while the JSON, the rendered text and comparisons with plain strings stay what they were."""
from __future__ import annotations

import json

import pytest

from harness.verdict import findings
from harness.verdict.findings import (BREAKS, CONFIRMED, PERFORMANCE, REGRESSION, SUSPECT, Direction, Finding, Kind,
                                      Status, Verdict)


def slowdown(**kw) -> Finding:
    return Finding(PERFORMANCE, REGRESSION, "step_time_median_s", ["c:v"], "cpu", status=SUSPECT, **kw)


@pytest.mark.parametrize("field, value", [("kind", "behavior"), ("direction", "regresion"), ("status", "confirmd")])
def test_an_unknown_word_is_a_value_error_naming_the_field_and_the_value(field, value):
    words = {"kind": PERFORMANCE, "direction": REGRESSION, "status": SUSPECT, field: value}
    with pytest.raises(ValueError, match=rf"Finding\.{field}: unknown value '{value}'"):
        Finding(words["kind"], words["direction"], "m", ["c:v"], status=words["status"])


def test_a_status_decided_later_is_checked_too():
    f = slowdown()
    f.status = "confirmed"        # confirm re-decides a suspect after it is built; a plain string becomes the enum
    assert f.status is Status.CONFIRMED and f.regression
    with pytest.raises(ValueError, match=r"Finding\.status: unknown value 'sure'"):
        f.status = "sure"


def test_the_words_are_enums_and_still_compare_as_the_strings_they_were():
    f = Finding("behaviour", "breaks", "ok → nan_loss", ["c:v"])   # as a reader of old JSON would build it
    assert f.kind is Kind.BEHAVIOUR and f.direction is Direction.BREAKS and f.status is Status.NONE
    assert f.direction == "breaks" == BREAKS and f.regression
    assert {"breaks": "BREAKS"}[f.direction] == "BREAKS"          # render's lookups by plain string keys
    assert f"{f.direction:<8}|{f.kind}" == "breaks  |behaviour"   # not "Direction.BREAKS"
    assert findings.CONFIRMED is Status.CONFIRMED and findings.NOT_RUN is Direction.NOT_RUN  # the old names


def test_the_json_holds_plain_strings():
    verdict = Verdict(performance=[slowdown(ratio=1.3)])
    verdict.performance[0].status = CONFIRMED
    text = json.dumps(verdict.to_dict())
    [f] = json.loads(text)["performance"]
    assert (f["kind"], f["direction"], f["status"], f["regression"]) == ("performance", "regression", "confirmed", True)
    assert '"status": "confirmed"' in text and verdict.exit_code == findings.EXIT_PERFORMANCE
    assert all(type(v) is str for v in (f["kind"], f["direction"], f["status"]))  # noqa: E721 — not the enum
    assert type(verdict.performance[0].to_dict()["status"]) is str  # noqa: E721 — the dict itself, before JSON
