"""RunConfig: every knob one run of the chapter's pipeline can turn, validated on construction.

A case variant is a set of overrides of these fields (plain data), so the runner can pass it to a fresh
process as JSON and the record can carry the resolved config. Errors name the field and the value.

`procedure` says what the run does and `extra` holds that procedure's settings, as JSON; `settings()` reads them
as the procedure's typed settings class (harness/spec/procedures.py), which checks them when the config is built.

Code a case needs beyond these knobs travels as `hooks`: a point of the pipeline mapped to an import path
"package.module:function", resolved in the worker when the point is reached (harness/train/hooks.py).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, TypeVar

from harness.spec.procedures import NAMES, Settings, check_settings_of_some_procedure, settings_for

LABEL_PLACEMENTS = ("in_dict", "label_cols")
LOSSES = ("internal", "sparse_categorical_crossentropy", "sce_from_logits")
OPTIMIZERS = ("adam", "Adam(5e-5)", "create_optimizer")
COLLATES = ("chapter", "padding")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
PROCEDURES = NAMES  # the procedures' names, as harness/spec/procedures.py declares them with their settings
DEVICES = ("auto", "cpu", "gpu")
# where the worker calls a case's hooks, in pipeline order; harness/train/hooks.py says what each gets and returns
HOOK_POINTS = ("start", "after_tokenize", "on_dataset", "load_model", "on_model", "before_compile", "callbacks")
_HOOK_TARGET = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*")
S = TypeVar("S", bound=Settings)


@dataclass(frozen=True)
class RunConfig:
    # where it runs and what it loads
    device: str = "auto"
    model: str = "embedded"
    model_size: str = "tiny"
    data: str = "embedded"
    n_train: int = 2000
    n_validation: int = 300
    seed: int = 0
    # the chapter's knobs, which the bug cases vary
    label_placement: str = "in_dict"     # labels inside the input dict, or separate via label_cols
    collate: str = "padding"             # "chapter" = to_tf_dataset's default collate, as printed in the chapter
    loss: str = "internal"               # internal = compile without loss (model computes it)
    num_labels: int | None = 3           # None = checkpoint default (DistilBERT: 2)
    optimizer: str = "Adam(5e-5)"
    learning_rate: float | None = None   # overrides the optimizer's learning rate when set
    batch_size: int = 16
    shuffle_labels: bool = False         # the "check your data again" corruption
    run_eagerly: bool = False
    memory_growth: bool = True
    jit_compile: bool = False
    precision: str = "float32"           # the Keras mixed-precision policy: float32, mixed_float16, mixed_bfloat16
    gpu_memory_limit_mib: int | None = None  # logical device cap: makes OOM reproducible on any card
    # TF's BFC allocator waits up to 10 s for memory after a failed allocation before it raises; False makes it
    # raise at once (the same ResourceExhaustedError): how the OOM case keeps its runs bounded
    gpu_allocator_retry: bool = True
    # budget and what to do with it
    procedure: str = "fit"
    steps: int = 30                      # fit: optimizer steps; overfit: epochs on the one batch
    overfit_threshold: float = 0.05
    plateau_loss: float = 0.9            # final loss at or above this after the budget counts as a plateau
    extra: dict[str, Any] = field(default_factory=dict)  # the procedure's settings (harness/spec/procedures.py)
    hooks: dict[str, str] = field(default_factory=dict)  # HOOK_POINTS name -> "package.module:function"

    def __post_init__(self) -> None:
        choices = {"label_placement": LABEL_PLACEMENTS, "loss": LOSSES, "optimizer": OPTIMIZERS,
                   "collate": COLLATES, "procedure": PROCEDURES, "device": DEVICES, "precision": PRECISIONS}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"RunConfig.{name} must be one of {list(allowed)}, got {getattr(self, name)!r}")
        for name in ("n_train", "n_validation", "batch_size", "steps"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"RunConfig.{name} must be a positive int, got {value!r}")
        if self.num_labels is not None and (not isinstance(self.num_labels, int) or self.num_labels < 1):
            raise ValueError(f"RunConfig.num_labels must be a positive int or None, got {self.num_labels!r}")
        if self.learning_rate is not None and not (0 < float(self.learning_rate) < 1):
            raise ValueError(f"RunConfig.learning_rate must be in (0, 1), got {self.learning_rate!r}")
        self._check_hooks()
        self.settings()  # a bad or unknown setting of the procedure fails here, naming itself

    def settings(self, kind: type[S] | None = None) -> S:
        """The procedure's typed settings, read from `extra` with their defaults. `kind`, where given, is the
        settings class the caller expects: a procedure run with another procedure's config is an error."""
        found = settings_for(self.procedure, self.extra)
        if kind is not None and not isinstance(found, kind):
            raise ValueError(f"RunConfig.procedure is {self.procedure!r}, whose settings are "
                             f"{type(found).__name__}, not {kind.__name__}")
        return found  # type: ignore[return-value]

    def _check_hooks(self) -> None:
        """Point names and "module:function" form only: importing is the worker's job (a case's module may
        need the process environment its variant sets, which the runner's process does not have)."""
        if not isinstance(self.hooks, dict):
            raise ValueError(f"RunConfig.hooks must be a dict of point -> 'module:function', got {self.hooks!r}")
        for point, target in self.hooks.items():
            if point not in HOOK_POINTS:
                raise ValueError(f"RunConfig.hooks: unknown point {point!r} (known: {list(HOOK_POINTS)})")
            if not isinstance(target, str) or not _HOOK_TARGET.fullmatch(target):
                raise ValueError(f"RunConfig.hooks[{point!r}] must be 'package.module:function', got {target!r}")

    def with_overrides(self, overrides: dict[str, Any]) -> "RunConfig":
        """A copy with `overrides` applied; an unknown field is an error that names it."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"RunConfig has no field {unknown[0]!r} (known: {sorted(known)})")
        return replace(self, **overrides)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunConfig":
        return cls().with_overrides(data)


def check_partial(overrides: dict[str, Any]) -> None:
    """Overrides that are only part of a config (a case's base, a variant's knobs): each field valid and, where
    they do not name their procedure, each setting in `extra` valid for a procedure that has it — the case checks
    the whole config when it resolves each variant."""
    if "procedure" in overrides or "extra" not in overrides:
        RunConfig().with_overrides(overrides)
        return
    RunConfig().with_overrides({k: v for k, v in overrides.items() if k != "extra"})
    check_settings_of_some_procedure(overrides["extra"])
