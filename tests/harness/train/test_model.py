"""The embedded tokenizer/model, and the real from_pretrained path on a tiny model the test saves itself."""
import pytest

from harness.train.data import SyntheticNLIConfig, corpus, synthetic_mnli
from harness.train.model import ModelUnavailable, build_model, embedded_tokenizer, load_tokenizer


@pytest.fixture(scope="module")
def texts():
    return corpus(synthetic_mnli(SyntheticNLIConfig(n_train=200, n_validation=50)))


def test_embedded_tokenizer_is_bert_style_and_cached(texts, tmp_path, monkeypatch):
    monkeypatch.setenv("FITBENCH_CACHE", str(tmp_path))
    tok = embedded_tokenizer(texts)
    enc = tok("The Old Baker sold the ticket.", "Someone sold the ticket.")
    assert tok.decode(enc["input_ids"]) == "[CLS] the old baker sold the ticket. [SEP] someone sold the ticket. [SEP]"
    assert "token_type_ids" not in enc  # DistilBERT takes none
    assert len(list(tmp_path.glob("tokenizer-*"))) == 1
    again = embedded_tokenizer(texts)  # from the cache
    assert again.get_vocab() == tok.get_vocab()


def test_default_num_labels_is_two_like_the_checkpoint(texts):
    tok = embedded_tokenizer(texts)
    assert build_model("embedded", "tiny", None, len(tok), 0).config.num_labels == 2
    assert build_model("embedded", "tiny", 3, len(tok), 0).config.num_labels == 3


def test_from_pretrained_path_loads_a_local_checkpoint(texts, tmp_path):
    tok = embedded_tokenizer(texts)
    model = build_model("embedded", "tiny", 3, len(tok), 0)
    model(model.dummy_inputs)
    model.save_pretrained(str(tmp_path))
    tok.save_pretrained(str(tmp_path))
    loaded_tok = load_tokenizer(str(tmp_path))
    assert loaded_tok.get_vocab() == tok.get_vocab()
    loaded = build_model(str(tmp_path), "tiny", 3, len(tok), 0)
    assert loaded.config.dim == 128 and loaded.config.num_labels == 3
    import numpy as np
    x = tok(["a baker"], return_tensors="np")
    np.testing.assert_allclose(loaded(dict(x)).logits.numpy(), model(dict(x)).logits.numpy(), rtol=1e-5, atol=1e-6)


def test_missing_model_directory_is_one_clear_line(tmp_path):
    with pytest.raises(ModelUnavailable) as err:
        load_tokenizer(str(tmp_path / "no_such_dir"))
    assert "\n" not in str(err.value) and "--model embedded" in str(err.value)
