"""A case variant's pipeline written to disk as a user would have it — a CSV file, or a saved `datasets` folder
where the variant's code changed the tokenized data, and a `save_pretrained` model directory with its
tokenizer — and the `fitbench doctor` options that say the rest (how the labels reach fit, padding, loss,
optimizer). Identical pipelines (several variants replay the same one) are written and examined once.

What a user's files cannot carry: a bug of the process environment (`env`: TF_USE_LEGACY_KERAS, an import line)
and code the user runs around fit (`start`, `on_dataset`, `before_compile`, `callbacks` hooks). The variant's
`load_model` hook only decides how its model was built; on disk it is a saved classifier like any other.

Sizes: a pipeline is written at the tiny size unless the bug needs the variant's own shape — a broken variant
whose sign reads the overfit (the "adam" rate only fails at DistilBERT's shape), and the fixes of a case whose own
broken variants have such a sign — so that the tests stay within minutes on a 2-core CPU. At that shape the
overfit gets 12 steps (0.7 to 1.1 s each here): enough for 1e-3 to show flat (1.11, 1.04, 1.07, 1.08, 1.07, 1.05
in steps 7 to 12, measured) and 5e-5 to show falling (0.94, 0.88, 0.90, 0.87, 0.83, 0.78), not to wait for the
threshold (about 24 steps); at the tiny size 150 (the "adam" string
overfits in about 50, 5e-5 is clearly falling by 150 and would need about 310 to reach the threshold: the embedded
default's run, tests/harness/doctor/test_run.py, waits for it).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.spec import Case, Sign, Variant
from harness.spec.signs import SeenAs

SHAPE_OVERFIT_STEPS = 12
TINY_OVERFIT_STEPS = 150
WRITABLE_HOOKS = ("after_tokenize", "load_model")
LOSS_OPTION = {"internal": "internal", "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
               "sce_from_logits": "from_logits"}
OPTIMIZER_OPTION = {"adam": "adam", "Adam(5e-5)": "Adam", "create_optimizer": "create_optimizer"}


def not_expressible(case: Case, variant: Variant) -> str | None:
    """Why a user's files cannot hold this variant's bug, or None."""
    if variant.env:
        return "its bug is the process environment (TF_USE_LEGACY_KERAS) and an import line: no file carries it"
    code = sorted(set(case.config(variant).hooks) - set(WRITABLE_HOOKS))
    if code:
        return f"its bug is code the user runs ({', '.join(code)} hook): no file carries it"
    return None


def _reads_overfit(sign: Sign | None) -> bool:
    return isinstance(sign, Sign) and "overfit" in sign.when


def _signs(refs: tuple[str, ...], by_id: dict[str, Case]) -> list[Sign]:
    out = []
    for ref in refs:
        case_id, name = ref.split(":")
        out.append(by_id[case_id].variant(name).doctor)
    return out


def needs_shape(case: Case, variant: Variant, by_id: dict[str, Case]) -> bool:
    if variant.role == "broken":
        refs = variant.doctor.variants if isinstance(variant.doctor, SeenAs) else (f"{case.id}:{variant.name}",)
        return any(_reads_overfit(s) for s in _signs(refs, by_id))
    return any(v.role == "broken" and _reads_overfit(v.doctor) for v in case.variants)


@dataclass(frozen=True)
class Plan:
    """What to write and how to describe it: equal plans are one pipeline."""

    data: tuple          # (after_tokenize hook, shuffled labels, rows, seed)
    model: tuple         # (size, num_labels, seed, rows): the rows decide the embedded tokenizer's vocabulary
    options: tuple       # the doctor's options besides --model and --data


def plan(case: Case, variant: Variant, by_id: dict[str, Case]) -> Plan:
    cfg = case.config(variant)
    size = cfg.model_size if needs_shape(case, variant, by_id) else "tiny"
    options = ["--labels", cfg.label_placement, "--collate", "none" if cfg.collate == "chapter" else "padding",
               "--loss", LOSS_OPTION[cfg.loss], "--optimizer", OPTIMIZER_OPTION[cfg.optimizer],
               "--batch-size", str(cfg.batch_size), "--seed", str(cfg.seed)]
    if cfg.optimizer != "adam" and cfg.learning_rate:
        options += ["--learning-rate", str(cfg.learning_rate)]
    options += ["--overfit-steps", str(SHAPE_OVERFIT_STEPS if size != "tiny" else TINY_OVERFIT_STEPS)]
    return Plan((cfg.hooks.get("after_tokenize"), cfg.shuffle_labels, cfg.n_train, cfg.seed),
                (size, cfg.num_labels, cfg.seed, cfg.n_train), tuple(options))


def write_data(p: Plan, folder: Path) -> tuple[Path, str]:
    """The data file (or saved folder) and its label column."""
    from harness.spec.config import RunConfig
    from harness.train import hooks
    from harness.train.data import SyntheticNLIConfig, corpus, synthetic_mnli
    from harness.train.model import embedded_tokenizer
    from harness.train.pipeline import shuffle_labels, tokenize

    hook, shuffled, rows, seed = p.data
    raw = synthetic_mnli(SyntheticNLIConfig(n_train=rows, seed=seed))
    tokenizer = embedded_tokenizer(corpus(raw))
    if shuffled:
        raw = shuffle_labels(raw, seed)
    folder.mkdir(parents=True, exist_ok=True)
    if hook is None:
        raw["train"].to_csv(str(folder / "train.csv"), index=False)
        return folder / "train.csv", "label"
    cfg = RunConfig(hooks={"after_tokenize": hook}, seed=seed)
    train = hooks.call("after_tokenize", tokenize(raw, tokenizer), cfg, tokenizer=tokenizer, raw=raw)["train"]
    train.save_to_disk(str(folder / "train"))
    return folder / "train", "labels" if "labels" in train.column_names else "label"


def write_model(p: Plan, folder: Path) -> Path:
    from harness.train.data import SyntheticNLIConfig, corpus, synthetic_mnli
    from harness.train.model import build_model, embedded_tokenizer

    size, num_labels, seed, rows = p.model
    tokenizer = embedded_tokenizer(corpus(synthetic_mnli(SyntheticNLIConfig(n_train=rows, seed=seed))))
    model = build_model("embedded", size, num_labels, len(tokenizer), seed)
    model(model.dummy_inputs)  # the weights exist: a checkpoint as save_pretrained leaves it
    model.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


class Workshop:
    """Writes each data set and model once, under `root`, and says the doctor's argv for a plan."""

    def __init__(self, root: Path):
        self.root = root
        self.data: dict[tuple, tuple[Path, str]] = {}
        self.models: dict[tuple, Path] = {}

    def argv(self, p: Plan) -> list[str]:
        if p.data not in self.data:
            self.data[p.data] = write_data(p, self.root / f"data{len(self.data)}")
        if p.model not in self.models:
            self.models[p.model] = write_model(p, self.root / f"model{len(self.models)}")
        data, label = self.data[p.data]
        return ["--model", str(self.models[p.model]), "--data", str(data), "--label", label, *p.options]
