"""A hand-written corpus of broken fine-tuning pipelines that are not catalog variants: mistakes people report on
the transformers, datasets and keras trackers, each written to disk as its reporter had it (a CSV / JSON lines
file or a saved `datasets` folder, a `save_pretrained` checkpoint with its tokenizer) and the `fitbench doctor`
options that say the rest. Each entry names its source, the one check that must be ✗ with the evidence it must
show and the fix it must suggest, the catalogued cases it may name (most name none: their facts fit no case's
sign), and the same pipeline with that fix applied, which must come out with no ✗.

The data is the embedded MNLI look-alike (its labels follow its text, so a sound pipeline passes every data
check), 300 rows; models are tiny DistilBERT-shaped classifiers with the embedded tokenizer, built here offline.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROWS = 300
# the "adam" string (1e-3) overfits one batch of the tiny model in about 50 steps, and the overfit stops there;
# the rate entry gives its own optimizer (Adam(5e-5) is clearly falling by 150 steps: judged –, not ✗)
OVERFIT_STEPS = 150


@dataclass(frozen=True)
class Entry:
    name: str
    source: str                    # where people met it (issue or forum thread)
    mistake: str                   # what they did
    broken: Callable[[Path], list[str]]   # writes the pipeline under a folder; the doctor's argv
    fixed: Callable[[Path], list[str]]    # the same, with the doctor's suggested fix applied
    check: str                     # the one ✗
    evidence: str                  # a fragment of its evidence
    fix: str                       # a fragment of the fix the doctor suggests
    named: frozenset = field(default_factory=frozenset)  # catalogued cases it names (all their facts hold)


# -- building blocks --------------------------------------------------------------------------------------------

def frame():
    """The embedded MNLI look-alike's first ROWS training rows as a DataFrame (premise, hypothesis, label, idx)."""
    from harness.train.data import SyntheticNLIConfig, synthetic_mnli

    return synthetic_mnli(SyntheticNLIConfig(n_train=ROWS, n_validation=4))["train"].to_pandas()


def tokenizer():
    from harness.train.data import SyntheticNLIConfig, corpus, synthetic_mnli
    from harness.train.model import embedded_tokenizer

    return embedded_tokenizer(corpus(synthetic_mnli(SyntheticNLIConfig())))  # the embedded default's


def model(folder: Path, num_labels: int = 3, added: tuple[str, ...] = (), resize: bool = False) -> Path:
    """A tiny checkpoint; `added` tokens go into its saved tokenizer, the embeddings resized only if asked."""
    from harness.train.model import build_model

    if (folder / "config.json").exists():
        return folder
    tok = tokenizer()
    net = build_model("embedded", "tiny", num_labels, len(tok), 0)
    net(net.dummy_inputs)
    if added:
        tok.add_tokens(list(added))
    if resize:
        net.resize_token_embeddings(len(tok))
    net.save_pretrained(str(folder))
    tok.save_pretrained(str(folder))
    return folder


def csv(folder: Path, df, name: str = "train.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    df.to_csv(folder / name, index=False)
    return folder / name


def jsonl(folder: Path, df, name: str = "train.jsonl") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    df.to_json(folder / name, orient="records", lines=True)
    return folder / name


def argv(model_dir: Path, data: Path, *options: str) -> list[str]:
    return ["--model", str(model_dir), "--data", str(data), "--overfit-steps", str(OVERFIT_STEPS),
            "--optimizer", "adam", *options]  # a later --optimizer (the rate entry's) wins


NAMES = ["entailment", "neutral", "contradiction"]


# -- the corpus ---------------------------------------------------------------------------------------------------

def _names_jsonl(folder: Path, names: bool) -> list[str]:
    df = frame().drop(columns=["idx"])
    if names:
        df["label"] = [NAMES[i] for i in df["label"]]
    return argv(model(folder.parent.parent / "m3"), jsonl(folder, df))


def _digits_json(folder: Path, quoted: bool) -> list[str]:
    df = frame().drop(columns=["idx"])
    if quoted:
        df["label"] = df["label"].astype(str)  # {"label": "1"}: the exporter wrote every field as text
    return argv(model(folder.parent.parent / "m3"), jsonl(folder, df))


def _from_one(folder: Path, shifted: bool) -> list[str]:
    df = frame()
    if shifted:
        df["label"] = df["label"] + 1  # ratings 1..3 as the source numbered them
    return argv(model(folder.parent.parent / "m3"), csv(folder, df))


def _test_split(folder: Path, hidden: bool) -> list[str]:
    df = frame()
    if hidden:
        df["label"] = -1  # GLUE's test split: labels hidden
    return argv(model(folder.parent.parent / "m3"), csv(folder, df))


def _some_unlabelled(folder: Path, mixed: bool, fixed: bool = False) -> list[str]:
    df = frame()
    if mixed:
        df.loc[df.index % 10 == 0, "label"] = -1  # every tenth row not annotated yet
    if fixed:
        df = df[df["label"] != -1]
    return argv(model(folder.parent.parent / "m3"), csv(folder, df))


def _one_class(folder: Path, cut: bool) -> list[str]:
    df = frame()
    df = df.sort_values("label", kind="stable").head(90) if cut else df  # an export sorted by label, cut
    return argv(model(folder.parent.parent / "m3"), csv(folder, df))


def _imbalanced(folder: Path, skewed: bool) -> list[str]:
    df = frame()
    if skewed:  # 95 % of the rows one class: a rare-event set
        df.loc[df.index % 20 != 0, "label"] = 0
    # fixed: the rare classes resampled to the others' frequency (here drawn again from the same generator)
    return argv(model(folder.parent.parent / "m3"), csv(folder, df))


def _empty_cells(folder: Path, holes: bool) -> list[str]:
    df = frame()
    if holes:
        df.loc[df.index % 25 == 0, "hypothesis"] = None  # empty cells in the CSV: NaN / None when read
    else:
        df = df[df.index % 25 != 0]  # the filter applied
    return argv(model(folder.parent.parent / "m3"), csv(folder, df))


def other_tokenizer():
    """A WordPiece tokenizer trained on the same texts and 3,000 made-up words more: the same words get other
    ids, many past the model's 291 embedding rows (another checkpoint's tokenizer, in miniature)."""
    import random

    from harness.train.data import SyntheticNLIConfig, corpus, synthetic_mnli
    from harness.train.model import embedded_tokenizer

    rng = random.Random(0)
    extra = [" ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9)))
                      for _ in range(10)) for _ in range(300)]
    return embedded_tokenizer(extra + corpus(synthetic_mnli(SyntheticNLIConfig())))


def _pretokenized(folder: Path, foreign: bool) -> list[str]:
    """Data tokenized beforehand and saved with its input_ids: by another tokenizer, or by the model's own."""
    from datasets import Dataset

    tok = other_tokenizer() if foreign else tokenizer()
    df = frame()
    enc = tok(df["premise"].tolist(), df["hypothesis"].tolist(), truncation=True)
    data = Dataset.from_dict({"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"],
                              "label": df["label"].tolist()})
    data.save_to_disk(str(folder / "train"))
    return argv(model(folder.parent.parent / "m3"), folder / "train")


def _added_tokens(folder: Path, resized: bool) -> list[str]:
    df = frame()
    df["premise"] = "[speaker1] " + df["premise"]  # a marker token the user added to the tokenizer
    name = "added_resized" if resized else "added"
    return argv(model(folder.parent.parent / name, added=("[speaker1]",), resize=resized), csv(folder, df))


def _truncated(folder: Path, short: bool) -> list[str]:
    data = csv(folder, frame())
    return argv(model(folder.parent.parent / "m3"), data, "--max-length", "8" if short else "64")


def _rate(folder: Path, high: bool) -> list[str]:
    data = csv(folder.parent.parent / "rate_data", frame())
    rate = "0.5" if high else "5e-05"
    return argv(model(folder.parent.parent / "m3"), data, "--optimizer", "Adam", "--learning-rate", rate)


CORPUS: tuple[Entry, ...] = (
    Entry("string_labels_in_json_lines", "https://github.com/huggingface/datasets/issues/2365",
          "JSON lines whose label is the class name ('entailment'), loaded without a ClassLabel",
          lambda f: _names_jsonl(f, True), lambda f: _names_jsonl(f, False), "labels",
          "holds strings, not class ids: contradiction, entailment, neutral",
          "ClassLabel(names=['contradiction', 'entailment', 'neutral'])",
          frozenset({"string_labels:label_names"})),
    Entry("ids_written_as_text", "https://github.com/huggingface/datasets/issues/4210",
          "an export that wrote every field as text: {\"label\": \"1\"}",
          lambda f: _digits_json(f, True), lambda f: _digits_json(f, False), "labels",
          "holds numbers written as text: '0', '1', '2'", "cast_column('label', Value('int64'))"),
    Entry("ids_counted_from_one", "https://github.com/tensorflow/models/issues/15",
          "classes numbered 1..3 as the source had them, num_labels=3",
          lambda f: _from_one(f, True), lambda f: _from_one(f, False), "labels",
          "no row has id 0: the ids count from 1", "ex['label'] - 1"),
    Entry("glue_test_split", "https://github.com/huggingface/datasets/issues/245",
          "fine-tuning on GLUE's test split, whose labels are hidden as -1",
          lambda f: _test_split(f, True), lambda f: _test_split(f, False), "labels",
          "every label is -1: this split has no labels", "['train']"),
    Entry("unlabelled_rows_mixed_in", "https://github.com/EricFillion/happy-transformer/issues/248",
          "a CSV where rows not annotated yet carry -1 (\"Target -1 is out of bounds\")",
          lambda f: _some_unlabelled(f, True), lambda f: _some_unlabelled(f, True, fixed=True), "labels",
          "30 rows are -1: no label", "dataset.filter(lambda ex: ex['label'] != -1)"),
    Entry("one_class_from_a_sorted_file", "https://github.com/huggingface/transformers/issues/3456",
          "the first rows of a file sorted by label: every row one class, the model learns to say it",
          lambda f: _one_class(f, True), lambda f: _one_class(f, False), "labels",
          "every row is class 0", "shuffle(seed=0)"),
    Entry("rare_classes", "https://github.com/ThilinaRajapakse/simpletransformers/issues/280",
          "95 % of the rows one class: the model predicts the majority for everything",
          lambda f: _imbalanced(f, True), lambda f: _imbalanced(f, False), "class_balance",
          "one class is 97% of the rows", "class_weight"),
    Entry("empty_text_cells", "https://github.com/webis-de/small-text/issues/73",
          "empty cells in a text column: TypeError: TextEncodeInput must be Union[...] from the tokenizer",
          lambda f: _empty_cells(f, True), lambda f: _empty_cells(f, False), "example",
          "rows with no text (12 in hypothesis)", "dataset.filter(lambda ex: ex['hypothesis'] is not None)"),
    Entry("tokenized_by_another_tokenizer", "https://github.com/huggingface/transformers/issues/12763",
          "input_ids saved from a tokenizer with a larger vocabulary than the model's (\"index out of range\")",
          lambda f: _pretokenized(f, True), lambda f: _pretokenized(f, False), "token_ids",
          "the data's input_ids were made by another tokenizer", "AutoTokenizer.from_pretrained(checkpoint)"),
    Entry("added_tokens_not_resized", "https://github.com/huggingface/transformers/issues/4486",
          "tokenizer.add_tokens([...]) without model.resize_token_embeddings",
          lambda f: _added_tokens(f, False), lambda f: _added_tokens(f, True), "token_ids",
          "the tokenizer has 292 tokens, the embedding 291 rows", "model.resize_token_embeddings(len(tokenizer))"),
    Entry("max_length_too_short", "https://github.com/ThilinaRajapakse/simpletransformers/issues/1279",
          "a max_length far below the rows' length: most of each pair truncated away",
          lambda f: _truncated(f, True), lambda f: _truncated(f, False), "example",
          "cut out of the inputs by truncation", "truncation=True, max_length=28"),
    Entry("learning_rate_far_too_high", "https://github.com/graykode/nlp-tutorial/issues/77",
          "Adam(learning_rate=0.5): the loss jumps around and never settles",
          lambda f: _rate(f, True), lambda f: _rate(f, False), "overfit",
          "suggests the learning rate", "Adam(learning_rate=5e-5)"),
)
