"""Which sections go on which page. The front page answers the morning's question and stays small at matrix scale:
what changed (a night's preamble — the verdict against last night — or else the changes between neighbouring
environments, harness/report/sections/changed.py: the page's lead, above its table of contents), one row per
environment × hardware with its tallies and the environments
where fitbench cannot run apart, the compact matrix whose cells link to the records, the cases, and the errors by
root cause. Each case has its own page: its matrix rows and picture, every record's key numbers, error and notes,
and the sections its spec asks for, each picture with its table. The environments page has the exact environment
and the warnings of every column. A report over one case is one page: that case's sections, and nothing about the
cases it does not hold.

Which section goes where, and in which order, is each section's declaration (harness/spec/sections.py); what it
renders is its module's (harness/report/sections/). Nothing here names a section but the lead's place: a night's
preamble stands where the section declared `lead` would.
"""
from __future__ import annotations

import harness.report.sections  # noqa: F401  (importing it registers every section's renderer)
from harness.report.common import FRONT, Context, Section
from harness.report.render import Page
from harness.spec.sections import CASE, ENVIRONMENTS, FRONT as ON_FRONT, SectionSpec, on, renderer

ENVIRONMENTS_PAGE = "environments"  # its file name (environments.html, environments.md)


def _render(spec: SectionSpec, page: str, ctx: Context) -> list[Section]:
    """What section `spec` renders on `page` from `ctx`: none, one section or (the environments page) several."""
    if spec.asked and not any(spec.name in c.sections for c in map(ctx.cases.get, ctx.case_ids()) if c):
        return []  # a section only some cases feed: this one does not ask for it
    made = renderer(spec.name, page)(ctx)
    return [] if made is None else made if isinstance(made, list) else [made]


def case_sections(ctx: Context, case: str) -> list[Section]:
    """The sections of one case that have something to show, built from its records alone."""
    sub = ctx.subset(case)
    sections = [s for spec in on(CASE) for s in _render(spec, CASE, sub)]
    spec = ctx.cases.get(case)
    if sections and spec is not None:  # what the case is, above what happened to it
        title, blocks, *rest = sections[0]
        sections[0] = (title, [{"kind": "p", "text": f"{spec.title} — the chapter: {spec.chapter}."}, *blocks],
                       *rest)
    return sections


def front_sections(ctx: Context, preamble: list[Section]) -> list[Section]:
    """The front page: its sections in order, the lead replaced by the preamble where there is one. A report over
    one case shows that case's sections here, where its matrix and errors would be."""
    shared = [s for s in on(ON_FRONT) if CASE in s.pages]  # one case: its whole page stands where the first is
    out: list[Section] = []
    for spec in on(ON_FRONT):
        if spec.lead and preamble:  # a night leads with its own verdict, not a second one
            out += preamble
        elif ctx.single and spec in shared:
            out += case_sections(ctx, ctx.case_ids()[0]) if spec == shared[0] else []
        else:
            out += _render(spec, ON_FRONT, ctx)
    return out


def build_pages(ctx: Context, title: str, preamble: list[Section]) -> list[Page]:
    """The front page, one page per case (none when the records hold one case), and the environments page."""
    env_link = ("Environments: exact versions, hardware and warnings of every column", ENVIRONMENTS_PAGE)
    cases = ctx.case_ids()
    front = front_sections(ctx, preamble)
    if ctx.single:
        pages = [Page(FRONT, f"{title}: {cases[0]}", front, [env_link], lead=True)]
    else:
        back = [("← front page", FRONT), env_link]
        pages = [Page(FRONT, title, front, [env_link, *((f"case: {c}", ctx.case_page(c)) for c in cases)],
                     lead=True),
                 *(Page(ctx.case_page(c), f"{c} — {title}", case_sections(ctx, c), back) for c in cases)]
    environments = [s for spec in on(ENVIRONMENTS) for s in _render(spec, ENVIRONMENTS, ctx)]
    pages.append(Page(ENVIRONMENTS_PAGE, f"Environments — {title}", environments, [("← front page", FRONT)]))
    return pages
