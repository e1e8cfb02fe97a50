"""How fitbench's numbers are named in asv: one benchmark class per case (`initial_loss` -> `InitialLoss`),
parameterised by its variant names, with one `track_<name>` per tracked metric of the registry, plus the
observed symptom as its number. benchmarks/benchmarks.py defines the tracks from this; the report reads asv
results back through it. Names are asv's history: they never change for an existing case or metric."""
from __future__ import annotations

from harness.results import metrics

SYMPTOM_TRACK = "observed_symptom"


def class_name(case_id: str) -> str:
    """initial_loss -> InitialLoss."""
    return "".join(part.capitalize() for part in case_id.split("_"))


def tracks() -> dict[str, str]:
    """{asv track function name: what it holds}: a registry metric's name, or "observed" for the symptom."""
    out = {f"track_{m.track}": m.name for m in metrics.tracked()}
    out[f"track_{SYMPTOM_TRACK}"] = "observed"
    return out
