"""The runner: every (case, variant) in its own fresh process, with a timeout, several at once where they may.

A crash, an abort, an OOM kill or a hang of the child becomes a record (outcome crashed / timeout, with the
tail of stderr and where its time went until then), never a lost suite, and never a neighbour's record. The
runner composes the record: the child reports what it observed, the case spec says what the chapter claims,
and the runner decides whether they agree, adds what only it can see (spawn and teardown, the XLA compilations
in the child's log, the compilation caches before and after, who ran beside it), and writes it as it ends.

How the fresh process is made is the `Launcher`'s business (harness/launch/launcher.py); which variants run side
by side, the scheduler's (harness/launch/scheduler.py).
"""
from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from harness.env.describe import describe, gpus
from harness.launch import caches, stderr
from harness.launch.device_choice import choose_device
from harness.launch.launcher import Launched, Launcher, Running
from harness.launch.scheduler import Task, run_tasks
from harness.results import metrics as registry
from harness.results.first_step import split
from harness.results.records import RunContext, RunRecord
from harness.spec import Case, Variant, symptoms
from harness.spec.config import RunConfig
from harness.train.phases import JOURNAL, durations, read_journal

GPU_SHARE = 0.9  # of the card, split between the variants that share it


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Prepared:
    """One variant ready to start: its record's fields, its job, its limits, its folder."""

    case: Case
    variant: Variant
    base: dict[str, Any]
    job: dict[str, Any]
    limit: float
    source: str
    variant_env: dict[str, str | None]
    fresh: bool
    tmp: tempfile.TemporaryDirectory | None = None
    started: float = 0.0
    caches_before: dict[str, Any] = field(default_factory=dict)


def prepare(case: Case, variant: Variant, device: str, overrides: dict[str, Any] | None = None,
            timeout_s: float | None = None) -> Prepared | RunRecord:
    """A variant's job and limits, or its `not_applicable` record where it does not run on this device."""
    config = case.config(variant, **(overrides or {})).with_overrides({"device": device})
    base = dict(case=case.id, variant=variant.name, role=variant.role, device=device,
                claim=variant.claims.get(device, symptoms.NOT_APPLICABLE), says=variant.says,
                config=config.to_dict(), seed=config.seed, started_at=_now())
    if device not in variant.devices:
        return RunRecord(**base, observed=symptoms.NOT_APPLICABLE, agrees=True, fix_works=None, outcome="skipped",
                         notes=[variant.not_applicable or f"not applicable on {device}"], env=describe(device))
    limit, source = (timeout_s, "--timeout") if timeout_s else (variant.timeout_s, "the variant's")
    job = {"case": case.id, "variant": variant.name, "device": device, "config": config.to_dict(),
           "symptoms": [asdict(s) for s in case.symptoms]}
    # a hook that must run before TensorFlow loads needs a fresh interpreter: in a forked worker it is imported
    fresh = "start" in config.hooks
    return Prepared(case, variant, base, job, limit, source, dict(variant.env), fresh)


def compose(base: dict[str, Any], variant: Variant, result: dict[str, Any], wall: float, err: str,
            context: RunContext | None = None) -> RunRecord:
    """The record of a run that reported back: claim against observation, plus metric expectations (which may
    name any measurement, registered or not)."""
    observed = result["observed"]
    failed = symptoms.check_expectations(result["metrics"], variant.expect) if observed == base["claim"] else []
    notes = [f"expectation failed: {f}" for f in failed]
    if observed != base["claim"]:
        notes.append(f"chapter's claim ({base['claim']}) does not hold here: observed {observed}")
    measured, diagnostics = registry.split(result["metrics"])
    return RunRecord(**base, observed=observed, agrees=observed == base["claim"] and not failed,
                     fix_works=(observed == symptoms.OK) if variant.role == "fix" else None,
                     outcome=result["outcome"], metrics=measured, diagnostics=diagnostics,
                     context=context or RunContext(), error=result.get("error"),
                     notes=notes, env=result.get("env") or describe(base["device"]), wall_s=wall,
                     warnings=sorted(set(result.get("warnings", [])) | set(stderr.warnings_of(err))))


def _lost(p: Prepared, launched: Launched, wall: float, extra: dict[str, Any], context: RunContext) -> RunRecord:
    """The record of a worker that wrote no result: timed out or crashed, with where its time went until then
    (its phase journal) and the phase it was in."""
    failure = launched.failure
    message = (f"worker ran past its {p.limit:g} s limit ({p.source}) and was killed" if failure == "timeout"
               else "worker crashed: it died without writing a result")
    marks = read_journal(Path(p.tmp.name) / JOURNAL) if p.tmp else []
    if marks:
        extra = {**extra, "phases": durations(until=launched.t_exit, marks=marks), "stopped_in": marks[-1][0]}
    measured, diagnostics = registry.split(extra)
    return RunRecord(**p.base, observed=symptoms.TIMEOUT if failure == "timeout" else symptoms.CRASHED,
                     agrees=False, fix_works=False if p.variant.role == "fix" else None, outcome=failure,
                     wall_s=wall, env=describe(p.base["device"]), metrics=measured, diagnostics=diagnostics,
                     context=context,
                     error={"type": failure, "message": message, "limit_s": p.limit, "limit_source": p.source,
                            "stderr_tail": stderr.tail(launched.stderr)},
                     warnings=stderr.warnings_of(launched.stderr))


def finish(p: Prepared, launched: Launched, running: Running, neighbours: set[str], launcher: Launcher,
           jobs: int) -> RunRecord:
    """The record of a variant whose process ended: what it reported (or why it reported nothing), the XLA
    compilations in its log, and the run context only the runner knows (who ran beside it, how it was made)."""
    wall = time.perf_counter() - p.started
    compiles, loaded = stderr.xla_compilations(launched.stderr), stderr.xla_loaded(launched.stderr)
    context = RunContext(launcher=launched.launcher, ran_alone=not neighbours, jobs=jobs,
                         neighbours=sorted(neighbours)[:20], process_env=p.variant_env,
                         launcher_note=launcher.note(p.variant_env) or None,
                         memory_bound_mib=p.job.get("memory_bound_mib") or None,
                         caches=caches.change(p.caches_before, caches.sizes()) or {},
                         injected_slowdown=(launched.result or {}).get("injected_slowdown"))
    extra: dict[str, Any] = {"xla_compilations": len(compiles) - len(loaded), "xla_loaded": len(loaded),
                             "xla_compile_s": round(sum(s for _, s in compiles), 4)} if compiles else {}
    if launched.result is None:
        return _lost(p, launched, wall, extra, context)
    result = launched.result
    metrics = result["metrics"]
    metrics.update(extra)
    if "t_written" in result:  # the worker's phases, and the one only the runner sees: its exit
        metrics.setdefault("phases", {})["teardown"] = round(max(launched.t_exit - result["t_written"], 0.0), 4)
    window = result.get("first_step_window")
    first = split(tuple(window) if window else None, result.get("trace_intervals") or [], compiles, loaded)
    if first:
        metrics["first_step"] = first
    return compose(p.base, p.variant, result, wall, launched.stderr, context)


def run_pairs(pairs: list[tuple[Case, Variant]], device: str, overrides: dict[str, Any] | None = None,
              on_record: Callable[[RunRecord], None] = lambda r: None,
              on_start: Callable[[Case, Variant], None] = lambda c, v: None,
              timeout_s: float | None = None, launcher: str = "auto", jobs: int = 1,
              worker: list[str] | None = None) -> list[RunRecord]:
    """Run the pairs, up to `jobs` at a time (a variant that must run alone with nothing beside it); each record
    goes to `on_record` as its variant ends. Ctrl-C kills the running workers, stops the zygotes and is
    re-raised: the records already passed to `on_record` are the suite's result so far. `worker` replaces the
    worker command (tests)."""
    records: list[RunRecord] = []
    bound = memory_bound(device, jobs)
    with Launcher(launcher, device) as launch:
        def start(task: Task) -> Running | None:
            case, variant = task.payload[:2]
            on_start(case, variant)
            p = prepare(case, variant, device, overrides, timeout_s)
            if isinstance(p, RunRecord):
                task.payload = (case, variant, p)
                return None
            if bound and not task.alone:
                p.job["memory_bound_mib"] = bound
            p.tmp = tempfile.TemporaryDirectory(prefix="fitbench-")
            p.caches_before, p.started = caches.sizes(), time.perf_counter()
            p.job["t_launch"] = time.time()
            task.payload = (case, variant, p)
            return launch.start(p.job, Path(p.tmp.name), p.limit, p.variant_env, worker, fresh=p.fresh)

        def finished(running: list[Task]) -> list[Task]:
            done = {id(r) for r in launch.poll([t.handle for t in running])}
            return [t for t in running if id(t.handle) in done]

        def finish_task(task: Task) -> None:
            p = task.payload[2]
            if isinstance(p, RunRecord):
                record = p
            else:
                try:
                    record = finish(p, launch.collect(task.handle), task.handle, task.neighbours, launch, jobs)
                finally:
                    p.tmp.cleanup()
            on_record(record)
            records.append(record)

        def stop(task: Task) -> None:
            launch.kill(task.handle)
            p = task.payload[2]
            if not isinstance(p, RunRecord) and p.tmp is not None:
                p.tmp.cleanup()

        tasks = [Task(f"{c.id}:{v.name}", runs_alone(c, v), (c, v)) for c, v in pairs]
        run_tasks(tasks, jobs, start, finished, finish_task, stop)
    return records


def run_variant(case: Case, variant: Variant, device: str, overrides: dict[str, Any] | None = None,
                timeout_s: float | None = None, worker: list[str] | None = None, launcher: str = "spawn") -> RunRecord:
    """One (case, variant) in its own process (a fresh interpreter unless `launcher` says otherwise)."""
    return run_pairs([(case, variant)], device, overrides, timeout_s=timeout_s, launcher=launcher, worker=worker)[0]


def runs_alone(case: Case, variant: Variant) -> bool:
    return case.alone if variant.alone is None else variant.alone


def default_jobs(device: str, nvml: Any = None, cores: int | None = None) -> int:
    """Variants side by side by default: a worker wants about 4 cores and, on a GPU, 10 GiB of the card (a
    DistilBERT-shaped fine-tune at batch 32 peaks near 3 GiB; the rest is the allocator's slack); on CPU each
    process already uses every core, so sharing only pays beyond 4 of them. At most 6. `nvml` (pynvml unless
    a test hands in a fake) tells the card; `cores` defaults to this machine's."""
    import os

    cores = cores or os.cpu_count() or 1
    by_cores = max(1, cores // 4)
    if device != "gpu":
        return min(by_cores, 6)
    found = gpus(nvml)
    by_memory = max(1, found[0]["memory_total_mib"] // 10240) if found else 1
    return max(1, min(by_cores, by_memory, 6))


def memory_bound(device: str, jobs: int, nvml: Any = None) -> int | None:
    """The GPU memory cap of a variant that shares the card (`jobs` > 1), so that neighbours can coexist; None
    where nothing is shared or NVML sees no card. `nvml`: pynvml unless a test hands in a fake."""
    if device != "gpu" or jobs <= 1:
        return None
    found = gpus(nvml)
    return int(found[0]["memory_total_mib"] * GPU_SHARE / jobs) if found else None


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


def resolve_device(device: str, nvml: Any = None) -> str:
    """cpu / gpu as asked; `auto`: the GPU where NVML sees one and the installed TensorFlow can use it, else the CPU
    — and where a GPU is there but TensorFlow cannot use it, one line on stderr saying so and what to install
    (harness/launch/device_choice.py), instead of an error record per variant."""
    resolved, why = choose_device(device, nvml)
    if why:
        print(f"fitbench: {why}", file=sys.stderr, flush=True)
    return resolved


def check_overrides(overrides: dict[str, Any]) -> None:
    """Raise ValueError naming the field if the user's overrides do not make a valid RunConfig."""
    RunConfig().with_overrides(overrides)
