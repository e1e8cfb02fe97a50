"""Data: the embedded synthetic MNLI stand-in, and the real `load_dataset("glue", "mnli")` path.

The synthetic generator produces a `datasets.DatasetDict` with MNLI's own schema (splits, features,
ClassLabel names), so every line of the chapter's pipeline runs unchanged on it. The label is decidable
from the text: the hypothesis restates, contradicts or adds to the premise in a few templated ways,
so a correct pipeline clearly beats chance, and a pipeline with shuffled labels cannot.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import datasets

LABEL_NAMES = ["entailment", "neutral", "contradiction"]
EMBEDDED = "embedded"

# Two "genres", like MNLI's matched / mismatched split: train and validation_matched share the first,
# validation_mismatched uses the second, so the mismatched score measures transfer of the rule, not words.
_GENRES = {
    "matched": {
        "agents": ["teacher", "farmer", "doctor", "pilot", "baker", "singer", "driver", "lawyer"],
        "objects": ["letter", "basket", "ticket", "report", "guitar", "camera", "bottle", "ladder"],
        "places": ["kitchen", "garden", "station", "library", "harbor", "market"],
    },
    "mismatched": {
        "agents": ["captain", "student", "nurse", "painter", "miner", "clerk"],
        "objects": ["lantern", "blanket", "violin", "compass", "hammer", "parcel"],
        "places": ["museum", "tunnel", "airport", "bakery", "cabin"],
    },
}
_VERBS = [("carried", "carry"), ("found", "find"), ("cleaned", "clean"), ("sold", "sell"), ("painted", "paint")]
_ADJS = ["old", "young", "tired", "cheerful", "quiet", "famous"]
_REASONS = ["because it was raining", "before the sun rose", "for a friend", "after a long day"]


@dataclass(frozen=True)
class SyntheticNLIConfig:
    """Sizes and seed of the embedded data set. Errors name the field and the value."""

    n_train: int = 2000
    n_validation: int = 300
    seed: int = 0

    def __post_init__(self) -> None:
        for field in ("n_train", "n_validation"):
            value = getattr(self, field)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"SyntheticNLIConfig.{field} must be a positive int, got {value!r}")


def _pair(rng: random.Random, genre: dict, label: int) -> tuple[str, str]:
    agent, obj, place = rng.choice(genre["agents"]), rng.choice(genre["objects"]), rng.choice(genre["places"])
    adj = rng.choice(_ADJS)
    past, base = rng.choice(_VERBS)
    premise = f"The {adj} {agent} {past} the {obj} in the {place}."
    if label == 0:  # entailment: a weaker restatement of the premise
        hypothesis = rng.choice([
            f"A {agent} {past} a {obj}.",
            f"The {obj} was {past} by someone in the {place}.",
            f"Someone {past} the {obj}.",
        ])
    elif label == 1:  # neutral: adds a fact the premise neither states nor rules out
        hypothesis = rng.choice([
            f"The {agent} {past} the {obj} {rng.choice(_REASONS)}.",
            f"The {agent} also {past} another {obj}.",
            f"The {agent} wanted to {base} the {obj} twice.",
        ])
    else:  # contradiction: negates the premise or swaps a fact for an incompatible one
        other = rng.choice([p for p in genre["places"] if p != place])
        hypothesis = rng.choice([
            f"The {agent} did not {base} the {obj}.",
            f"Nobody {past} the {obj} in the {place}.",
            f"The {agent} {past} the {obj} only in the {other}, never in the {place}.",
        ])
    return premise, hypothesis


def _split(n: int, genre: dict, seed: int) -> dict[str, list]:
    rng = random.Random(seed)
    rows: dict[str, list] = {"premise": [], "hypothesis": [], "label": [], "idx": []}
    for i in range(n):
        label = rng.randrange(3)
        premise, hypothesis = _pair(rng, genre, label)
        rows["premise"].append(premise)
        rows["hypothesis"].append(hypothesis)
        rows["label"].append(label)
        rows["idx"].append(i)
    return rows


def mnli_features() -> datasets.Features:
    """MNLI's feature schema, as `load_dataset("glue", "mnli")` gives it."""
    return datasets.Features({
        "premise": datasets.Value("string"),
        "hypothesis": datasets.Value("string"),
        "label": datasets.ClassLabel(names=LABEL_NAMES),
        "idx": datasets.Value("int32"),
    })


def synthetic_mnli(config: SyntheticNLIConfig = SyntheticNLIConfig()) -> datasets.DatasetDict:
    """Deterministic MNLI look-alike: the same config gives the same rows, byte for byte."""
    features = mnli_features()
    # distinct seeds per split so validation rows are not copies of training rows
    splits = {
        "train": _split(config.n_train, _GENRES["matched"], config.seed * 3 + 0),
        "validation_matched": _split(config.n_validation, _GENRES["matched"], config.seed * 3 + 1),
        "validation_mismatched": _split(config.n_validation, _GENRES["mismatched"], config.seed * 3 + 2),
    }
    return datasets.DatasetDict({k: datasets.Dataset.from_dict(v, features=features) for k, v in splits.items()})


def corpus(dataset: datasets.DatasetDict) -> list[str]:
    """Every sentence of every split: what the embedded tokenizer is trained on."""
    out: list[str] = []
    for split in dataset.values():
        out.extend(split["premise"])
        out.extend(split["hypothesis"])
    return out


class DataUnavailable(RuntimeError):
    """The requested data set cannot be loaded (no network, no cache, no such directory)."""


# a data file's suffix -> the `load_dataset` builder that reads it (and its options)
FILE_FORMATS = {".csv": ("csv", {}), ".tsv": ("csv", {"delimiter": "\t"}), ".json": ("json", {}),
                ".jsonl": ("json", {}), ".parquet": ("parquet", {})}


def load_data(source: str, config: SyntheticNLIConfig = SyntheticNLIConfig()) -> datasets.DatasetDict:
    """`embedded` → synthetic MNLI; a CSV / TSV / JSON (lines) / Parquet file → `load_dataset(<format>)`, its
    rows as the "train" split; a directory → `load_from_disk`; `glue/mnli` or `name` → the hub data set."""
    if source == EMBEDDED:
        return synthetic_mnli(config)
    path = Path(source).expanduser()
    try:
        if path.is_file():
            if path.suffix.lower() not in FILE_FORMATS:
                raise ValueError(f"unknown data file format {path.suffix!r} (known: {', '.join(FILE_FORMATS)})")
            builder, options = FILE_FORMATS[path.suffix.lower()]
            return datasets.load_dataset(builder, data_files={"train": str(path)}, **options)
        if path.exists() or source.startswith((".", "/", "~")) or source.count("/") > 1:
            return datasets.load_from_disk(source)
        # a hub id: "name/subset" as glue/mnli, or a bare "name"
        return datasets.load_dataset(*source.split("/"))
    except Exception as exc:  # datasets raises many types (ConnectionError, FileNotFoundError, HfHubHTTPError...)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataUnavailable(
            f"cannot load data {source!r} ({type(exc).__name__}: {first[:200]}); "
            f"without network or cache use the embedded default: --data {EMBEDDED}"
        ) from None
