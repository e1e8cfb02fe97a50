"""Running a checkup in isolation, with fitbench's own launcher: the checks run in a worker process forked from a
zygote that imported TensorFlow once (harness/launch/), never in the doctor's process.

The checks of one pipeline share a process while they behave, so its data, model and traced step are built once;
the journal (harness/train/checkup/journal.py) says which check is running. A check that outlives its time bound
is killed and reported as such; one that kills its process (an abort, a segfault, the OS's OOM killer) is
reported as crashed; either way the checks after it run in a fresh process forked from the same zygote, so a
crash or a hang in one check never hides the others. A `Doctor` keeps its zygote for every pipeline it examines.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from harness.doctor.inputs import BadInput, Resolved, resolve
from harness.doctor.judgement import FAIL, SKIP, Judgement
from harness.doctor.pipeline import Bounds, UserPipeline
from harness.doctor.report import Report, assemble
from harness.doctor.signs import catalog, derive, own_symptoms
from harness.launch import stderr
from harness.launch.launcher import Launched, Launcher
from harness.launch.runner import resolve_device
from harness.results.errors import informative_line
from harness.spec.checks import MEASURED
from harness.train.checkup import journal

POLL_S = 0.1


def in_progress(events: list[dict[str, Any]], began: float) -> tuple[str, float]:
    """The part of a checkup in progress and since when: "setup" until the pipeline is built, a check's name
    while it runs, "between" two checks."""
    part, since = "setup", began
    for event in events:
        if event["event"] == "start":
            part, since = event["check"], event["t"]
        elif event["event"] in ("ready", "done"):
            part, since = "between", event["t"]
    return part, since


def _last_line(text: str) -> str:
    lines = [line.strip() for line in stderr.tail(text).splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


class Doctor:
    """Examines pipelines, each checkup in worker processes of one launcher. Use as a context manager."""

    def __init__(self, registry: Any, device: str = "auto", launcher: str = "auto", bounds: Bounds = Bounds()):
        """`registry`: the case registry (the `cases` package), whose variants' signs the doctor knows."""
        self.device = resolve_device(device)
        self.bounds = bounds
        self.launch = Launcher(launcher, self.device)
        self.known = catalog(registry.all_cases())
        self.own = own_symptoms(registry.all_cases())

    def __enter__(self) -> "Doctor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.launch.close()

    def examine(self, p: UserPipeline, resolved: Resolved | None = None) -> Report:
        """The report on one pipeline; BadInput where its files cannot be examined."""
        start = time.perf_counter()
        resolved = resolved or resolve(p)
        facts: dict[str, Any] = {**p.facts(), **resolved.facts(), "device": self.device}
        problems: dict[str, Judgement] = {}
        pending = list(MEASURED)
        while pending:
            pending = self._process(p, resolved, pending, facts, problems)
        facts = derive(facts, self.own)
        subject = (f"model {p.model} ({facts.get('model_class', '?')}, {facts.get('num_labels')} outputs) · data "
                   f"{p.data} ({facts.get('n_rows')} rows, labels in {resolved.label}) · {self.device}")
        return assemble(subject, facts, problems, self.known, time.perf_counter() - start)

    def _job(self, p: UserPipeline, resolved: Resolved, checks: list[str], facts: dict, path: Path) -> dict:
        spec = {"journal": str(path), "checks": checks, "split": p.split, "label": resolved.label,
                "text": list(resolved.text), "max_length": p.max_length, "facts": facts,
                "budget": {"steps": p.overfit_steps, "threshold": p.overfit_threshold,
                           "seconds": 0.8 * self.bounds.overfit}}  # the overfit stops itself before its bound
        cfg = p.run_config(self.device).with_overrides({"extra": {"doctor": spec}})
        return {"case": "doctor", "variant": p.data, "device": self.device, "config": cfg.to_dict(), "symptoms": []}

    def _process(self, p: UserPipeline, resolved: Resolved, checks: list[str], facts: dict[str, Any],
                 problems: dict[str, Judgement]) -> list[str]:
        """Run `checks` in one worker; returns the checks still to run where it was killed or died."""
        with tempfile.TemporaryDirectory(prefix="fitbench-doctor-") as tmp:
            path = Path(tmp) / journal.JOURNAL
            limit = self.bounds.setup + sum(self.bounds.of(c) for c in checks)
            running = self.launch.start(self._job(p, resolved, checks, facts, path), Path(tmp), limit, {},
                                        fresh="start" in p.hooks)  # a start hook must precede TensorFlow
            launched, current = self._wait(running, path)
            events = journal.read(path)
        began = {e["check"]: e["t"] for e in events if e["event"] == "start"}
        for event in events:
            if event["event"] in ("ready", "done"):
                facts.update(event.get("facts") or {})
            if event["event"] == "done":  # where a checkup's time goes, for --json
                facts.setdefault("check_seconds", {})[event["check"]] = round(event["t"] - began[event["check"]], 2)
            if event["event"] == "done" and event.get("error"):
                said = informative_line(event["error"])
                problems[event["check"]] = Judgement(SKIP, [f"could not measure: {said}"])
        done = {e["check"] for e in events if e["event"] == "done"}
        if current is None and launched.result is not None and launched.result.get("error"):
            error = launched.result["error"]  # building the pipeline failed: the model or the data do not load
            raise BadInput(f"cannot examine model {p.model} with data {p.data}: {error['type']}: "
                           f"{informative_line(error)}")
        if (launched.failure or launched.result is None) and (current or not done):  # not: gone after it all
            self._lost(current, launched, p, facts, problems)
        return [c for c in checks if c not in done and c != current] if current else []

    def _wait(self, running, path: Path) -> tuple[Launched, str | None]:
        """Poll until the worker is gone, killing it where the part in progress outlives its bound; returns what
        it left and the check it was in (None: it never got past building the pipeline)."""
        began = time.time()
        while not self.launch.poll([running]):
            part, since = in_progress(journal.read(path), began)
            if time.time() - since > self.bounds.of(part):
                self.launch.kill(running, "timeout")
            time.sleep(POLL_S)
        events = journal.read(path)
        finished = {e["check"] for e in events if e["event"] == "done"}
        current = next((e["check"] for e in events if e["event"] == "start" and e["check"] not in finished), None)
        return self.launch.collect(running), current

    def _lost(self, current: str | None, launched: Launched, p: UserPipeline, facts: dict[str, Any],
              problems: dict[str, Judgement]) -> None:
        """What a worker that was killed or died leaves to say."""
        if current is None:
            why = "ran past its time bound" if launched.failure == "timeout" else \
                f"died ({_last_line(launched.stderr)})"
            raise BadInput(f"cannot examine model {p.model} with data {p.data}: loading them {why}")
        if launched.failure == "timeout":
            bound = self.bounds.of(current)
            problems[current] = Judgement(SKIP, [f"did not finish within {bound:g} s (its bound)"])
        else:
            problems[current] = Judgement(FAIL, [f"crashed: {_last_line(launched.stderr)}"])
            if current == "overfit":
                facts["step_crashed"] = True  # the eager check runs the step again, where the cause can show
