import pytest
import tensorflow as tf

from harness.train.batch_finder import find_executable_batch_size


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


class FakeOOM(Exception):
    pass


def _linear_card(limit_mib, base, per_sample, calls, quadratic=0.0):
    """A fake card: a step at batch b needs base + per_sample·b (+ quadratic·b²) MiB; the peak probe reports it."""
    def step(batch_size):
        calls.append(batch_size)
        if base + per_sample * batch_size + quadratic * batch_size ** 2 > limit_mib:
            raise FakeOOM(f"OOM at {batch_size}")

    def peak():
        b = calls[-1]
        return base + per_sample * b + quadratic * b * b
    return step, peak


def test_prediction_finds_the_largest_fitting_batch_in_three_steps():
    from harness.train.batch_finder import predict_batch_size
    calls = []
    step, peak = _linear_card(4096, 1000, 40, calls)
    found, trials = predict_batch_size(step, peak, 4096, requested=16384, oom_error=FakeOOM)
    assert found == int((0.9 * 4096 - 1000) // 40) == 67 and calls == [4, 8, 67]
    assert [t["outcome"] for t in trials] == ["ok", "ok", "ok"] and trials[2]["predicted"] == 67
    halving_calls = []
    step, _ = _linear_card(4096, 1000, 40, halving_calls)
    assert find_executable_batch_size(step, 16384, oom_error=FakeOOM)[0] == 64 and len(halving_calls) == 9


def test_prediction_falls_back_on_halving_when_memory_is_not_linear():
    from harness.train.batch_finder import predict_batch_size
    calls = []
    step, peak = _linear_card(4096, 1000, 40, calls, quadratic=2.0)  # grows faster than the two probes say
    found, trials = predict_batch_size(step, peak, 4096, requested=16384, oom_error=FakeOOM)
    assert calls[:3] == [4, 8, trials[2]["batch_size"]] and trials[2]["outcome"] == "oom"
    assert found == calls[-1] and 1000 + 40 * found + 2 * found ** 2 <= 4096


def test_prediction_never_exceeds_the_request_and_survives_a_flat_peak():
    from harness.train.batch_finder import predict_batch_size
    calls = []
    step, peak = _linear_card(4096, 1000, 40, calls)
    assert predict_batch_size(step, peak, 4096, requested=32, oom_error=FakeOOM)[0] == 32
    calls.clear()
    found, trials = predict_batch_size(step, lambda: 500.0, 4096, requested=128, oom_error=FakeOOM)
    assert trials[2]["predicted"] is None and found == 64 and calls == [4, 8, 128, 64]
