"""What a user tells the doctor about their pipeline: where the model and the data are, which columns are text
and which is the label, and the training choices that matter (how the labels reach fit, padding, loss,
optimizer and learning rate, batch size, sequence length). Validated on construction; an error names the field
and the value.

The defaults are fitbench's embedded pipeline (harness/train/data.py + model.py, as `fitbench run` trains it):
`UserPipeline()` describes it, and the doctor finds nothing wrong with it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from harness.spec.config import LABEL_PLACEMENTS, RunConfig

LOSSES = {"internal": "internal", "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
          "from_logits": "sce_from_logits"}  # the user's word -> RunConfig.loss
OPTIMIZERS = {"adam": "adam", "Adam": "Adam(5e-5)", "create_optimizer": "create_optimizer"}  # -> RunConfig.optimizer
COLLATES = {"padding": "padding", "none": "chapter"}  # -> RunConfig.collate (the chapter's call has no collator)
DEFAULT_RATE = 5e-5  # Adam / create_optimizer without --learning-rate, as the chapter's fix


@dataclass(frozen=True)
class UserPipeline:
    model: str = "embedded"          # a save_pretrained directory, a hub id, or fitbench's embedded model
    data: str = "embedded"           # CSV / TSV / JSON lines / Parquet file, a save_to_disk folder, a hub id
    split: str = "train"             # the split of a data set with several
    text: tuple[str, ...] = ()       # text columns (a text and a text pair); () = every text column
    label: str = ""                  # the label column; "" = "label" or "labels"
    num_labels: int | None = None    # from_pretrained(..., num_labels=N); None = what the checkpoint says
    label_placement: str = "in_dict"  # labels inside the input dict, or as fit's y (to_tf_dataset label_cols)
    collate: str = "padding"         # a padding collator (DataCollatorWithPadding), or none: to_tf_dataset's own
    loss: str = "internal"           # compile without a loss, the string, or SparseCategoricalCrossentropy(True)
    optimizer: str = "Adam"          # the "adam" string (lr 1e-3), Adam(learning_rate), create_optimizer
    learning_rate: float | None = None  # Adam / create_optimizer; None = 5e-5
    batch_size: int = 16
    max_length: int | None = None    # truncation length; None = the tokenizer's
    memory_growth: bool = True       # set_memory_growth on the GPU, as fitbench sets it
    seed: int = 0
    overfit_steps: int = 500         # the overfit check's budget in steps (it also stops at its time bound)
    overfit_threshold: float = 0.1   # a loss under this counts as overfitted
    hooks: dict[str, str] = field(default_factory=dict)  # code at the pipeline's named points, as a case's

    def __post_init__(self) -> None:
        choices = {"label_placement": LABEL_PLACEMENTS, "collate": tuple(COLLATES), "loss": tuple(LOSSES),
                   "optimizer": tuple(OPTIMIZERS)}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"UserPipeline.{name} must be one of {list(allowed)}, got {getattr(self, name)!r}")
        for name in ("batch_size", "overfit_steps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"UserPipeline.{name} must be a positive int, got {value!r}")
        for name in ("num_labels", "max_length"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"UserPipeline.{name} must be a positive int or None, got {value!r}")
        if not isinstance(self.text, tuple) or not all(isinstance(c, str) and c for c in self.text):
            raise ValueError(f"UserPipeline.text must be a tuple of column names, got {self.text!r}")
        if self.optimizer == "adam" and self.learning_rate is not None:
            raise ValueError("UserPipeline.learning_rate: the 'adam' string takes none (it is 1e-3), got "
                             f"{self.learning_rate!r}; say optimizer 'Adam' to give a rate")
        if self.learning_rate is not None and not 0 < float(self.learning_rate) < 1:
            raise ValueError(f"UserPipeline.learning_rate must be in (0, 1), got {self.learning_rate!r}")
        if not 0 < float(self.overfit_threshold):
            raise ValueError(f"UserPipeline.overfit_threshold must be above 0, got {self.overfit_threshold!r}")

    @property
    def rate(self) -> float:
        """The learning rate the optimizer really uses."""
        return 1e-3 if self.optimizer == "adam" else float(self.learning_rate or DEFAULT_RATE)

    def run_config(self, device: str) -> RunConfig:
        """The RunConfig that builds this pipeline with fitbench's own code (harness/train/pipeline.py)."""
        embedded = self.model == "embedded"
        return RunConfig(
            device=device, model=self.model, data=self.data, seed=self.seed, batch_size=self.batch_size,
            num_labels=self.num_labels if self.num_labels or not embedded else 3,  # the embedded default's head
            label_placement=self.label_placement, collate=COLLATES[self.collate], loss=LOSSES[self.loss],
            optimizer=OPTIMIZERS[self.optimizer], learning_rate=None if self.optimizer == "adam" else self.rate,
            memory_growth=self.memory_growth, procedure="doctor", hooks=dict(self.hooks),
            # an OOM probe raises at once instead of after TF's 10 s wait per failed allocation (the same error)
            gpu_allocator_retry=False)

    def facts(self) -> dict[str, Any]:
        """What the description itself tells, as facts a sign may test."""
        return {"optimizer": self.optimizer, "learning_rate": self.rate, "batch_size": self.batch_size,
                "loss": "internal" if self.loss == "internal" else "keras",
                "loss_from_logits": {"internal": None, "from_logits": True}.get(self.loss, False),
                "label_placement": self.label_placement, "collate": self.collate,
                "memory_growth": self.memory_growth}

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["text"] = list(self.text)
        return out


@dataclass(frozen=True)
class Bounds:
    """Seconds each part of a checkup may take before its process is killed (the overfit also stops itself a
    little earlier, with what it measured). Errors name the field and the value."""

    setup: float = 180.0      # loading data, tokenizer and model in a new process
    check: float = 60.0       # any check not named below
    overfit: float = 150.0
    memory: float = 180.0

    def __post_init__(self) -> None:
        for name in ("setup", "check", "overfit", "memory"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
                raise ValueError(f"Bounds.{name} must be a number of seconds above 0, got {value!r}")

    def of(self, check: str) -> float:
        return {"setup": self.setup, "overfit": self.overfit, "memory": self.memory}.get(check, self.check)
