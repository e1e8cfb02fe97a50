"""Validation accuracy through `evaluate` (the metric registry is another thing: harness/results/metrics.py): a
local accuracy module for offline runs, the hub's for online ones.

`evaluate.load("accuracy")` downloads its script from the hub, which fails offline. The same API loads a
local module from a path, so the offline default is `evaluate.load(<this folder>/accuracy)`. Set
FITBENCH_HUB_METRICS=1 to use the hub's metric instead.
"""
from __future__ import annotations

from pathlib import Path

from harness import settings


def load_accuracy():
    import evaluate

    if settings.get("FITBENCH_HUB_METRICS") == "1":
        return evaluate.load("accuracy")
    return evaluate.load(str(Path(__file__).parent / "accuracy"))
