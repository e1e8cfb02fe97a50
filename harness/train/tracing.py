"""When TensorFlow traces: the intervals in which `tf.function`s were turned into graphs (AutoGraph included).

A first optimizer step is tracing (Python → graph), compilation (graph optimisation, and XLA where a function is
jit-compiled: on a GPU tf-keras's Adam compiles its update once per weight) and the first execution. Tracing is
the part Python can see: every trace goes through `func_graph_from_py_func`, which this module wraps for the
life of the worker, recording the outermost calls (a trace inside a trace is part of the outer one). The
runner puts these intervals together with XLA's own compile log and the phase clock
(harness/results/first_step.py).
"""
from __future__ import annotations

import time

_intervals: list[tuple[float, float]] = []
_depth = [0]


def record_traces() -> None:
    """From now on, note the (start, end) of every outermost trace in this process."""
    from tensorflow.python.framework import func_graph

    original = func_graph.func_graph_from_py_func
    if getattr(original, "_fitbench_timed", False):
        return

    def timed(*args, **kwargs):
        _depth[0] += 1
        start = time.time()
        try:
            return original(*args, **kwargs)
        finally:
            _depth[0] -= 1
            if _depth[0] == 0:
                _intervals.append((start, time.time()))

    timed._fitbench_timed = True
    func_graph.func_graph_from_py_func = timed


def intervals() -> list[list[float]]:
    return [[round(a, 6), round(b, 6)] for a, b in _intervals]
