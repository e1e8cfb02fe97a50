"""The one judge: compare two sets of records, then re-measure the suspected regressions — what `fitbench compare
--confirm` and the nightly both call, so the two can never conclude differently from the same records.

The callers differ only in what they hand in: `compare` rebuilds each side from its records (sides.py), the
nightly hands in the two environments it built and the last nights as history. Re-measuring runs a snapshot of
fitbench's code taken here, so both sides run the same code however long it takes.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from harness.env.suite_process import code_snapshot
from harness.results.records import RunRecord
from harness.verdict.compare import compare_records
from harness.verdict.confirm import ConfirmSettings, confirm
from harness.verdict.coverage import Defined
from harness.verdict.findings import REGRESSION, Verdict
from harness.verdict.history import History
from harness.verdict.noise import K
from harness.verdict.sides import Side

# builds the two sides to re-measure in, or says in one line why it cannot; called only where there is a suspect
SideMaker = Callable[[], "tuple[Side, Side] | str"]


@dataclass(frozen=True)
class JudgeSettings:
    """What a verdict is asked: the suspect threshold, the variants asked for, whether and how to re-measure."""
    k: float = K
    only: tuple[tuple[str, str], ...] | None = None      # (case, variant) asked for; None: everything
    confirm: bool = False
    confirming: ConfirmSettings = field(default_factory=ConfirmSettings)
    folder: Path = Path("results/confirm")               # re-measured records go to folder/<timestamp>/ (or folder
    stamped: bool = True                                  # itself, where the caller named it: stamped=False)


def judge(base: list[RunRecord], cur: list[RunRecord], settings: JudgeSettings, sides: SideMaker,
          defined: Defined | None = None, history: History | None = None,
          log: Callable[[str], None] = print, files: dict[str, str] | None = None) -> Verdict:
    """The verdict of `cur` against `base`, its suspected regressions re-measured where asked: compare builds it,
    confirm returns it decided — nothing else changes it."""
    verdict = compare_records(base, cur, settings.k, defined=defined, only=settings.only,
                              spread=history.spread if history else None,
                              history=history.baseline if history else None,
                              steps=history.persisting_steps(_asked(cur, settings.only), (files or {}).get("baseline"))
                              if history else (),
                              files=files)
    if not settings.confirm or not any(f.direction == REGRESSION for f in verdict.suspects()):
        return verdict
    built = sides()
    if isinstance(built, str):
        return replace(verdict, notes=[*verdict.notes, f"not re-measured: {built}"])
    folder = settings.folder / time.strftime("%Y%m%d-%H%M%S") if settings.stamped else settings.folder
    with code_snapshot() as code:  # both sides run the same code, as it is when the verdict is asked
        for side in built:
            side.code = code
        return confirm(verdict, *built, settings.confirming, folder, log=log)


def _asked(records: list[RunRecord], only: Iterable[tuple[str, str]] | None) -> list[RunRecord]:
    if only is None:
        return records
    wanted = set(only)
    return [r for r in records if (r.case, r.variant) in wanted]
