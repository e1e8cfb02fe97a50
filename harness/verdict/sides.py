"""A side of a comparison, made runnable again: the environment whose libraries it measured, the conditions it ran
under, and the config it ran with.

Re-measuring a suspect (harness/verdict/confirm.py) means running its variant again *as each side ran it*: in an
Environment (harness/env/environment.py) with the side's TensorFlow / tf-keras / Keras / transformers — this
interpreter where they are the installed ones, else one built from those pins (resolved as of their release where
the side's records say theirs was) — under the side's recorded run conditions (its CPUs, CPU quota and thread
variables: harness/env/conditions.py), with the same model, data, seed and training rows, on the same hardware
(a side measured on another machine cannot be re-measured here).

A round of confirmation measures the two sides in turn, each under its own conditions, or — where the sides had the
same share of the machine — at once, a CPU each (`measure_round`, `pairing_cpus`).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.env.conditions import Conditions
from harness.env.describe import cpu_model, gpus, versions
from harness.env.environment import CurrentInterpreter, EnvSpec, Environment, Factory, UvEnvironment
from harness.env.suite_process import stop_all
from harness.results.records import RunRecord
from harness.results.reading import read_records

KEY_PACKAGES = ("tensorflow", "tf-keras", "keras", "transformers")
RUN_TIMEOUT_S = 1800


class CannotReproduce(Exception):
    """A side that cannot be run again here: its one-line reason goes into the verdict."""


@dataclass
class Side:
    label: str                          # baseline | current
    environment: Environment            # built
    args: tuple[str, ...] = ()          # --model, --data, --seed, --n-train
    device: str = "cpu"
    conditions: Conditions = field(default_factory=Conditions)
    code: Path | None = None            # a snapshot of fitbench's code (harness/env/suite_process.code_snapshot)

    def run(self, pairs: list[str], out: Path) -> list[RunRecord]:
        """The records of `pairs` ("case:variant") run once more, one variant at a time (timings alone)."""
        self.environment.run_suite([tuple(p.split(":", 1)) for p in pairs], self.device, out, self.code,
                                   RUN_TIMEOUT_S, (*self.args, "--jobs", "1"), self.conditions)
        return read_records([out]) if out.exists() else []

    def describe(self) -> str:
        conditions = self.conditions.describe()
        return f"{self.label}: {self.environment.python}" + (f", {conditions}" if conditions else "")


def _majority(values: list[Any]) -> Any:
    return Counter(values).most_common(1)[0][0]


def _check_machine(label: str, records: list[RunRecord], device: str) -> None:
    env = records[0].env or {}
    cards = tuple((g.get("name"), g.get("memory_total_mib"), g.get("driver")) for g in env.get("gpus") or []) \
        if device == "gpu" else ()
    here = tuple((g["name"], g["memory_total_mib"], g["driver"]) for g in gpus()) if device == "gpu" else ()
    if env.get("cpu") != cpu_model() or env.get("cpu_count") not in (None, os.cpu_count()) or cards != here:
        raise CannotReproduce(f"the {label} was measured on other hardware ({env.get('cpu')}, "
                              f"{[c[0] for c in cards] or 'no GPU'}); re-measuring here would measure this machine")


def _environment(label: str, records: list[RunRecord], factory: Factory, light: list[str] | None) -> Environment:
    wanted = _majority([tuple(((r.env or {}).get("versions") or {}).get(p) for p in KEY_PACKAGES) for r in records])
    if wanted == tuple(versions().get(p) for p in KEY_PACKAGES):
        return CurrentInterpreter()
    pins = tuple(f"{p}=={v}" for p, v in zip(KEY_PACKAGES, wanted) if v)
    as_of = any((r.env or {}).get("resolved_as_of") for r in records)  # resolved as it was, where it was
    env = factory(EnvSpec(pins, None if light is None else tuple(light), as_of=as_of))
    error = env.build()
    if error is not None:
        raise CannotReproduce(f"the {label}'s environment ({' '.join(pins)}) does not install: "
                              f"{error.splitlines()[0][:200] if error else 'no reason given'}")
    return env


def side_from_records(label: str, records: list[RunRecord], environment: Factory = UvEnvironment,
                      light: list[str] | None = None) -> Side:
    """The Side that reruns `records` as they ran; CannotReproduce where that is not possible here."""
    if not records:
        raise CannotReproduce(f"the {label} has no records")
    device = _majority([r.device for r in records])
    _check_machine(label, records, device)
    env = _environment(label, records, environment, light)
    model, data, seed, n_train = _majority([tuple((r.config or {}).get(k) for k in ("model", "data", "seed",
                                                                                   "n_train")) for r in records])
    args = ("--model", str(model or "embedded"), "--data", str(data or "embedded"), "--seed", str(seed or 0),
            *(("--n-train", str(n_train)) if n_train else ()))
    recorded = _majority([repr((r.env or {}).get("conditions") or {}) for r in records])
    conditions = Conditions.from_record(next((r.env or {}).get("conditions") for r in records
                                             if repr((r.env or {}).get("conditions") or {}) == recorded))
    try:
        conditions.cgroup()
    except PermissionError as exc:
        raise CannotReproduce(f"the {label} ran under a CPU quota this process cannot set: {exc}") from None
    return Side(label, env, args, device, conditions)


def pairing_cpus(base: Side, cur: Side) -> tuple[int, int] | None:
    """The two CPUs a round measures its sides on at once, or None where they must run in turn: on a GPU (one
    card), where this process has fewer than two CPUs, or where the sides ran with different shares of the machine
    (a core, a quota, thread limits) — then that difference is what the night compares, and each side is rerun
    under its own. Why at once: the machine slows every process on it together for seconds at a time, so two runs
    side by side see the same machine and two in turn do not (results/verdict-detector-2026-12-06-quiet/at-once/
    spread.json: one variant's A/A log ratio spread 12 % in turn, 3.4 % at once)."""
    try:
        mine = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):   # not Linux: no affinity to give each side
        return None
    if base.device != "cpu" or cur.device != "cpu" or len(mine) < 2:
        return None
    if not base.conditions.same_machine_share(cur.conditions):
        return None
    return mine[0], mine[1]


def measure_round(order: tuple[Side, Side], wanted: list[str], folder: Path, index: int,
             cpus: tuple[int, int] | None) -> dict[str, list[RunRecord]]:
    """One round's records per side: in turn (`order`), or both at once, each on its CPU of `cpus`, meeting at
    the steady steps (harness/train/pairing.py) in a folder that goes with the round."""
    if cpus is None:
        return {side.label: side.run(wanted, folder / f"{side.label}-{index}.jsonl") for side in order}
    meet = Path(tempfile.mkdtemp(prefix=f".meet-{index}-", dir=folder))
    (meet / "cpus").write_text(f"{cpus[0]} {cpus[1]}")   # halfway, the sides trade them (harness/train/pairing.py)
    sides = [replace(side, conditions=side.conditions.at_once(cpu, meet)) for side, cpu in zip(order, cpus)]
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {s.label: pool.submit(s.run, wanted, folder / f"{s.label}-{index}.jsonl") for s in sides}
            try:
                return {label: future.result() for label, future in futures.items()}
            except KeyboardInterrupt:
                stop_all()   # the other thread's suite too: a Ctrl-C leaves no run behind
                raise
    finally:
        shutil.rmtree(meet, ignore_errors=True)
