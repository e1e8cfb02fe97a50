"""What `fitbench run` shows in a terminal: progress while it runs, and the closing table (rich)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from harness.records import RunRecord

console = Console(stderr=True)


def key_numbers(record: RunRecord) -> str:
    """The two or three numbers that matter for this record, in a short string."""
    m = record.metrics
    parts = []
    for key, label, fmt in (
        ("final_loss", "loss", "{:.3f}"), ("initial_loss", "init", "{:.3f}"),
        ("steps_to_threshold", "overfit@", "{}"), ("val_accuracy", "val_acc", "{:.2f}"),
        ("eager_over_graph_throughput", "eager/graph", "{:.2f}"), ("samples_per_s", "samples/s", "{:.0f}"),
        ("found_batch_size", "batch", "{}"), ("process_mib", "held MiB", "{:.0f}"),
    ):
        if m.get(key) is not None:
            parts.append(f"{label} {fmt.format(m[key])}")
    if record.role in ("broken", "check") and record.metrics.get("steps_run") and m.get("steps_to_threshold") is None \
            and record.config.get("procedure") == "overfit":
        parts.append("overfit never")
    if record.error:  # the run raised: its exception type is the key fact
        parts.insert(0, str(record.error.get("type")))
    return ", ".join(parts[:4]) or "-"


class _Progress:
    def __init__(self, progress: Progress, total: int):
        self.progress, self.task = progress, progress.add_task("starting", total=total)

    def start(self, case, variant) -> None:
        self.progress.update(self.task, description=f"{case.id}:{variant.name}")

    def done(self, record: RunRecord) -> None:
        self.progress.advance(self.task)
        mark = "[green]agrees[/]" if record.agrees else "[red]differs[/]"
        self.progress.console.print(
            f"{record.case}:{record.variant} → {record.observed} ({mark}, {record.wall_s:.0f}s)")


@contextmanager
def live_progress(total: int) -> Iterator[_Progress]:
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


def print_table(records: list[RunRecord], device: str) -> None:
    table = Table(title=f"fitbench on {device}", show_lines=False)
    for col in ("case:variant", "role", "chapter says here", "observed", "agree?", "key numbers"):
        table.add_column(col, overflow="fold")
    for r in records:
        table.add_row(f"{r.case}:{r.variant}", r.role, r.claim, r.observed, agreement(r), key_numbers(r))
    out = Console()
    if not out.is_terminal:
        out = Console(width=170)  # a pipe or a CI log: do not fold the table to 80 columns
    out.print(table)
