"""The runner: every (case, variant) in its own fresh process, with a timeout.

A crash, an abort, an OOM kill or a hang of the child becomes a record (outcome crashed / timeout, with the
tail of stderr), never a lost suite. The runner composes the record: the child reports what it observed,
the case spec says what the chapter claims, and the runner decides whether they agree.

How the fresh process is made is the `Launcher`'s business: forked from a zygote that imported the libraries
once (`fork`, the default where the zygote can serve), or a new interpreter (`spawn`: always for a variant whose
spec sets its own process environment, since variables such as TF_USE_LEGACY_KERAS act when TensorFlow is
imported). Both keep a variant's device setup, precision policy and logical devices its own, and both give
the worker a lifeline: when the runner dies or is interrupted, its worker goes too and leaves no files behind.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from harness import env, symptoms
from harness.config import RunConfig
from harness.records import RunRecord
from harness.spec import Case, Variant
from harness.zygote import Zygote, ZygoteUnavailable

WORKER = [sys.executable, "-m", "harness.worker"]
LAUNCHERS = ("auto", "fork", "spawn")
WARNING_WORDS = ("warning", "deprecat")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _stderr_warnings(stderr: str) -> list[str]:
    lines = {line.strip()[:300] for line in stderr.splitlines() if any(w in line.lower() for w in WARNING_WORDS)}
    return sorted(lines)[:40]


def _describe_returncode(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


@dataclass
class Launched:
    """What one worker process left behind."""

    result: dict[str, Any] | None   # the worker's result, None if it wrote none (or ran past its limit)
    failure: str                     # "" | "crashed" | "timeout"
    stderr: str
    launcher: str                    # "fork" | "spawn"
    t_exit: float                    # time.time() when the process was gone


def process_env(overrides: dict[str, str | None]) -> dict[str, str]:
    """os.environ with a variant's variables applied; None unsets one (and tells harness/__init__ not to
    put its default back)."""
    out = {k: v for k, v in os.environ.items() if k not in overrides}
    out.update({k: v for k, v in overrides.items() if v is not None})
    unset = [k for k, v in overrides.items() if v is None]
    if unset:
        out["FITBENCH_UNSET"] = ",".join(unset)
    return out


class Launcher:
    """Starts the worker processes of one suite. Use as a context manager: closing stops the zygote."""

    def __init__(self, kind: str = "auto"):
        if kind not in LAUNCHERS:
            raise ValueError(f"launcher must be one of {list(LAUNCHERS)}, got {kind!r}")
        self.kind = kind
        # the lifeline: workers exit when its write end closes, i.e. when this process is gone
        self._lifeline_r, self._lifeline_w = os.pipe()
        self.zygote: Zygote | None = None
        self.note = ""  # why this suite does not fork, when it does not
        self._tmp: tempfile.TemporaryDirectory | None = None  # the zygote's TMPDIR
        self._learned: dict[tuple, list] = {}  # AutoGraph conversions forked workers had to do (harness/warmup.py)
        self._sent: set[tuple] = set()

    def __enter__(self) -> "Launcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.zygote is not None:
            self.zygote.close()
            self.zygote = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        for fd in (self._lifeline_r, self._lifeline_w):
            try:
                os.close(fd)
            except OSError:
                pass
        self._lifeline_r = self._lifeline_w = -1

    def _fork_server(self) -> Zygote | None:
        """The zygote, started on first use; None (with `note` saying why) where forking is not possible."""
        if self.kind == "spawn" or self.note:
            return None
        if self.zygote is not None and (self.zygote.gone or self.zygote.proc.poll() is not None):
            self.zygote.close()  # killed from outside (the OOM killer, say): start another
            self.zygote = None
        if self.zygote is None:
            try:
                self._tmp = self._tmp or tempfile.TemporaryDirectory(prefix="fitbench-zygote-")
                self.zygote = Zygote(self._lifeline_r, Path(self._tmp.name))
            except ZygoteUnavailable as exc:
                if self.kind == "fork":
                    raise
                self.note = f"{exc}; each variant starts a fresh interpreter instead"
        return self.zygote

    def run(self, job: dict[str, Any], tmp: Path, timeout_s: float, variant_env: dict[str, str | None],
            command: list[str] | None = None, fresh: bool = False) -> Launched:
        """Run `job` in a new process: forked from the zygote unless `fresh` (or a `command`) asks for a new
        interpreter, with `variant_env` applied."""
        result_path, stderr_path = tmp / "result.json", tmp / "stderr.txt"
        zygote = None if (fresh or variant_env or command) else self._fork_server()
        if zygote is not None:
            try:
                new = {key: entry for key, entry in self._learned.items() if key not in self._sent}
                code, failure, t_exit = zygote.run(job, result_path, stderr_path, timeout_s, list(new.values()))
                self._sent.update(new)
                launcher = "fork"
            except (ZygoteUnavailable, OSError) as exc:  # it died between two variants: this one starts afresh
                self.note = f"zygote lost ({exc}); the rest of the suite starts a fresh interpreter per variant"
                zygote = None
        if zygote is None:
            code, failure, t_exit = self._spawn(job, result_path, stderr_path, timeout_s, variant_env,
                                                command or WORKER)
            launcher = "spawn"
        stderr = stderr_path.read_text(errors="replace") if stderr_path.exists() else ""
        if not failure and code != 0:
            stderr += f"\n[fitbench] worker exited with {_describe_returncode(code)}"
        if failure == "lost":
            stderr += "\n[fitbench] the zygote died while the worker ran"
        if result_path.exists() and failure != "timeout":
            result = json.loads(result_path.read_text())
            for entry in result.pop("autograph_learned", None) or []:
                self._learned.setdefault(tuple(map(str, entry)), entry)
            return Launched(result, "", stderr, launcher, t_exit)
        return Launched(None, "timeout" if failure == "timeout" else "crashed", stderr, launcher, t_exit)

    def _spawn(self, job: dict[str, Any], result_path: Path, stderr_path: Path, timeout_s: float,
               variant_env: dict[str, str | None], command: list[str]) -> tuple[int | None, str, float]:
        environ = {**process_env(variant_env), "FITBENCH_LIFELINE_FD": str(self._lifeline_r),
                   "TMPDIR": str(result_path.parent)}  # the worker's temp files go with the variant's folder
        with open(stderr_path, "w") as err:
            # a new session, so a timeout can kill the child and anything it started
            proc = subprocess.Popen([*command, str(result_path)], stdin=subprocess.PIPE, stdout=err, stderr=err,
                                    start_new_session=True, cwd=os.getcwd(), env=environ,
                                    pass_fds=(self._lifeline_r,))
            try:
                proc.communicate(json.dumps(job).encode(), timeout=timeout_s)
                return proc.returncode, "", time.time()
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                return proc.returncode, "timeout", time.time()
            except BaseException:  # Ctrl-C: take the worker down before passing the interrupt on
                _kill_group(proc)
                raise


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


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
                         env=env.describe(device))
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
               "t_launch": time.time()}
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
                         wall_s=wall, env=env.describe(device), metrics=extra,
                         error={"type": failure, "message": message, "limit_s": limit, "limit_source": source,
                                "stderr_tail": launched.stderr[-3000:]},
                         warnings=_stderr_warnings(launched.stderr))
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
                     notes=notes, env=result.get("env") or env.describe(base["device"]), wall_s=wall,
                     warnings=sorted(set(result.get("warnings", [])) | set(_stderr_warnings(stderr))))


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


def run_suite(pairs: list[tuple[Case, Variant]], device: str, overrides: dict[str, Any] | None = None,
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
    return env.device_class() if device == "auto" else device


def check_overrides(overrides: dict[str, Any]) -> None:
    """Raise ValueError naming the field if the user's overrides do not make a valid RunConfig."""
    RunConfig().with_overrides(overrides)
