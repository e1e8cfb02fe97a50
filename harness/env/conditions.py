"""Run conditions: how a process may use the machine it runs on — the CPUs it may run on (`taskset`, a
container's cpuset), its CPU time quota (`docker --cpus`; harness/env/cpu_quota.py), the thread variables set,
and the verdict detector's injected slowdown (harness/train/slowdown.py), a test knob that must follow a side
that is re-measured.
Not the machine (`cpu_count` and the CPU model are that): the same machine under other conditions.

Every record keeps them (`env.conditions`, written by harness/env/describe.py), and a run that is to be repeated
as another was (a re-measured side of a comparison, harness/verdict/sides.py) gets them back through
`Conditions.from_record` and an Environment's `run_suite(..., conditions=...)`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import settings
from harness.env.cpu_quota import current_quota, quota_group

# the variables that set how many threads TensorFlow and its math libraries use
THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")
INJECT_VARIABLE = "FITBENCH_INJECT_SLOWDOWN"   # harness/train/slowdown.py reads it (stdlib here: no import of train/)
MEET_VARIABLE = "FITBENCH_PAIR_MEET"           # harness/train/pairing.py reads it
ONE_THREAD = {name: "1" for name in THREAD_VARIABLES}


def run_conditions() -> dict[str, Any]:
    """This process's conditions, as a record's `env.conditions`."""
    try:
        affinity = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        affinity = list(range(os.cpu_count() or 1))
    out = {"affinity": affinity, "cpu_quota": current_quota(),
           "threads": {k: os.environ[k] for k in THREAD_VARIABLES if k in os.environ}}
    if settings.get(INJECT_VARIABLE):
        out["inject"] = settings.get(INJECT_VARIABLE)
    return out


@dataclass(frozen=True)
class Conditions:
    affinity: tuple[int, ...] = ()                      # () : whatever the parent has
    quota: tuple[float, int] | None = None              # (CPUs, period in µs)
    threads: dict[str, str] = field(default_factory=dict)
    inject: str = ""                                    # FITBENCH_INJECT_SLOWDOWN's value, "" : none
    meet: str = ""                                      # a round measured at once: where the sides meet, "" : none

    @classmethod
    def from_record(cls, conditions: dict[str, Any] | None) -> "Conditions":
        c = conditions or {}
        quota = c.get("cpu_quota")
        return cls(tuple(c.get("affinity") or ()), (quota["cpus"], int(quota["period_us"])) if quota else None,
                   dict(c.get("threads") or {}), str(c.get("inject") or ""))

    def variables(self) -> dict[str, str]:
        """The process variables these conditions set: the thread variables, and the injected slowdown (set to ""
        where there is none, so a side measured without it is never slowed by a parent that has it)."""
        return {**self.threads, INJECT_VARIABLE: self.inject, MEET_VARIABLE: self.meet}

    def at_once(self, cpu: int, meet: Path) -> "Conditions":
        """These conditions for one side of a round measured at once with another: one CPU of its own and one
        thread (the other side has the other CPU), the same injected slowdown, meeting the other side at `meet`."""
        return Conditions((cpu,), None, dict(ONE_THREAD), self.inject, str(meet))

    def same_machine_share(self, other: "Conditions") -> bool:
        """Whether two sides ran with the same share of the machine (CPUs, quota, threads): then what differs
        between them is their code and libraries (or an injected slowdown), and measuring them at once compares
        exactly that."""
        return (len(self.affinity), self.quota, self.threads) == (len(other.affinity), other.quota, other.threads)

    def cgroup(self) -> Path | None:
        """The cgroup that sets the quota (made once); PermissionError where it cannot be made here."""
        return quota_group(*self.quota) if self.quota else None

    def describe(self) -> str:
        parts = [f"CPUs {','.join(map(str, self.affinity))}"] if self.affinity else []
        parts += [f"a quota of {self.quota[0]:g} CPUs"] if self.quota else []
        parts += [f"injected slowdown {self.inject}"] if self.inject else []
        parts += ["measured at once with the other side"] if self.meet else []
        return ", ".join(parts + [f"{k}={v}" for k, v in sorted(self.threads.items())])
