"""Where a first step's time goes: tracing, compilation, first execution.

From three facts gathered by different processes: the phase clock's window of the first step (the worker's
journal), the intervals in which TensorFlow traced (the worker, harness/train/tracing.py), and each XLA
compilation with the time it ended and how long it took (TF's own log, which the runner reads from the worker's
stderr: harness/launch/stderr.py). Pure arithmetic, so it is tested with a fake clock.
"""
from __future__ import annotations

from typing import Any


def overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def split(first_step: tuple[float, float] | None, traces: list[list[float]],
          compiles: list[tuple[float | None, float]], loaded: list[float | None] = ()) -> dict[str, Any] | None:
    """{tracing_s, traces, xla_compile_s, xla_compilations, xla_loaded, execution_s, total_s} of the first
    step's window; `compiles` are the XLA programs built, (time it ended or None, seconds), `loaded` the times of
    those that came from the persistent cache (their seconds are the load's). None without a window."""
    if first_step is None:
        return None
    total = max(first_step[1] - first_step[0], 0.0)
    inside = [(a, b) for a, b in traces if overlap((a, b), first_step) > 0]
    tracing = sum(overlap((a, b), first_step) for a, b in inside)
    # a compilation belongs to the first step when it ended inside the window (no time: it is counted there)
    def inside_window(end: float | None) -> bool:
        return end is None or first_step[0] <= end <= first_step[1] + 1e-3

    built = [s for end, s in compiles if inside_window(end)]
    hits = sum(inside_window(end) for end in loaded)
    xla = min(sum(built), max(total - tracing, 0.0))
    return {"total_s": round(total, 4), "tracing_s": round(tracing, 4), "traces": len(inside),
            "xla_compile_s": round(xla, 4), "xla_compilations": max(len(built) - hits, 0), "xla_loaded": hits,
            "execution_s": round(max(total - tracing - xla, 0.0), 4)}


SPLIT_PHASES = ("first step: tracing", "first step: XLA compile", "first step: execution")


def phases_with_split(phases: dict[str, Any], first: dict[str, Any] | None) -> dict[str, Any]:
    """A record's phases with `compile_first_step` replaced by its three parts where the split was measured (the
    parts add up to it), in the same place."""
    if not first or "compile_first_step" not in phases:
        return dict(phases)
    parts = dict(zip(SPLIT_PHASES, (first["tracing_s"], first["xla_compile_s"], first["execution_s"])))
    if not first.get("xla_compile_s") and not first.get("xla_compilations") and not first.get("xla_loaded"):
        del parts[SPLIT_PHASES[1]]  # no XLA in this run (or not measured here): no empty part
    out: dict[str, Any] = {}
    for name, value in phases.items():
        out.update(parts if name == "compile_first_step" else {name: value})
    return out
