"""A run's context: how the runner made the variant's process and what ran beside it — bookkeeping that explains
a record's numbers (a timing taken beside other variants is not compared), never a measurement itself.

Its own field of RunRecord (`record.context`), apart from the registered `metrics` and the procedure's
`diagnostics`. Records of schema 1 kept these keys in `metrics`; harness/results/migrate.py moves them here.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class RunContext:
    launcher: str | None = None            # fork | spawn; None: the variant never got a process (skipped, asv)
    ran_alone: bool | None = None          # None: not known — read as alone, as records before --jobs were
    jobs: int | None = None                # --jobs of the suite it ran in
    neighbours: list[str] = field(default_factory=list)          # case:variant beside it (at most 20)
    process_env: dict[str, str | None] = field(default_factory=dict)  # the variant's own environment variables
    launcher_note: str | None = None       # why the launcher could not serve it as asked (e.g. no zygote)
    memory_bound_mib: int | None = None    # its share of the GPU while it shared the card
    caches: dict[str, Any] = field(default_factory=dict)         # compilation caches that grew during the run
    injected_slowdown: float | None = None  # the verdict detector's deliberate slowdown (FITBENCH_INJECT_SLOWDOWN)

    @property
    def shared(self) -> bool:
        """It ran beside other variants: its wall-clock timings are not comparable."""
        return self.ran_alone is False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunContext":
        """The context of a record as read back (its keys and types already checked against FIELD_TYPES by
        harness/results/records.py); a null field is its default."""
        return cls(**{k: v for k, v in data.items() if v is not None})


# the JSON type of each field (null is "not known" for every one): bool is an int in Python, so it is kept apart
FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "launcher": (str,), "ran_alone": (bool,), "jobs": (int,), "neighbours": (list,), "process_env": (dict,),
    "launcher_note": (str,), "memory_bound_mib": (int, float), "caches": (dict,), "injected_slowdown": (int, float),
}
KEYS = tuple(f.name for f in fields(RunContext))
