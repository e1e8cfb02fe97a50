import pytest
import tensorflow as tf

from harness.batch_finder import find_executable_batch_size


def _step_that_fits_up_to(limit, calls):
    def step(batch_size):
        calls.append(batch_size)
        if batch_size > limit:
            raise tf.errors.ResourceExhaustedError(None, None, f"OOM when allocating tensor with shape[{batch_size}]")
    return step


def test_halves_until_it_fits():
    calls = []
    found, attempts = find_executable_batch_size(_step_that_fits_up_to(100, calls), 1024)
    assert found == 64 and calls == [1024, 512, 256, 128, 64]
    assert [a["outcome"] for a in attempts] == ["oom"] * 4 + ["ok"]


def test_gives_up_below_minimum_and_keeps_other_errors():
    with pytest.raises(tf.errors.ResourceExhaustedError):
        find_executable_batch_size(_step_that_fits_up_to(0, []), 8)

    def broken(batch_size):
        raise ValueError("not an OOM")
    with pytest.raises(ValueError, match="not an OOM"):
        find_executable_batch_size(broken, 8)
