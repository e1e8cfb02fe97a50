"""The declarative shape of a case: what to run (config overrides) and what the chapter claims happens.

A case module in `cases/` builds one `Case` from these dataclasses and nothing else; the runner needs no
change to run a new case. Specs are checked on construction: a typo in a knob or a symptom names itself.

A variant whose bug lives in the process environment (TF_USE_LEGACY_KERAS set or not before TensorFlow loads)
says so in `env`: the runner starts that variant in a fresh interpreter with the variables applied before
Python starts, None meaning "unset" (harness/__init__.py then leaves its own default out too).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from harness.config import RunConfig
from harness.symptoms import VOCABULARY

ROLES = ("broken", "fix", "check")
DEVICE_CLASSES = ("cpu", "gpu")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Variant:
    name: str
    role: str                              # broken: replays a bug; fix: one of its fixes; check: a debugging check
    knobs: dict[str, Any]                  # RunConfig overrides on top of the case's base knobs
    claims: dict[str, str]                 # device class -> symptom the chapter leads us to expect there
    says: str                              # the chapter's words (or the measured fact) behind the claim
    expect: dict[str, tuple[str, Any]] = field(default_factory=dict)  # metric checks that must hold too
    devices: tuple[str, ...] = DEVICE_CLASSES
    not_applicable: str = ""               # why the variant has no meaning on the devices it skips
    timeout_s: int = 600
    env: dict[str, str | None] = field(default_factory=dict)  # process variables for this variant; None = unset

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"Variant {self.name!r}: role must be one of {ROLES}, got {self.role!r}")
        for device, symptom in self.claims.items():
            if device not in DEVICE_CLASSES:
                raise ValueError(f"Variant {self.name!r}: claims device must be one of {DEVICE_CLASSES}, "
                                 f"got {device!r}")
            if symptom not in VOCABULARY:
                raise ValueError(f"Variant {self.name!r}: claims[{device!r}] is not a known symptom: {symptom!r}")
        missing = [d for d in self.devices if d not in self.claims]
        if missing:
            raise ValueError(f"Variant {self.name!r}: no claim for device {missing[0]!r}")
        RunConfig().with_overrides(self.knobs)  # a bad knob fails here, naming the field
        self._check_env()

    def _check_env(self) -> None:
        if not isinstance(self.env, dict):
            raise ValueError(f"Variant {self.name!r}: env must be a dict of NAME -> str or None, got {self.env!r}")
        for name, value in self.env.items():
            if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
                raise ValueError(f"Variant {self.name!r}: env name must be a variable name, got {name!r}")
            if value is not None and not isinstance(value, str):
                raise ValueError(f"Variant {self.name!r}: env[{name!r}] must be a str or None (unset), "
                                 f"got {value!r}")


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    chapter: str                           # one line: what the chapter says goes wrong
    variants: tuple[Variant, ...]
    base: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"Case {self.id!r}: duplicate variant names {names}")
        RunConfig().with_overrides(self.base)

    def variant(self, name: str) -> Variant:
        for v in self.variants:
            if v.name == name:
                return v
        raise KeyError(f"case {self.id!r} has no variant {name!r} (has: {', '.join(v.name for v in self.variants)})")

    def config(self, variant: Variant, **overrides: Any) -> RunConfig:
        """The resolved config of one variant: defaults ← case base ← variant knobs ← user overrides."""
        return RunConfig().with_overrides({**self.base, **variant.knobs, **overrides})
