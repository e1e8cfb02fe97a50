"""The section registry's declarations (harness/spec/sections.py): what a page holds, in which order; what a case
may ask for, and what it may not. Its sync with the renderers and the cases is tests/test_layout.py's."""
from __future__ import annotations

import pytest

from harness.spec import Case, Variant
from harness.spec.sections import ASKED, CASE, ENVIRONMENTS, FRONT, SPECS, SectionSpec, on


def test_each_page_holds_its_sections_in_their_order():
    for page in (FRONT, CASE, ENVIRONMENTS):
        specs = on(page)
        assert specs and all(page in s.pages for s in specs)
        assert [s.order for s in specs] == sorted(s.order for s in specs)
    assert {s.name for s in on(FRONT)} | {s.name for s in on(CASE)} | {s.name for s in on(ENVIRONMENTS)} == set(SPECS)
    assert [s.name for s in on(FRONT) if s.lead] == ["changed"]  # one lead: what a night's preamble replaces


def test_a_case_may_ask_only_for_a_section_declared_asked():
    v = Variant("v", "check", {}, claims={"cpu": "ok", "gpu": "ok"}, says="")
    assert Case("c", "t", "x", (v,), sections=ASKED).sections == ASKED
    for name in ("perf", "nonsense"):  # on every case page already / declared nowhere
        with pytest.raises(ValueError, match=f"unknown report section '{name}' \\(known: .*'memory_bars'"):
            Case("c", "t", "x", (v,), sections=(name,))


def test_a_bad_declaration_names_itself():
    with pytest.raises(ValueError, match="section 'x': pages must be some of"):
        SectionSpec("x", 1, ("sidebar",), "")
    with pytest.raises(ValueError, match="section 'x': a section a case asks for is on case pages only"):
        SectionSpec("x", 1, (FRONT,), "", asked=True)
