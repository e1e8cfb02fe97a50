"""The declarative shape of a case: what to run (config overrides), what the chapter claims happens, and how
the case is shown.

A case module in `cases/` builds one `Case` from these dataclasses and nothing else; the runner needs no
change to run a new case, and nothing under harness/ names one. Specs are checked on construction: a typo in a
knob, a symptom or a report section names itself.

A variant whose bug lives in the process environment (TF_USE_LEGACY_KERAS set or not before TensorFlow loads)
says so in `env`: the runner starts that variant in a fresh interpreter with the variables applied before
Python starts, None meaning "unset" (harness/__init__.py then leaves its own default out too).

Presentation belongs to the case too: `sections` names the report sections it feeds besides the ones every
case is in (the matrix, the timeline, throughput and memory, phases, errors), and `baseline` the variant the
others are shown as ratios of.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from harness.spec.config import RunConfig, check_partial
from harness.spec.sections import ASKED
from harness.spec.signs import SeenAs, Sign
from harness.spec.symptoms import CORE, FIRST_CASE_NUMBER, Symptom

ROLES = ("broken", "fix", "check")
DEVICE_CLASSES = ("cpu", "gpu")
# the report sections a case can ask for: the ones harness/spec/sections.py declares `asked`
SECTIONS = ASKED
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CORE_NAMES = {s.name for s in CORE}


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
    # where fitbench measures something else than the claim with the default install (pyproject's versions):
    # {device class: symptom}. The record still compares with the claim; the generated tests expect this.
    measured: dict[str, str] = field(default_factory=dict)
    alone: bool | None = None              # runs with nothing beside it (its numbers are timings); None: the case's
    # how `fitbench doctor` recognises this bug in a user's pipeline (harness/spec/signs.py): its Sign, or the
    # variants whose signs name it (SeenAs); None where the doctor cannot see it
    doctor: Sign | SeenAs | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"Variant {self.name!r}: role must be one of {ROLES}, got {self.role!r}")
        for label, mapping in (("claims", self.claims), ("measured", self.measured)):
            for device, symptom in mapping.items():
                if device not in DEVICE_CLASSES:
                    raise ValueError(f"Variant {self.name!r}: {label} device must be one of {DEVICE_CLASSES}, "
                                     f"got {device!r}")
                if not isinstance(symptom, str) or not symptom.isidentifier():
                    raise ValueError(f"Variant {self.name!r}: {label}[{device!r}] is not a symptom name: {symptom!r}")
        missing = [d for d in self.devices if d not in self.claims]
        if missing:
            raise ValueError(f"Variant {self.name!r}: no claim for device {missing[0]!r}")
        # a bad knob fails here, naming the field; a setting in `extra` is checked against the procedure the knobs
        # name, or else against the procedures that have it (its case checks the resolved config)
        check_partial(self.knobs)
        self._check_env()
        if self.doctor is not None and not isinstance(self.doctor, (Sign, SeenAs)):
            raise ValueError(f"Variant {self.name!r}: doctor must be a Sign, a SeenAs or None, got {self.doctor!r}")

    def _check_env(self) -> None:
        if not isinstance(self.env, dict):
            raise ValueError(f"Variant {self.name!r}: env must be a dict of NAME -> str or None, got {self.env!r}")
        for name, value in self.env.items():
            if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
                raise ValueError(f"Variant {self.name!r}: env name must be a variable name, got {name!r}")
            if value is not None and not isinstance(value, str):
                raise ValueError(f"Variant {self.name!r}: env[{name!r}] must be a str or None (unset), "
                                 f"got {value!r}")

    def expected(self, device: str) -> str:
        """The symptom fitbench measures here with the default install: `measured`, else the chapter's claim."""
        return self.measured.get(device, self.claims.get(device, "not_applicable"))


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    chapter: str                           # one line: what the chapter says goes wrong
    variants: tuple[Variant, ...]
    base: dict[str, Any] = field(default_factory=dict)
    symptoms: tuple[Symptom, ...] = ()     # symptoms of its own, with the error rules that detect them
    sections: tuple[str, ...] = ()         # report sections it feeds (SECTIONS) besides the common ones
    baseline: str | None = None            # the variant others are shown as ratios of ("× fp32")
    # its variants' numbers are timings or whole-card memory: each runs with no other variant beside it
    alone: bool = False

    def __post_init__(self) -> None:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"Case {self.id!r}: duplicate variant names {names}")
        check_partial(self.base)
        for v in self.variants:  # the whole config of each variant: its procedure's settings included
            try:
                self.config(v)
            except ValueError as exc:
                raise ValueError(f"Case {self.id!r}, variant {v.name!r}: {exc}") from None
        for section in self.sections:
            if section not in SECTIONS:
                raise ValueError(f"Case {self.id!r}: unknown report section {section!r} (known: {list(SECTIONS)})")
        if self.baseline is not None and self.baseline not in names:
            raise ValueError(f"Case {self.id!r}: baseline {self.baseline!r} is not one of its variants {names}")
        self._check_symptoms()

    def _check_symptoms(self) -> None:
        for s in self.symptoms:
            if s.name in _CORE_NAMES or s.number < FIRST_CASE_NUMBER:
                raise ValueError(f"Case {self.id!r}: its own symptom {s.name!r} must have a new name and a number "
                                 f">= {FIRST_CASE_NUMBER}, got {s.number}")
        known = _CORE_NAMES | {s.name for s in self.symptoms}
        for v in self.variants:
            for label, mapping in (("claims", v.claims), ("measured", v.measured)):
                for device, symptom in mapping.items():
                    if symptom not in known:
                        raise ValueError(f"Case {self.id!r}, variant {v.name!r}: {label}[{device!r}] is not a known "
                                         f"symptom: {symptom!r} (declare it in the case's symptoms)")

    def variant(self, name: str) -> Variant:
        for v in self.variants:
            if v.name == name:
                return v
        raise KeyError(f"case {self.id!r} has no variant {name!r} (has: {', '.join(v.name for v in self.variants)})")

    def config(self, variant: Variant, **overrides: Any) -> RunConfig:
        """The resolved config of one variant: defaults ← case base ← variant knobs ← user overrides."""
        return RunConfig().with_overrides({**self.base, **variant.knobs, **overrides})
