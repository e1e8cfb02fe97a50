"""A fake Environment for the tests of what uses environments (bisect, the nightly): the interface of
harness/env/environment.py with its side effects replaced by the test's own functions — build(requirements) ->
(python | None, error), run_suite(python, pairs, device, out), run_variant(python, case_variant, device, out) and
resolvable(requirements) -> error — so a test's environments are only paths and its runs only records."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from harness.env.environment import EnvSpec, Environment, Factory, Resolution


class FakeEnvironment(Environment):
    kind = "fake"

    def __init__(self, spec: EnvSpec, build: Callable | None = None, run_suite: Callable | None = None,
                 run_variant: Callable | None = None, resolvable: Callable | None = None) -> None:
        self.spec, self._build, self._run_suite = spec, build, run_suite
        self._run_variant, self._resolvable = run_variant, resolvable
        self.python = Path("")
        self.codes: list[Path | None] = []

    def resolve(self) -> Resolution:
        requirements = self.spec.requirements()
        return Resolution(tuple(requirements), None, self._resolvable(requirements) if self._resolvable else None)

    def build(self) -> str | None:
        python, error = self._build(self.spec.requirements())
        self.python = python or Path("")
        return error if python is None else None

    def run_suite(self, pairs, device, out, code=None, timeout_s=None, args=(), conditions=None) -> int:
        self.codes.append(code)
        return self._run_suite(self.python, pairs, device, out)

    def run_variant(self, case_variant, device, out, code=None) -> Any:
        self.codes.append(code)
        return self._run_variant(self.python, case_variant, device, out)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "python": str(self.python), "resolved_as_of": None}


def fake_factory(**functions: Callable | None) -> Factory:
    """EnvSpec -> FakeEnvironment with the test's functions."""
    return lambda spec: FakeEnvironment(spec, **functions)
