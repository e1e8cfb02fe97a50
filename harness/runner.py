"""The runner: every (case, variant) in its own fresh Python process, with a timeout.

A crash, an abort, an OOM kill or a hang of the child becomes a record (outcome crashed / timeout, with the
tail of stderr), never a lost suite. The runner composes the record: the child reports what it observed,
the case spec says what the chapter claims, and the runner decides whether they agree.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from harness import env, symptoms
from harness.config import RunConfig
from harness.records import RunRecord
from harness.spec import Case, Variant

WORKER = [sys.executable, "-m", "harness.worker"]
WARNING_WORDS = ("warning", "deprecat")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _stderr_warnings(stderr: str) -> list[str]:
    lines = {line.strip()[:300] for line in stderr.splitlines() if any(w in line.lower() for w in WARNING_WORDS)}
    return sorted(lines)[:40]


def _spawn(job: dict[str, Any], timeout_s: float, worker: list[str]) -> tuple[dict | None, str, str]:
    """Run the worker; returns (result or None, outcome if no result, stderr)."""
    with tempfile.TemporaryDirectory(prefix="fitbench-") as tmp:
        result_path = Path(tmp) / "result.json"
        stderr_path = Path(tmp) / "stderr.txt"
        with open(stderr_path, "w") as err:
            # a new session, so a timeout can kill the child and anything it started
            proc = subprocess.Popen([*worker, str(result_path)], stdin=subprocess.PIPE, stdout=err, stderr=err,
                                    start_new_session=True, cwd=os.getcwd())
            try:
                proc.communicate(json.dumps(job).encode(), timeout=timeout_s)
                outcome = "crashed"
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                outcome = "timeout"
        stderr = stderr_path.read_text(errors="replace")
        if outcome == "crashed" and proc.returncode != 0:
            stderr += f"\n[fitbench] worker exited with {_describe_returncode(proc.returncode)}"
        if result_path.exists() and outcome != "timeout":
            return json.loads(result_path.read_text()), "", stderr
        return None, outcome, stderr


def _describe_returncode(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def run_variant(case: Case, variant: Variant, device: str, overrides: dict[str, Any] | None = None,
                timeout_s: float | None = None, worker: list[str] | None = None) -> RunRecord:
    config = case.config(variant, **(overrides or {}))
    config = config.with_overrides({"device": device})
    base = dict(case=case.id, variant=variant.name, role=variant.role, device=device,
                claim=variant.claims.get(device, symptoms.NOT_APPLICABLE), says=variant.says,
                config=config.to_dict(), seed=config.seed, started_at=_now())
    if device not in variant.devices:
        return RunRecord(**base, observed=symptoms.NOT_APPLICABLE, agrees=True, fix_works=None, outcome="skipped",
                         notes=[variant.not_applicable or f"not applicable on {device}"],
                         env=env.describe(device))
    job = {"case": case.id, "variant": variant.name, "device": device, "config": config.to_dict()}
    start = time.perf_counter()
    result, failure, stderr = _spawn(job, timeout_s or variant.timeout_s, worker or WORKER)
    wall = time.perf_counter() - start
    if result is None:
        observed = symptoms.TIMEOUT if failure == "timeout" else symptoms.CRASHED
        return RunRecord(**base, observed=observed, agrees=False, fix_works=False if variant.role == "fix" else None,
                         outcome=failure, wall_s=wall, env=env.describe(device),
                         error={"type": failure, "message": f"worker {failure}", "stderr_tail": stderr[-3000:]},
                         warnings=_stderr_warnings(stderr))
    return compose(base, variant, result, wall, stderr)


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
                     notes=notes, env=result.get("env") or env.describe(base["device"]), wall_s=wall,
                     warnings=sorted(set(result.get("warnings", [])) | set(_stderr_warnings(stderr))))


def plan(cases: Iterable[Case], selection: dict[str, list[str] | None] | None = None) -> list[tuple[Case, Variant]]:
    """The (case, variant) pairs to run, in spec order; `selection` maps case id -> variant names or None (all)."""
    pairs = []
    for case in cases:
        if selection is not None and case.id not in selection:
            continue
        wanted = selection.get(case.id) if selection is not None else None
        variants = [case.variant(name) for name in wanted] if wanted else list(case.variants)
        pairs.extend((case, v) for v in variants)
    return pairs


def run_suite(pairs: list[tuple[Case, Variant]], device: str, overrides: dict[str, Any] | None = None,
              on_record: Callable[[RunRecord], None] = lambda r: None,
              on_start: Callable[[Case, Variant], None] = lambda c, v: None,
              timeout_s: float | None = None) -> list[RunRecord]:
    records = []
    for case, variant in pairs:
        on_start(case, variant)
        record = run_variant(case, variant, device, overrides, timeout_s)
        on_record(record)
        records.append(record)
    return records


def resolve_device(device: str) -> str:
    return env.device_class() if device == "auto" else device


def check_overrides(overrides: dict[str, Any]) -> None:
    """Raise ValueError naming the field if the user's overrides do not make a valid RunConfig."""
    RunConfig().with_overrides(overrides)
