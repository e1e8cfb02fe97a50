"""Procedures as the spec knows them: each one's name, what it does, and its typed settings — and the one
registry, keyed by name, in which harness/train/ registers the implementation of each (no TensorFlow here).

A case picks what one run does with `RunConfig.procedure` and sets that procedure's settings in `RunConfig.extra`,
plain JSON, so the job crosses into the worker's process and the record keeps the settings as the case wrote them.
The procedure's settings class reads `extra`: it fills the defaults and checks every value, and its errors name
the setting, the procedure and the value ("RunConfig.extra['grab_fraction'] for procedure 'memory_grab' must be a
number in (0, 1), got 'x'"); a setting the procedure does not have is an error that names the ones it has.

The train side registers implementations with `@implements("fit")`; the worker looks one up in `implementations()`
(harness/train/procedures.py `PROCEDURES`), `implementation(name)` one by name. A name can only be implemented if the
spec knows it, and tests/test_layout.py fails where a name has no implementation.
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from types import MappingProxyType
from typing import Any, Callable, ClassVar, Mapping, TypeVar

Impl = TypeVar("Impl", bound=Callable[..., str])


def _count(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def setting(default: Any, check: Callable[[Any], bool], must_be: str,
            parse: Callable[[Any], Any] | None = None) -> Any:
    """A settings field: its default, the check its value must pass, what the error says it must be, and an
    optional `parse` from its JSON form (a nested dict) to its typed one."""
    return field(default=default, metadata={"check": check, "must_be": must_be, "parse": parse})


@dataclass(frozen=True)
class Settings:
    """A procedure's settings, read from `RunConfig.extra`; a subclass per procedure declares them with `setting`."""

    procedure: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("parse") is not None:
                value = f.metadata["parse"](value, self.where(f.name))
                object.__setattr__(self, f.name, value)  # frozen: the typed form replaces the JSON one, once
            if not f.metadata["check"](value):
                raise ValueError(f"{self.where(f.name)} must be {f.metadata['must_be']}, got {value!r}")

    @classmethod
    def where(cls, name: str) -> str:
        return f"RunConfig.extra[{name!r}] for procedure {cls.procedure!r}"

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_extra(cls, extra: Any) -> "Settings":
        """The settings `extra` gives this procedure, defaults filled in; an unknown or bad one is an error."""
        if not isinstance(extra, dict):
            raise ValueError(f"RunConfig.extra must be a dict of setting -> value, got {extra!r}")
        unknown = sorted(set(extra) - set(cls.names()))
        if unknown:
            raise ValueError(f"RunConfig.extra[{unknown[0]!r}] is not a setting of procedure {cls.procedure!r} "
                             f"(its settings: {cls.names() or 'none'})")
        return cls(**extra)


@dataclass(frozen=True)
class FitSettings(Settings):
    procedure: ClassVar[str] = "fit"
    # the chapter's NaN diagnosis on a fresh model before training: per-sample losses, their labels, num_labels
    diagnose_nan: bool = setting(False, lambda v: isinstance(v, bool), "true or false")


@dataclass(frozen=True)
class OverfitSettings(Settings):
    procedure: ClassVar[str] = "overfit"


@dataclass(frozen=True)
class InitialLossSettings(Settings):
    procedure: ClassVar[str] = "initial_loss"
    batches: int = setting(4, lambda v: _count(v, 1), "a positive int")  # batches the loss is averaged over
    # how far from ln(number of classes) the initial loss may be, relative, and still count as right
    rel_tolerance: float = setting(0.2, lambda v: _number(v) and v > 0, "a number above 0")


SEARCHES = ("predict", "halving")  # harness/train/batch_finder.py: predicted from memory, or halved blindly


@dataclass(frozen=True)
class OomSettings(Settings):
    procedure: ClassVar[str] = "oom"
    seq_len: int = setting(128, lambda v: _count(v, 1), "a positive int")  # tokens per row of the random batch
    # None: one step at the batch size (the broken run); else how the fix searches a batch size that fits
    find_batch_size: str | None = setting(None, lambda v: v is None or v in SEARCHES,
                                          f"None or one of {list(SEARCHES)}")


@dataclass(frozen=True)
class MemoryGrabSettings(Settings):
    procedure: ClassVar[str] = "memory_grab"
    # the share of the card held after one small matmul from which the process counts as having grabbed it
    grab_fraction: float = setting(0.5, lambda v: _number(v) and 0 < v < 1, "a number in (0, 1)")


@dataclass(frozen=True)
class EagerVsGraphSettings(Settings):
    procedure: ClassVar[str] = "eager_vs_graph"


@dataclass(frozen=True)
class PrecisionSettings(Settings):
    procedure: ClassVar[str] = "precision"
    seq_len: int = setting(128, lambda v: _count(v, 1), "a positive int")  # fixed shape: XLA compiles once
    # calls into the graph timed apart (compilation, warm-up) before the steady steps
    warmup_steps: int = setting(5, lambda v: _count(v, 0), "an int >= 0")
    steps_per_execution: int = setting(1, lambda v: _count(v, 1), "a positive int")  # optimizer steps per call


@dataclass(frozen=True)
class CheckupJob:
    """What `fitbench doctor` (harness/doctor/run.py) asks one worker to check: where to journal, which checks,
    and how to read the user's files (split, label and text columns, max_length), with the facts known so far and
    the overfit's budget (harness/train/checkup/steps.py `Budget`)."""

    journal: str
    checks: list[str]
    label: str
    text: list[str]
    split: str | None = None
    max_length: int | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    budget: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: Any, where: str) -> Any:
        """`value` as a CheckupJob where it is a dict (a missing or unknown key names itself), else as it is."""
        if not isinstance(value, dict):
            return value
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ValueError(f"{where}[{unknown[0]!r}] is not a field of a checkup job (its fields: {known})")
        for f in fields(cls):
            if f.name not in value and f.default is MISSING and f.default_factory is MISSING:
                raise ValueError(f"{where}[{f.name!r}] is missing: a checkup job needs it")
        job = cls(**value)
        for name, kind in (("journal", str), ("label", str), ("checks", list), ("text", list),
                           ("facts", dict), ("budget", dict)):
            if not isinstance(getattr(job, name), kind):
                raise ValueError(f"{where}[{name!r}] must be a {kind.__name__}, got {getattr(job, name)!r}")
        return job


@dataclass(frozen=True)
class DoctorSettings(Settings):
    procedure: ClassVar[str] = "doctor"
    # None only where the config describes the user's pipeline and the doctor has not yet said what to check
    doctor: CheckupJob | None = setting(None, lambda v: v is None or isinstance(v, CheckupJob),
                                        "a checkup job (a dict)", parse=CheckupJob.parse)


@dataclass(frozen=True)
class Procedure:
    name: str
    settings: type[Settings]
    does: str  # one line: what a run with it does


_SPECS = (
    Procedure("fit", FitSettings, "trains for `steps` optimizer steps, then validates"),
    Procedure("overfit", OverfitSettings, "the chapter's check: fit one batch until the loss is near 0"),
    Procedure("initial_loss", InitialLossSettings, "the untrained model's loss against ln(number of classes)"),
    Procedure("oom", OomSettings, "one step at a batch too large for the (capped) card, or a search for one that fits"),
    Procedure("memory_grab", MemoryGrabSettings, "GPU memory held after one small matmul, as a share of the card"),
    Procedure("eager_vs_graph", EagerVsGraphSettings, "the same training step's throughput, eager and as a graph"),
    Procedure("precision", PrecisionSettings, "one precision / compilation mode's throughput on a fixed batch"),
    Procedure("doctor", DoctorSettings, "`fitbench doctor`'s checks on a user's pipeline (harness/doctor/)"),
)
SPECS: Mapping[str, Procedure] = MappingProxyType({p.name: p for p in _SPECS})
NAMES: tuple[str, ...] = tuple(SPECS)
_IMPLEMENTED: dict[str, Callable[..., str]] = {}


def settings_for(procedure: str, extra: Any) -> Settings:
    """The typed settings of `procedure` read from `extra`."""
    if procedure not in SPECS:
        raise ValueError(f"RunConfig.procedure must be one of {list(NAMES)}, got {procedure!r}")
    return SPECS[procedure].settings.from_extra(extra)


def check_settings_of_some_procedure(extra: Any) -> None:
    """Settings written apart from the procedure they are for (a variant's knobs, its case's base naming the
    procedure): each must be a setting of some procedure and valid there; the whole config is checked when it is
    resolved. The error names an unknown setting and every known one."""
    if not isinstance(extra, dict):
        raise ValueError(f"RunConfig.extra must be a dict of setting -> value, got {extra!r}")
    for name, value in extra.items():
        owners = [p.settings for p in _SPECS if name in p.settings.names()]
        if not owners:
            known = sorted({n for p in _SPECS for n in p.settings.names()})
            raise ValueError(f"RunConfig.extra[{name!r}] is no procedure's setting (known: {known})")
        errors = []
        for owner in owners:
            try:
                owner(**{name: value})
                break
            except ValueError as exc:
                errors.append(exc)
        else:
            raise errors[0]


def implements(name: str) -> Callable[[Impl], Impl]:
    """Registers the decorated function as procedure `name`'s implementation (harness/train/procedures.py)."""
    if name not in SPECS:
        raise ValueError(f"procedure {name!r} has no spec in harness/spec/procedures.py (known: {list(NAMES)})")

    def register(function: Impl) -> Impl:
        old = _IMPLEMENTED.get(name)
        # the same function again is a module imported anew (importlib.reload); another one is a second implementation
        if old is not None and (old.__module__, old.__qualname__) != (function.__module__, function.__qualname__):
            raise ValueError(f"procedure {name!r} is implemented twice: {old.__module__}.{old.__qualname__} and "
                             f"{function.__module__}.{function.__qualname__}")
        _IMPLEMENTED[name] = function
        return function

    return register


def implementations() -> Mapping[str, Callable[..., str]]:
    """name -> implementation, as registered so far (a live, read-only view)."""
    return MappingProxyType(_IMPLEMENTED)


def implementation(name: str) -> Callable[..., str]:
    if name not in _IMPLEMENTED:
        raise KeyError(f"procedure {name!r} has no implementation registered (import harness.train.procedures)")
    return _IMPLEMENTED[name]


def unimplemented() -> list[str]:
    """The names the spec knows that nothing has implemented (empty once harness.train.procedures is imported)."""
    return [name for name in NAMES if name not in _IMPLEMENTED]
