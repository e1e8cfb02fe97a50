"""The pages lay out what the section registry declares (harness/spec/sections.py): a section added as one
declaration plus one renderer shows on its pages in its order, with no edit to harness/report/pages.py; a section
a case must ask for shows only on the pages of the cases that ask. Committed reference records: no TensorFlow."""
from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest

from harness.report.pages import build_pages
from harness.spec import case as case_module
from harness.spec import sections
from harness.spec.sections import CASE, SectionSpec, renders
from tests.harness.report.test_sections import ctx, reference  # noqa: F401  (a fixture)


@pytest.fixture
def registry(monkeypatch):
    """A scratch copy of the registry: what a test declares and renders is gone after it."""
    monkeypatch.setattr(sections, "_RENDERERS", dict(sections._RENDERERS))

    def declare(spec: SectionSpec) -> None:
        monkeypatch.setattr(sections, "_SPECS", (*sections._SPECS, spec))
        monkeypatch.setattr(sections, "SPECS", MappingProxyType({s.name: s for s in sections._SPECS}))

    return declare


def _titles(page) -> list[str]:
    return [s[0] for s in page.sections]


def test_a_new_section_is_one_declaration_and_one_renderer(reference, registry, tmp_path):
    registry(SectionSpec("extra", 45, (CASE,), "a test's own section"))
    renders("extra", CASE)(lambda c: ("An extra section", [{"kind": "p", "text": c.case_ids()[0]}]))
    pages = build_pages(ctx(reference, tmp_path), "t", [])
    case_pages = pages[1:-1]
    assert case_pages and all("An extra section" in _titles(p) for p in case_pages)
    titles = _titles(case_pages[0])
    # order 45: after the details (40), before the next section the case has
    assert titles.index("An extra section") == next(i for i, t in enumerate(titles) if t.startswith("Every record")) + 1


def test_a_section_a_case_asks_for_is_only_on_its_page(reference, registry, tmp_path, monkeypatch):
    registry(SectionSpec("asked_extra", 45, (CASE,), "only for the cases that ask", asked=True))
    renders("asked_extra", CASE)(lambda c: ("Asked for", [{"kind": "p", "text": "x"}]))
    monkeypatch.setattr(case_module, "SECTIONS", (*case_module.SECTIONS, "asked_extra"))  # read at import
    context = ctx(reference, tmp_path)
    first = context.case_ids()[0]
    context.cases[first] = replace(context.cases[first], sections=(*context.cases[first].sections, "asked_extra"))
    pages = build_pages(context, "t", [])
    shown = {p.name for p in pages if "Asked for" in _titles(p)}
    assert shown == {context.case_page(first)}


def test_a_renderer_for_an_undeclared_section_or_page_is_refused():
    with pytest.raises(ValueError, match="section 'nope' is not declared"):
        renders("nope", CASE)
    with pytest.raises(ValueError, match="section 'glance' is not declared for page 'case'"):
        renders("glance", CASE)
