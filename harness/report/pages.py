"""Which sections go on which page. The front page answers the morning's question and stays small at matrix scale:
what changed (a night's preamble — the verdict against last night — or else the changes between neighbouring
environments, harness/report/sections/changed.py: the page's lead, above its table of contents), one row per
environment × hardware with its tallies and the environments
where fitbench cannot run apart, the compact matrix whose cells link to the records, the cases, and the errors by
root cause. Each case has its own page: its matrix rows and picture, every record's key numbers, error and notes,
and the sections its spec asks for, each picture with its table. The environments page has the exact environment
and the warnings of every column. A report over one case is one page: that case's sections, and nothing about the
cases it does not hold.
"""
from __future__ import annotations

import importlib

from harness.report.common import FRONT, Context, Section
from harness.report.render import Page
from harness.report.sections import changed, environments

FRONT_SECTIONS = ("glance", "matrix", "cases", "errors")
CASE_SECTIONS = ("matrix", "details", "timeline", "strip", "curves", "optimizers", "ratios", "perf", "phases",
                 "errors")
ENVIRONMENTS = "environments"


def _section(name: str, ctx: Context, case: bool) -> Section | None:
    module = importlib.import_module(f"harness.report.sections.{name}")
    return module.case_section(ctx) if case else module.build(ctx)


def case_sections(ctx: Context, case: str) -> list[Section]:
    """The sections of one case that have something to show, built from its records alone."""
    sub = ctx.subset(case)
    sections = [s for s in (_section(name, sub, True) for name in CASE_SECTIONS) if s is not None]
    spec = ctx.cases.get(case)
    if sections and spec is not None:  # what the case is, above what happened to it
        title, blocks, *rest = sections[0]
        sections[0] = (title, [{"kind": "p", "text": f"{spec.title} — the chapter: {spec.chapter}."}, *blocks],
                       *rest)
    return sections


def build_pages(ctx: Context, title: str, preamble: list[Section]) -> list[Page]:
    """The front page, one page per case (none when the records hold one case), and the environments page."""
    env_link = ("Environments: exact versions, hardware and warnings of every column", ENVIRONMENTS)
    cases = ctx.case_ids()
    glance = _section("glance", ctx, False)
    lead = list(preamble) or [changed.build(ctx)]  # a night leads with its own verdict, not a second one
    sources = _section("sources", ctx, False)
    if ctx.single:
        front = Page(FRONT, f"{title}: {cases[0]}", [*lead, glance, *case_sections(ctx, cases[0]), sources],
                     [env_link], lead=True)
        pages = [front]
    else:
        sections = [*lead, *(s for s in (_section(n, ctx, False) for n in FRONT_SECTIONS) if s is not None),
                    sources]
        front = Page(FRONT, title, sections, [env_link, *((f"case: {c}", ctx.case_page(c)) for c in cases)],
                     lead=True)
        back = [("← front page", FRONT), env_link]
        pages = [front, *(Page(ctx.case_page(c), f"{c} — {title}", case_sections(ctx, c), back) for c in cases)]
    pages.append(Page(ENVIRONMENTS, f"Environments — {title}", environments.page_sections(ctx),
                      [("← front page", FRONT)]))
    return pages
