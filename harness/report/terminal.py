"""What `fitbench run` shows: progress while it runs, and the closing table (rich).

In a terminal the progress is a transient bar plus one line per finished variant. Rich's live bar prints
nothing to a pipe or a CI log, so there each variant gets a plain line when it starts and when it ends: a
silent log for minutes reads as a hang. The table is kept within 170 columns (short cells, no folded
numbers); a tally and the reason of every row that differs follow it, since the reason (the informative line
of an error, or what the chapter claimed) is otherwise only in the JSON.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Iterator

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from harness.results.errors import error_line
from harness.results.first_step import phases_with_split
from harness.results.fmt import number, ratio, seconds
from harness.results.groups import env_key
from harness.results.records import RunRecord

console = Console(stderr=True)
TABLE_WIDTH = 170  # a pipe or a CI log: do not fold the table to rich's default of 80 columns


def key_numbers(record: RunRecord, baseline: tuple[str, float] | None = None) -> str:
    """The two or three numbers that matter for this record, in a short string; `baseline` (its case's baseline
    variant and that variant's samples/s) adds the ratio to it. The error type is not one of them: the observed
    symptom names it, and the reason line under the table quotes the message."""
    m = record.metrics
    parts = []
    speedup = ratio(m.get("samples_per_s"), baseline[1]) if baseline else None
    if speedup is not None and record.variant != baseline[0]:
        parts.append(f"×{speedup:.2f} {baseline[0]}")
    for key, label, fmt in (
        ("final_loss", "loss", "{:.3f}"), ("initial_loss", "init", "{:.3f}"),
        ("steps_to_threshold", "overfit@", "{}"), ("val_accuracy", "val_acc", "{:.2f}"),
        ("eager_over_graph_throughput", "eager/graph", "{:.2f}"), ("samples_per_s", "samples/s", "{:.0f}"),
        ("mfu", "MFU", "{:.1%}"), ("found_batch_size", "batch", "{}"), ("process_mib", "held MiB", "{:.0f}"),
    ):
        if number(m.get(key)) is not None:
            parts.append(f"{label} {fmt.format(m[key])}" + _against(m, key))
    if record.role in ("broken", "check") and record.metrics.get("steps_run") and m.get("steps_to_threshold") is None \
            and record.config.get("procedure") == "overfit":
        parts.insert(0, "overfit never")
    if not parts and record.error:  # nothing was measured: the exception type is the one fact left
        parts.append(str(record.error.get("type")))
    return ", ".join(parts[:3]) or "-"


def _against(m: dict[str, Any], key: str) -> str:
    """What a number is read against where the record says: the initial loss against ln C, a random guess's."""
    if key == "initial_loss" and number(m.get("expected_initial_loss")) is not None:
        classes = f"ln {m['num_classes']}" if m.get("num_classes") else "expected"
        return f" vs {classes} {m['expected_initial_loss']:.3f}"
    return ""


def baselines(records: list[RunRecord], cases: dict[str, Any]) -> dict[tuple[str, str], tuple[str, float]]:
    """{(case, environment): (baseline variant, its samples/s)} for the cases that name a baseline (× fp32)."""
    out = {}
    for r in records:
        spec = cases.get(r.case)
        if spec is not None and r.variant == spec.baseline and number(r.metrics.get("samples_per_s")):
            out[(r.case, env_key(r))] = (r.variant, r.metrics["samples_per_s"])
    return out


def reason(record: RunRecord) -> str:
    """Why a row differs, in one line: the error's informative line, else the runner's notes (the chapter's
    claim that does not hold, or the metric expectation that failed)."""
    if record.error:
        return error_line(record)
    return "; ".join(record.notes) or f"observed {record.observed}, chapter: {record.claim}"


def tally(records: list[RunRecord]) -> str:
    skipped = sum(r.outcome == "skipped" for r in records)
    agree = sum(r.agrees and r.outcome != "skipped" for r in records)
    differ, plural = len(records) - skipped - agree, "s" if len(records) != 1 else ""
    return f"{len(records)} variant{plural}: {agree} agree, {differ} differ, {skipped} n/a"


def phases_line(record: RunRecord) -> str:
    """'phases (fork): spawn 0.12s · imports 2.90s · …' in the record's order; absent or null phases left out."""
    m = record.metrics
    phases = phases_with_split(m.get("phases") or {}, m.get("first_step"))
    shown = [(name, s) for name, s in phases.items() if number(s) is not None]
    launcher = record.context.launcher
    head = f"phases ({launcher}{', beside others' if record.context.shared else ''})" if launcher else "phases"
    if not shown:
        return f"{head}: not recorded"
    text = " · ".join(f"{name} {seconds(s)}" for name, s in shown)
    line = f"{head}: {text} = {seconds(sum(s for _, s in shown))}"
    first = m.get("first_step") or {}
    if first.get("xla_compilations") or first.get("xla_loaded"):
        line += f" (first step: {first['xla_compilations']} XLA compilations, {first['xla_loaded']} from the cache)"
    if record.diagnostics.get("stopped_in"):
        line += f"; stopped in {record.diagnostics['stopped_in']}"
    return line


def print_phases(record: RunRecord) -> None:
    """`run --verbose`: where this record's time went, under its progress line."""
    console.print(f"  {record.case}:{record.variant} {phases_line(record)}", markup=False, highlight=False,
                  soft_wrap=True)


class _Progress:
    """on_start / on_record of run_pairs: a live bar in a terminal, plain start and end lines elsewhere."""

    def __init__(self, progress: Progress | None, total: int, quiet: bool = False):
        self.progress, self.total, self.quiet, self.started, self.finished = progress, total, quiet, 0, 0
        self.task = progress.add_task("starting", total=total) if progress else None

    def start(self, case, variant) -> None:
        self.started += 1
        if self.progress:
            self.progress.update(self.task, description=f"{case.id}:{variant.name}")
        elif not self.quiet:
            print(f"[{self.started}/{self.total}] start {case.id}:{variant.name}", file=sys.stderr, flush=True)

    def done(self, record: RunRecord) -> None:
        self.finished += 1
        verdict = "n/a" if record.outcome == "skipped" else "agrees" if record.agrees else "differs"
        line = f"{record.case}:{record.variant} → {record.observed} ({verdict}, {record.wall_s:.0f}s)"
        if self.progress:
            self.progress.advance(self.task)
            colour = {"agrees": "green", "differs": "red"}.get(verdict, "dim")
            self.progress.console.print(Text(line).stylize(colour, line.index("(") + 1, line.index(",")))
        elif not self.quiet:
            print(f"[{self.finished}/{self.total}] {line}", file=sys.stderr, flush=True)


@contextmanager
def live_progress(total: int, quiet: bool = False) -> Iterator[_Progress]:
    """`quiet`: no progress at all (run --json keeps stderr for errors)."""
    if quiet or not console.is_terminal:
        yield _Progress(None, total, quiet)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        yield _Progress(progress, total)


def agreement(record: RunRecord) -> str:
    if record.outcome == "skipped":
        return "n/a"
    text = "[green]yes[/]" if record.agrees else "[red]NO[/]"
    if record.role == "fix":
        text += " (fix works)" if record.fix_works else " [red](fix FAILS)[/]"
    return text


def print_table(records: list[RunRecord], device: str, cases: dict[str, Any] | None = None) -> None:
    """The table, the tally, and one reason line per row that differs. `cases`: the specs by id, for the ratio
    to a case's baseline variant."""
    out = Console()
    if not out.is_terminal:
        out = Console(width=TABLE_WIDTH)
    base = baselines(records, cases or {})
    rows = [(f"{r.case}:{r.variant}", r.role, r.claim, r.observed, agreement(r),
             key_numbers(r, base.get((r.case, env_key(r))))) for r in records]
    headers = ("case:variant", "role", "chapter says", "observed", "agree?")
    widths = [max([len(h)] + [len(Text.from_markup(row[i]).plain) for row in rows]) for i, h in enumerate(headers)]
    # every cell on one line: a folded number reads as two rows. Where the width runs out, the key numbers are
    # cut (…) and the other columns keep their words; 3 columns of border and padding per cell, plus one
    room = max(out.width - sum(widths) - 3 * (len(headers) + 1) - 1, len("key numbers"))
    table = Table(title=f"fitbench on {device}", show_lines=False)
    for header, width in zip(headers, widths):
        table.add_column(header, no_wrap=True, min_width=width)
    table.add_column("key numbers", no_wrap=True, overflow="ellipsis", max_width=room)
    for row in rows:
        table.add_row(*row)
    out.print(table)
    out.print(tally(records), highlight=False)
    differ = [r for r in records if not r.agrees and r.outcome != "skipped"]
    if differ:
        out.print("why they differ:", highlight=False)
        width = max(len(f"{r.case}:{r.variant}") for r in differ)
        for r in differ:
            out.print(f"  {r.case + ':' + r.variant:<{width}}  {reason(r)}", markup=False, highlight=False,
                      soft_wrap=True)
