"""The runner: every (case, variant) in its own fresh process, with a timeout.

A crash, an abort, an OOM kill or a hang of the child becomes a record (outcome crashed / timeout, with the
tail of stderr), never a lost suite. The runner composes the record: the child reports what it observed,
the case spec says what the chapter claims, and the runner decides whether they agree.

How the fresh process is made is the `Launcher`'s business (harness/launch/launcher.py): forked from a zygote
that imported the libraries once, or a new interpreter.
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from harness.env.describe import describe, device_class
from harness.launch.launcher import Launcher
from harness.results.records import RunRecord
from harness.spec import Case, Variant, symptoms
from harness.spec.config import RunConfig

WARNING_WORDS = ("warning", "deprecat")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def stderr_warnings(stderr: str) -> list[str]:
    lines = {line.strip()[:300] for line in stderr.splitlines() if any(w in line.lower() for w in WARNING_WORDS)}
    return sorted(lines)[:40]


def run_variant(case: Case, variant: Variant, device: str, overrides: dict[str, Any] | None = None,
                timeout_s: float | None = None, worker: list[str] | None = None,
                launcher: Launcher | None = None) -> RunRecord:
    """One (case, variant) in its own process. `worker` replaces the worker command (tests); `launcher` is the
    suite's (a one-off spawning launcher otherwise)."""
    config = case.config(variant, **(overrides or {}))
    config = config.with_overrides({"device": device})
    base = dict(case=case.id, variant=variant.name, role=variant.role, device=device,
                claim=variant.claims.get(device, symptoms.NOT_APPLICABLE), says=variant.says,
                config=config.to_dict(), seed=config.seed, started_at=_now())
    if device not in variant.devices:
        return RunRecord(**base, observed=symptoms.NOT_APPLICABLE, agrees=True, fix_works=None, outcome="skipped",
                         notes=[variant.not_applicable or f"not applicable on {device}"],
                         env=describe(device))
    if launcher is None:
        with Launcher("spawn") as one_off:
            return run_variant(case, variant, device, overrides, timeout_s, worker, one_off)
    limit, source = (timeout_s, "--timeout") if timeout_s else (variant.timeout_s, "the variant's")
    variant_env = dict(getattr(variant, "env", None) or {})
    # a variable read when TensorFlow loads, or a hook that runs before it loads, needs a fresh interpreter:
    # in a forked worker TensorFlow is already imported
    fresh = bool(variant_env) or "start" in (getattr(config, "hooks", None) or {})
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fitbench-") as tmp:
        job = {"case": case.id, "variant": variant.name, "device": device, "config": config.to_dict(),
               "symptoms": [asdict(s) for s in case.symptoms], "t_launch": time.time()}
        launched = launcher.run(job, Path(tmp), limit, variant_env, worker, fresh=fresh)
    wall = time.perf_counter() - start
    extra = {"launcher": launched.launcher, **({"process_env": variant_env} if variant_env else {}),
             **({"launcher_note": launcher.note} if launcher.note else {})}
    if launched.result is None:
        failure = launched.failure
        message = (f"worker ran past its {limit:g} s limit ({source}) and was killed" if failure == "timeout"
                   else "worker crashed: it died without writing a result")
        return RunRecord(**base, observed=symptoms.TIMEOUT if failure == "timeout" else symptoms.CRASHED,
                         agrees=False, fix_works=False if variant.role == "fix" else None, outcome=failure,
                         wall_s=wall, env=describe(device), metrics=extra,
                         error={"type": failure, "message": message, "limit_s": limit, "limit_source": source,
                                "stderr_tail": launched.stderr[-3000:]},
                         warnings=stderr_warnings(launched.stderr))
    result = launched.result
    result["metrics"].update(extra)
    if "t_written" in result:  # the worker's phases, and the one only the runner sees: its exit
        phases = result["metrics"].setdefault("phases", {})
        phases["teardown"] = round(max(launched.t_exit - result["t_written"], 0.0), 4)
    return compose(base, variant, result, wall, launched.stderr)


def compose(base: dict[str, Any], variant: Variant, result: dict[str, Any], wall: float, stderr: str) -> RunRecord:
    """The record of a run that reported back: claim against observation, plus metric expectations."""
    observed = result["observed"]
    failed = symptoms.check_expectations(result["metrics"], variant.expect) if observed == base["claim"] else []
    notes = [f"expectation failed: {f}" for f in failed]
    if observed != base["claim"]:
        notes.append(f"chapter's claim ({base['claim']}) does not hold here: observed {observed}")
    return RunRecord(**base, observed=observed, agrees=observed == base["claim"] and not failed,
                     fix_works=(observed == symptoms.OK) if variant.role == "fix" else None,
                     outcome=result["outcome"], metrics=result["metrics"], error=result.get("error"),
                     notes=notes, env=result.get("env") or describe(base["device"]), wall_s=wall,
                     warnings=sorted(set(result.get("warnings", [])) | set(stderr_warnings(stderr))))


def plan(cases: Iterable[Case], selection: dict[str, list[str] | None] | None = None) -> list[tuple[Case, Variant]]:
    """The (case, variant) pairs to run: all in spec order, or `selection` (case id -> variant names or None
    for all) in the order the user gave it."""
    by_id = {case.id: case for case in cases}
    pairs = []
    for case_id in (by_id if selection is None else selection):
        case = by_id[case_id]
        wanted = selection.get(case_id) if selection is not None else None
        variants = [case.variant(name) for name in wanted] if wanted else list(case.variants)
        pairs.extend((case, v) for v in variants)
    return pairs


def run_pairs(pairs: list[tuple[Case, Variant]], device: str, overrides: dict[str, Any] | None = None,
              on_record: Callable[[RunRecord], None] = lambda r: None,
              on_start: Callable[[Case, Variant], None] = lambda c, v: None,
              timeout_s: float | None = None, launcher: str = "auto") -> list[RunRecord]:
    """Run the pairs one after the other. Ctrl-C kills the running worker, stops the zygote and is re-raised:
    the records already passed to `on_record` are the suite's result so far."""
    records = []
    with Launcher(launcher) as launch:
        for case, variant in pairs:
            on_start(case, variant)
            record = run_variant(case, variant, device, overrides, timeout_s, launcher=launch)
            on_record(record)
            records.append(record)
    return records


def resolve_device(device: str) -> str:
    return device_class() if device == "auto" else device


def check_overrides(overrides: dict[str, Any]) -> None:
    """Raise ValueError naming the field if the user's overrides do not make a valid RunConfig."""
    RunConfig().with_overrides(overrides)
