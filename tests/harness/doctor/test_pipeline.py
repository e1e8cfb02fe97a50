"""The user's description: validated on construction with the field and the value named, mapped onto fitbench's
own RunConfig, and the facts it tells by itself."""
import pytest

from harness.doctor.pipeline import Bounds, UserPipeline


@pytest.mark.parametrize("kwargs,fragment", [
    ({"loss": "mse"}, "UserPipeline.loss must be one of"),
    ({"label_placement": "y"}, "UserPipeline.label_placement must be one of"),
    ({"batch_size": 0}, "UserPipeline.batch_size must be a positive int, got 0"),
    ({"num_labels": -2}, "UserPipeline.num_labels must be a positive int or None, got -2"),
    ({"text": ("premise", "")}, "UserPipeline.text must be a tuple of column names"),
    ({"optimizer": "adam", "learning_rate": 5e-5}, "the 'adam' string takes none"),
    ({"optimizer": "Adam", "learning_rate": 3.0}, "UserPipeline.learning_rate must be in (0, 1), got 3.0"),
])
def test_a_bad_description_names_its_field_and_value(kwargs, fragment):
    with pytest.raises(ValueError) as caught:
        UserPipeline(**kwargs)
    assert fragment in str(caught.value)


def test_bounds_name_the_field():
    with pytest.raises(ValueError, match="Bounds.overfit must be a number of seconds above 0, got 0"):
        Bounds(overfit=0)
    assert Bounds(check=7).of("initial_loss") == 7 and Bounds().of("overfit") == 150


def test_the_description_becomes_fitbench_s_own_run_config():
    cfg = UserPipeline(model="/m", data="/d.csv", loss="from_logits", collate="none", label_placement="label_cols",
                       optimizer="Adam", learning_rate=2e-5).run_config("cpu")
    assert (cfg.procedure, cfg.loss, cfg.collate, cfg.optimizer, cfg.learning_rate, cfg.num_labels) == \
        ("doctor", "sce_from_logits", "chapter", "Adam(5e-5)", 2e-5, None)
    assert UserPipeline().run_config("cpu").num_labels == 3  # the embedded default's head
    string = UserPipeline(optimizer="adam")
    assert string.run_config("cpu").learning_rate is None and string.facts()["learning_rate"] == 1e-3
    assert UserPipeline(loss="sparse_categorical_crossentropy").facts()["loss_from_logits"] is False
