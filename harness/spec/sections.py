"""Report sections as the spec knows them: each one's name, its place, the pages it goes on, what it shows, and
whether a case must ask for it — and the one registry, keyed by name, in which harness/report/sections/ registers
what renders each (no plotting here: a case names its sections and is checked against this list).

A case asks for the sections only some cases feed with `Case.sections` (`sections=("curves",)`); every other
section is on every page it is declared for, and says nothing (renders None) where its records hold nothing for it.
The report side registers each renderer with `@renders("curves", CASE)` in the section's own module
(harness/report/sections/curves.py); the pages (harness/report/pages.py) ask `renderer(name, page)` for the
sections of `on(page)`, in `order`. A name can only be rendered if it is declared here, and tests/test_layout.py
fails where a declared (name, page) has no renderer, or a module in sections/ renders nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping, TypeVar

Render = TypeVar("Render", bound=Callable[..., Any])

FRONT = "front"                # the front page (of a report over one case: also that case's sections)
CASE = "case"                  # one case's page, built from its records alone
ENVIRONMENTS = "environments"  # the exact environment and the warnings of every column
PAGES = (FRONT, CASE, ENVIRONMENTS)


@dataclass(frozen=True)
class SectionSpec:
    name: str
    order: int                 # its place on each page it is on: smaller first
    pages: tuple[str, ...]     # FRONT, CASE and/or ENVIRONMENTS
    shows: str                 # one line: what a reader finds there
    asked: bool = False        # only on the pages of the cases that name it in `Case.sections`
    lead: bool = False         # the front page's lead: a night's preamble takes its place

    def __post_init__(self) -> None:
        if not self.pages or set(self.pages) - set(PAGES):
            raise ValueError(f"section {self.name!r}: pages must be some of {list(PAGES)}, got {self.pages!r}")
        if self.asked and self.pages != (CASE,):
            raise ValueError(f"section {self.name!r}: a section a case asks for is on case pages only")


_SPECS = (
    SectionSpec("changed", 10, (FRONT,), "what changed: the night's verdict, or neighbouring environments' changes",
                lead=True),
    SectionSpec("glance", 20, (FRONT,), "one row per environment × hardware with its tallies"),
    SectionSpec("matrix", 30, (FRONT, CASE), "the verdict per variant × environment, linked to the records"),
    SectionSpec("details", 40, (CASE,), "every record's key numbers, error and notes"),
    SectionSpec("timeline", 50, (CASE,), "the symptom per library version, where the versions span a range"),
    SectionSpec("strip", 60, (CASE,), "the variants as the steps of one script, as a reader runs it", asked=True),
    SectionSpec("curves", 70, (CASE,), "loss curves, with the step each crosses a threshold", asked=True),
    SectionSpec("optimizers", 80, (CASE,), "optimizers compared: time to the threshold, first step's cost, "
                                           "schedules", asked=True),
    SectionSpec("ratios", 90, (CASE,), "each variant's throughput as a ratio of the case's `baseline`", asked=True),
    SectionSpec("perf", 100, (CASE,), "throughput, MFU and peak memory per variant and environment"),
    SectionSpec("memory_bars", 105, (CASE,), "GPU memory each variant's process holds, against the card",
                asked=True),
    SectionSpec("phases", 110, (CASE,), "where a run's time went: startup, tracing, steps, validation"),
    SectionSpec("cases", 120, (FRONT,), "one row per case: its claims that hold, and where one does not"),
    SectionSpec("errors", 130, (FRONT, CASE), "errors grouped by root cause"),
    SectionSpec("sources", 140, (FRONT,), "the results files the report read, and their dates"),
    SectionSpec("environments", 150, (ENVIRONMENTS,), "each environment's exact versions, hardware and warnings"),
)
SPECS: Mapping[str, SectionSpec] = MappingProxyType({s.name: s for s in _SPECS})
NAMES: tuple[str, ...] = tuple(SPECS)
ASKED: tuple[str, ...] = tuple(s.name for s in _SPECS if s.asked)  # what `Case.sections` may name
_RENDERERS: dict[tuple[str, str], Callable[..., Any]] = {}


def on(page: str) -> list[SectionSpec]:
    """The sections declared for `page`, in their order."""
    return sorted((s for s in _SPECS if page in s.pages), key=lambda s: s.order)


def renders(name: str, page: str) -> Callable[[Render], Render]:
    """Registers the decorated function `(ctx) -> section or None` as what renders section `name` on `page`."""
    if name not in SPECS or page not in SPECS[name].pages:
        where = list(SPECS[name].pages) if name in SPECS else "none: not declared"
        raise ValueError(f"section {name!r} is not declared for page {page!r} in harness/spec/sections.py "
                         f"(its pages: {where})")

    def register(function: Render) -> Render:
        old = _RENDERERS.get((name, page))
        # the same function again is a module imported anew (importlib.reload); another one renders it twice
        if old is not None and (old.__module__, old.__qualname__) != (function.__module__, function.__qualname__):
            raise ValueError(f"section {name!r} on page {page!r} is rendered twice: {old.__module__}."
                             f"{old.__qualname__} and {function.__module__}.{function.__qualname__}")
        _RENDERERS[(name, page)] = function
        return function

    return register


def renderer(name: str, page: str) -> Callable[..., Any]:
    if (name, page) not in _RENDERERS:
        raise KeyError(f"section {name!r} has no renderer for page {page!r} registered "
                       f"(import harness.report.sections)")
    return _RENDERERS[(name, page)]


def unrendered() -> list[tuple[str, str]]:
    """The (name, page) pairs declared that nothing renders (empty once harness.report.sections is imported)."""
    return [(s.name, page) for s in _SPECS for page in s.pages if (s.name, page) not in _RENDERERS]
