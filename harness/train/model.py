"""Model and tokenizer: the embedded DistilBERT (random init, named sizes) and the real from_pretrained path.

Embedded tokenizer: a BERT-style lower-case WordPiece trained with `tokenizers` on the synthetic corpus,
wrapped as a transformers fast tokenizer and cached on disk (keyed by the corpus), so every process of
a suite run uses the same vocabulary without retraining.

Sizes were chosen by measurement (see README, "Model sizes"): the chapter's learning-rate symptom only
appears at DistilBERT's own width and depth; smaller shapes train fine with 1e-3.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from harness import cache_dir
from harness.train.data import EMBEDDED


@dataclass(frozen=True)
class ModelSize:
    dim: int
    n_layers: int
    n_heads: int
    hidden_dim: int


SIZES: dict[str, ModelSize] = {
    # plumbing cases (labels, losses, num_labels, eager): fast, and learns the synthetic task
    "tiny": ModelSize(dim=128, n_layers=2, n_heads=2, hidden_dim=512),
    # the full DistilBERT shape: where "adam" (1e-3) cannot overfit one batch and 5e-5 can
    "distilbert": ModelSize(dim=768, n_layers=6, n_heads=12, hidden_dim=3072),
}
VOCAB_SIZE = 4096
MAX_POSITIONS = 128


class ModelUnavailable(RuntimeError):
    """The requested checkpoint or tokenizer cannot be loaded (no network, no cache, no such directory)."""


def embedded_tokenizer(texts: list[str]):
    """Train (or load from cache) the embedded WordPiece tokenizer on `texts`."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = cache_dir() / f"tokenizer-{key}"
    if (path / "tokenizer.json").exists():
        return PreTrainedTokenizerFast.from_pretrained(str(path))
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=VOCAB_SIZE, special_tokens=specials))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=MAX_POSITIONS,
        model_input_names=["input_ids", "attention_mask"],  # DistilBERT takes no token_type_ids
    )
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    fast.save_pretrained(str(tmp))
    try:
        tmp.rename(path)  # atomic: concurrent processes never see a half-written tokenizer
    except OSError:
        pass  # another process won the race; its copy is identical
    return PreTrainedTokenizerFast.from_pretrained(str(path))


def load_tokenizer(name: str, texts: list[str] | None = None):
    """`embedded` → the local WordPiece; anything else → `AutoTokenizer.from_pretrained(name)`."""
    if name == EMBEDDED:
        if texts is None:
            raise ValueError("the embedded tokenizer needs the corpus it is trained on (texts=None)")
        return embedded_tokenizer(texts)
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(name)
    except Exception as exc:  # OSError, HTTP errors, ValueError for unknown model types...
        raise _unavailable(name, exc) from None


def build_model(name: str, size: str, num_labels: int | None, vocab_size: int, seed: int):
    """The model the chapter builds. `num_labels=None` keeps the checkpoint's default (2 for DistilBERT)."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    kwargs = {} if num_labels is None else {"num_labels": num_labels}
    if name == EMBEDDED:
        from transformers import DistilBertConfig, TFDistilBertForSequenceClassification

        if size not in SIZES:
            raise ValueError(f"model size must be one of {sorted(SIZES)}, got {size!r}")
        s = SIZES[size]
        # DistilBertConfig's own default is num_labels=2, like the hub checkpoint: the chapter's bug survives
        config = DistilBertConfig(vocab_size=vocab_size, dim=s.dim, n_layers=s.n_layers, n_heads=s.n_heads,
                                  hidden_dim=s.hidden_dim, max_position_embeddings=MAX_POSITIONS, **kwargs)
        return TFDistilBertForSequenceClassification(config)
    from transformers import TFAutoModelForSequenceClassification

    try:
        return TFAutoModelForSequenceClassification.from_pretrained(name, **kwargs)
    except Exception as exc:
        raise _unavailable(name, exc) from None


def looks_like_path(name: str) -> bool:
    """A local directory rather than a hub id ("name" or "namespace/name"): starts with / . or ~, or has more
    than one path separator. Hub ids never do, so for these a missing directory is the whole story."""
    separators = {os.sep, os.altsep or os.sep}
    return name.startswith(("/", ".", "~", *separators)) or sum(name.count(s) for s in separators) > 1


def missing_directory(kind: str, name: str) -> str | None:
    """The one-line error for a --model / --data path that does not exist, or None when it is no such path."""
    if not looks_like_path(name) or Path(name).expanduser().exists():
        return None
    return f"{kind} directory {name} does not exist; without network or cache use the embedded default: " \
           f"--{kind} {EMBEDDED}"


def _unavailable(name: str, exc: Exception) -> ModelUnavailable:
    missing = missing_directory("model", name)
    if missing:  # from_pretrained would call it a malformed repo id, which hides the real mistake
        return ModelUnavailable(missing)
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return ModelUnavailable(
        f"cannot load model {name!r} ({type(exc).__name__}: {first[:200]}); "
        f"without network or cache use the embedded default: --model {EMBEDDED}"
    )
