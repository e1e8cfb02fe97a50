"""The metric registry's relations between numbers: which measurement a number comes from (`root`), and which
derived numbers move the other way from it (`inverse_of_root`: the verdict shows them with the root's re-measured
ratio inverted)."""
from harness.results import metrics


def test_derived_numbers_name_their_measurement():
    assert metrics.get("samples_per_s").root == "step_time_median_s"
    assert metrics.get("first_step_tracing_s").root == "time_to_first_step_s"
    assert metrics.get("step_time_median_s").root == "step_time_median_s"


def test_only_numbers_better_the_other_way_than_their_root_are_its_inverse():
    inverse = {m.name for m in metrics.BY_NAME.values() if m.inverse_of_root}
    assert inverse == {"samples_per_s", "mfu"}   # not the first step's parts, not a root itself
