"""A side of a comparison, made runnable again: the interpreter whose libraries it measured, the conditions it
ran under, and the config it ran with.

Re-measuring a suspect (harness/verdict/confirm.py) means running its variant again *as each side ran it*: in an
interpreter with the side's TensorFlow / tf-keras / Keras / transformers (this one where they are the installed
ones, else an environment built with uv from those pins, cached like bisect's), on the same CPUs with the same
thread variables and CPU quota (records keep them in `env.conditions`), with the same model, data, seed and training rows,
on the same hardware (a side measured on another machine cannot be re-measured here).
"""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from harness.env.build import build_env
from harness.env.cpu_quota import quota_group
from harness.env.describe import cpu_model, gpus, versions
from harness.env.requirements import environment_requirements
from harness.launch.suite_process import child_environment, run_suite_process
from harness.results.records import RunRecord

KEY_PACKAGES = ("tensorflow", "tf-keras", "keras", "transformers")
RUN_TIMEOUT_S = 1800
Builder = Callable[[list[str]], tuple[Path | None, str | None]]


class CannotReproduce(Exception):
    """A side that cannot be run again here: its one-line reason goes into the verdict."""


@dataclass
class Side:
    label: str                          # baseline | current
    python: Path
    args: list[str]                     # --device, --model, --data, --seed, --n-train
    affinity: list[int] | None = None
    threads: dict[str, str] = field(default_factory=dict)
    quota: dict[str, float] | None = None   # {"cpus", "period_us"}: a CPU time quota (harness/env/cpu_quota.py)
    code: Path | None = None            # a snapshot of fitbench's code (harness/launch/suite_process.code_snapshot)
    # how to run it where not through `python -m harness run` here (the nightly's own suite runner, a test's fake)
    runner: Callable[["Side", list[str], Path], list[RunRecord]] | None = None

    def run(self, pairs: list[str], out: Path) -> list[RunRecord]:
        """The records of `pairs` ("case:variant") run once more, one variant at a time (timings alone)."""
        if self.runner is not None:
            return self.runner(self, pairs, out)
        group = quota_group(self.quota["cpus"], int(self.quota["period_us"])) if self.quota else None
        run = run_suite_process(self.python, [*self.args, "--jobs", "1", "--cases", ",".join(pairs)], out,
                                cwd=self.code, env=child_environment(self.code, self.threads),
                                timeout_s=RUN_TIMEOUT_S, affinity=self.affinity, cgroup=group)
        return run.records

    def describe(self) -> str:
        cpus = f", CPUs {','.join(map(str, self.affinity))}" if self.affinity else ""
        threads = "".join(f", {k}={v}" for k, v in sorted(self.threads.items()))
        quota = f", a quota of {self.quota['cpus']:g} CPUs" if self.quota else ""
        return f"{self.label}: {self.python}{cpus}{quota}{threads}"


def _majority(values: list[Any]) -> Any:
    return Counter(values).most_common(1)[0][0]


def _this_machine(device: str) -> tuple[Any, ...]:
    cards = tuple((g["name"], g["memory_total_mib"], g["driver"]) for g in gpus()) if device == "gpu" else ()
    import os

    return cpu_model(), os.cpu_count(), cards


def _check_machine(label: str, records: list[RunRecord], device: str) -> None:
    env = records[0].env or {}
    here_cpu, here_cores, here_cards = _this_machine(device)
    cards = tuple((g.get("name"), g.get("memory_total_mib"), g.get("driver")) for g in env.get("gpus") or []) \
        if device == "gpu" else ()
    if env.get("cpu") != here_cpu or (env.get("cpu_count") not in (None, here_cores)) or cards != here_cards:
        raise CannotReproduce(f"the {label} was measured on other hardware ({env.get('cpu')}, "
                              f"{[c[0] for c in cards] or 'no GPU'}); re-measuring here would measure this machine")


def side_from_records(label: str, records: list[RunRecord], build: Builder = build_env,
                      light: list[str] | None = None) -> Side:
    """The Side that reruns `records` as they ran; CannotReproduce where that is not possible here."""
    if not records:
        raise CannotReproduce(f"the {label} has no records")
    device = _majority([r.device for r in records])
    _check_machine(label, records, device)
    wanted = _majority([tuple(((r.env or {}).get("versions") or {}).get(p) for p in KEY_PACKAGES) for r in records])
    installed = versions()
    python: Path | None = Path(sys.executable)
    if wanted != tuple(installed.get(p) for p in KEY_PACKAGES):
        pins = [f"{p}=={v}" for p, v in zip(KEY_PACKAGES, wanted) if v]
        python, error = build(environment_requirements(pins, light))
        if python is None:
            raise CannotReproduce(f"the {label}'s environment ({' '.join(pins)}) does not install: "
                                  f"{(error or '').splitlines()[0][:200] if error else 'no reason given'}")
    config = _majority([tuple((r.config or {}).get(k) for k in ("model", "data", "seed", "n_train")) for r in records])
    model, data, seed, n_train = config
    args = ["--device", device, "--model", str(model or "embedded"), "--data", str(data or "embedded"),
            "--seed", str(seed or 0)] + (["--n-train", str(n_train)] if n_train else [])
    conditions = _majority([repr((r.env or {}).get("conditions") or {}) for r in records])
    cond = next(((r.env or {}).get("conditions") or {}) for r in records
                if repr((r.env or {}).get("conditions") or {}) == conditions)
    quota = cond.get("cpu_quota") or None
    if quota:
        try:
            quota_group(quota["cpus"], int(quota["period_us"]))
        except PermissionError as exc:
            raise CannotReproduce(f"the {label} ran under a CPU quota this process cannot set: {exc}") from None
    return Side(label, python, args, list(cond.get("affinity") or []) or None, dict(cond.get("threads") or {}),
                quota)
