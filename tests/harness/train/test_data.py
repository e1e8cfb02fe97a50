import datasets
import pytest

from harness.train.data import DataUnavailable, LABEL_NAMES, SyntheticNLIConfig, load_data, synthetic_mnli


def test_synthetic_has_mnli_schema_and_sizes():
    ds = synthetic_mnli(SyntheticNLIConfig(n_train=50, n_validation=20, seed=1))
    assert set(ds) == {"train", "validation_matched", "validation_mismatched"}
    assert ds["train"].features["label"].names == LABEL_NAMES == ["entailment", "neutral", "contradiction"]
    assert set(ds["train"].column_names) == {"premise", "hypothesis", "label", "idx"}
    assert (ds["train"].num_rows, ds["validation_matched"].num_rows) == (50, 20)


def test_synthetic_is_deterministic_and_seeded():
    a, b = synthetic_mnli(SyntheticNLIConfig(seed=3)), synthetic_mnli(SyntheticNLIConfig(seed=3))
    c = synthetic_mnli(SyntheticNLIConfig(seed=4))
    assert a["train"][:20] == b["train"][:20] and a["train"][:20] != c["train"][:20]


def test_mismatched_uses_other_words():
    ds = synthetic_mnli(SyntheticNLIConfig(n_train=200, n_validation=200))
    words = lambda split: {w for s in ds[split]["premise"] for w in s.lower().strip(".").split()}
    assert words("validation_mismatched") - words("train")


def test_config_errors_name_field():
    with pytest.raises(ValueError, match="n_train.*0"):
        SyntheticNLIConfig(n_train=0)


def test_real_loading_code_reads_a_saved_dataset(tmp_path):
    """The non-embedded path, on data the test saves itself (no hub): load_from_disk of a DatasetDict."""
    saved = synthetic_mnli(SyntheticNLIConfig(n_train=12, n_validation=6))
    saved.save_to_disk(str(tmp_path / "mnli"))
    loaded = load_data(str(tmp_path / "mnli"))
    assert isinstance(loaded, datasets.DatasetDict) and loaded["train"][:3] == saved["train"][:3]


def test_missing_data_is_one_clear_line_naming_the_default(tmp_path):
    with pytest.raises(DataUnavailable) as err:
        load_data(str(tmp_path / "nothing"))
    msg = str(err.value)
    assert "\n" not in msg and "--data embedded" in msg
