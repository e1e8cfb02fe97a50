"""One interface for every place fitbench runs a suite: resolve, build, run a suite or a variant, describe.

Three kinds implement it, and bisect, the nightly and the asv matrix all go through it:

* `CurrentInterpreter`: the interpreter running fitbench (nothing to build).
* `UvEnvironment`: an environment made for an `EnvSpec` (pinned releases + fitbench's light dependencies) by the
  one builder, harness/env/build.py, cached by requirements and date bound — bisect's steps, the nightly's
  newest releases.
* `AsvEnvironment` (harness/env/asv.py): the virtualenv asv made for one matrix entry, filled by the same
  builder from its install step.

*Resolving as of a date*: with `EnvSpec.as_of` (bisect's and the matrix's default) everything not pinned resolves
against the index as it was when the newest pinned release came out (harness/env/asof.py). The bound reaches the
worker through the child's environment (FITBENCH_RESOLVED_AS_OF) and the environment's own note
(build.RECORD), and every record says it (`env.resolved_as_of`, harness/env/describe.py).

Callers take a `Factory` (EnvSpec -> Environment): tests hand in one that makes fakes, so no production code
asks whether it is being faked.
"""
from __future__ import annotations

import functools
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from harness.env.asof import DateBound, date_bound
from harness.env.build import build_env, check_resolvable, installer, read_record
from harness.env.conditions import Conditions
from harness.env.describe import RESOLVED_AS_OF
from harness.env.index import ReleaseDates, release_dates
from harness.env.requirements import environment_requirements, light_requirements

if TYPE_CHECKING:
    from harness.results.records import RunRecord

RUN_TIMEOUT_S = 1800
# every release date is asked for once per process: a bisect's steps share their pins' dates
cached_release_dates: ReleaseDates = functools.lru_cache(maxsize=None)(release_dates)


@dataclass(frozen=True)
class EnvSpec:
    """What an environment is for: the releases pinned in it (they decide the date bound) and the dependencies
    fitbench needs around them (None: fitbench's own, harness/env/requirements.light_requirements)."""
    pins: tuple[str, ...]
    light: tuple[str, ...] | None = None
    as_of: bool = True   # resolve as of the newest pinned release's upload; False: today's index

    def __post_init__(self) -> None:
        from packaging.requirements import InvalidRequirement, Requirement

        if isinstance(self.pins, str):
            raise ValueError(f"EnvSpec.pins: {self.pins!r} is one string, not a tuple of requirements")
        for pin in self.pins:
            try:
                Requirement(pin)
            except InvalidRequirement:
                raise ValueError(f"EnvSpec.pins: {pin!r} is not a requirement like tensorflow==2.15.1") from None
        if not isinstance(self.as_of, bool):
            raise ValueError(f"EnvSpec.as_of: {self.as_of!r} is not True or False")

    def requirements(self) -> list[str]:
        """The pins, the era pins they do not override, and the light dependencies they do not name."""
        light = list(self.light) if self.light is not None else light_requirements()
        return environment_requirements(list(self.pins), light)


@dataclass(frozen=True)
class Resolution:
    """What an environment holds or would hold: its requirements, the date bound they resolve under (None:
    today's index), and the resolver's explanation where they do not resolve."""
    requirements: tuple[str, ...]
    bound: DateBound | None = None
    error: str | None = None


class Environment:
    """Where a suite runs. Subclasses say how it is resolved and built; running is the same for all: fitbench's
    own runner in the environment's interpreter (`python -m harness run --json`), so each record names the
    versions that really ran."""
    kind = "environment"
    python: Path

    def resolve(self) -> Resolution:
        raise NotImplementedError

    def build(self) -> str | None:
        """Make it (once; later calls are cheap): None when it is ready, else the installer's explanation."""
        raise NotImplementedError

    def prefix(self) -> Path:
        """The environment's folder (a virtual environment's interpreter is <prefix>/bin/python)."""
        return self.python.parent.parent

    def variables(self) -> dict[str, str]:
        """What its child processes are told: the date bound it was built under, from its own note."""
        note = read_record(self.prefix()).get("resolved_as_of")
        return {RESOLVED_AS_OF: json.dumps(note)} if note else {}

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "python": str(self.python),
                "resolved_as_of": read_record(self.prefix()).get("resolved_as_of")}

    def run_suite(self, pairs: list[tuple[str, str]], device: str, out: Path, code: Path | None = None,
                  timeout_s: float | None = None, args: tuple[str, ...] = (),
                  conditions: Conditions | None = None) -> int:
        """One pass of `pairs` into `out`; `code` is a folder with harness/ and cases/ to run (a snapshot,
        harness/env/suite_process.code_snapshot), None for this checkout; `args`, more `fitbench run` options;
        `conditions`, the CPUs, CPU quota and thread variables to run under (a re-measurement's). Returns the
        suite's exit code."""
        argv = ["--device", device, "--cases", ",".join(f"{c}:{v}" for c, v in pairs), *args]
        return self._launch(argv, out, code, timeout_s, conditions).returncode

    def run_variant(self, case_variant: str, device: str, out: Path, code: Path | None = None) -> RunRecord:
        """The variant's RunRecord; a `crashed` one (failed_in fitbench) where fitbench wrote none."""
        from harness.results.records import RunRecord
        from harness.spec import symptoms

        run = self._launch(["--cases", case_variant, "--device", device], out, code, RUN_TIMEOUT_S)
        if run.records:
            return run.records[-1]
        case_id, _, variant = case_variant.partition(":")
        tail = (run.stderr_tail.strip().splitlines() or ["no output"])[-1]
        return RunRecord(case=case_id, variant=variant, role="", device=device, claim="", says="",
                         observed=symptoms.CRASHED, agrees=False, fix_works=None, outcome="crashed",
                         diagnostics={"failed_in": "fitbench"},  # fitbench itself failed there: not the variant's
                         error={"type": "crashed", "message": f"fitbench exited {run.returncode}: {tail}"})

    def _launch(self, args: list[str], out: Path, code: Path | None, timeout_s: float | None,
                conditions: Conditions | None = None) -> Any:
        from harness.env.suite_process import child_environment, run_suite_process

        conditions = conditions or Conditions()
        variables = self.variables()
        env = child_environment(code, {**variables, **conditions.variables()})
        if RESOLVED_AS_OF not in variables:  # an inherited bound is not this environment's
            env.pop(RESOLVED_AS_OF, None)
        return run_suite_process(self.python, args, out, cwd=code, env=env, timeout_s=timeout_s,
                                 affinity=list(conditions.affinity) or None, cgroup=conditions.cgroup())


class CurrentInterpreter(Environment):
    """The interpreter running fitbench: already built; resolved as whatever its own note says (an environment
    fitbench built has one; a developer's venv has none: today's, as installed)."""
    kind = "current"

    def __init__(self, python: Path | None = None) -> None:
        self.python = Path(python or sys.executable)

    def prefix(self) -> Path:
        return Path(sys.prefix) if self.python == Path(sys.executable) else super().prefix()

    def resolve(self) -> Resolution:
        from harness.env.describe import versions

        note = read_record(self.prefix()).get("resolved_as_of")
        pins = tuple(f"{p}=={v}" for p, v in versions().items() if v and p != "python")
        return Resolution(pins, bound_from_note(note) if note else None)

    def build(self) -> str | None:
        return None


def bound_from_note(note: dict[str, Any]) -> DateBound:
    """The DateBound an environment's note (DateBound.describe) writes down."""
    from datetime import datetime

    def when(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    return DateBound(when(note["as_of"]), note.get("set_by", ""),
                     {n: when(w) for n, w in (note.get("per_package") or {}).items()})


class UvEnvironment(Environment):
    """An environment for `spec`, made by the one builder (uv; venv + pip without it), cached by requirements
    and date bound. `dates` is where release dates come from (the index; tests pass a fake)."""
    kind = "uv"

    def __init__(self, spec: EnvSpec, dates: ReleaseDates = cached_release_dates) -> None:
        self.spec, self._dates = spec, dates
        self._bound: tuple[DateBound | None] | None = None
        self.python = Path("")   # known once built

    def bound(self) -> DateBound | None:
        """The date bound (None without `as_of`); IndexUnreachable where the index cannot date a pin."""
        if self._bound is None:
            self._bound = (date_bound(list(self.spec.pins), self._dates, installer().per_package())
                           if self.spec.as_of else None,)
        return self._bound[0]

    def resolve(self) -> Resolution:
        requirements = self.spec.requirements()
        bound = self.bound()
        return Resolution(tuple(requirements), bound, check_resolvable(requirements, bound))

    def build(self) -> str | None:
        python, error = build_env(self.spec.requirements(), self.bound())
        if python is not None:
            self.python = python
        return error

    def describe(self) -> dict[str, Any]:
        bound = self.bound()
        return {**super().describe(), "pins": list(self.spec.pins),
                "resolved_as_of": bound.describe() if bound else None}


Factory = Callable[[EnvSpec], Environment]
