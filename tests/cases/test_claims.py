"""One claim test per (case, variant), generated from the case registry: a case without a test file of its own
is still checked. On this CPU each variant must show the symptom its spec expects here (the chapter's claim, or
`measured` where fitbench measures otherwise with the default install), its metric expectations must hold
where the claim does, a fix's verdict must follow its symptom, and a variant that does not run on CPU must be
recorded as not applicable with its reason. The records are the suite's one run (tests/conftest.py)."""
from __future__ import annotations

import pytest

import cases

PAIRS = [(case, variant) for case in cases.all_cases() for variant in case.variants]


@pytest.mark.parametrize("case,variant", PAIRS, ids=[f"{c.id}:{v.name}" for c, v in PAIRS])
def test_claim(suite_records, case, variant):
    r = suite_records[(case.id, variant.name)]
    assert (r["role"], r["claim"], r["device"]) == (variant.role, variant.claims.get("cpu", "not_applicable"), "cpu")
    if "cpu" not in variant.devices:
        assert (r["observed"], r["outcome"], r["agrees"]) == ("not_applicable", "skipped", True)
        assert r["notes"] == [variant.not_applicable or "not applicable on cpu"]
        return
    assert r["observed"] == variant.expected("cpu"), r["error"] or r["notes"]
    assert r["agrees"] == (r["observed"] == r["claim"]), r["notes"]  # and so every expectation held
    if variant.role == "fix":
        assert r["fix_works"] == (r["observed"] == "ok")
    assert r["env"]["versions"]["tensorflow"] and r["metrics"].get("phases")
