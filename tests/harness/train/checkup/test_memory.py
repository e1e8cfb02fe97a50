"""The memory check's decision on a CPU, with a fake step and allocator (as the batch finder's tests): a batch that
fits, one that runs out of memory and the largest that fits, and a card taken whole without memory growth."""
from harness.train.checkup.memory import judge


class FakeOOM(Exception):
    pass


def fake_card(limit_mib: float, per_row_mib: float, base_mib: float = 500.0):
    """A step whose peak grows linearly with the batch, raising FakeOOM past the card."""
    peaks: list[float] = [0.0]

    def step(batch_size: int) -> None:
        need = base_mib + per_row_mib * batch_size
        if need > limit_mib:
            raise FakeOOM(f"OOM when allocating tensor for batch {batch_size}")
        peaks[0] = need

    def peak() -> float:
        value, peaks[0] = peaks[0], 0.0
        return value

    return step, peak


def test_a_batch_that_fits_is_ok_and_its_peak_said():
    step, peak = fake_card(16000, 10)
    out = judge(step, peak, 16000, 16, held_fraction=0.05, growth=True, oom_error=FakeOOM)
    assert (out["memory_symptom"], out["peak_mib"]) == ("ok", 660.0)


def test_a_batch_too_large_is_oom_with_the_largest_batch_that_fits():
    step, peak = fake_card(16000, 10)
    out = judge(step, peak, 16000, 16384, held_fraction=0.05, growth=True, oom_error=FakeOOM)
    assert out["memory_symptom"] == "oom" and "OOM when allocating" in out["memory_step_error"]["message"]
    assert 1000 <= out["found_batch_size"] < 1550  # (16000 * 0.9 - 500) / 10 = 1390, verified by one step


def test_the_card_taken_whole_without_memory_growth():
    step, peak = fake_card(16000, 10)
    assert judge(step, peak, 16000, 16, held_fraction=0.97, growth=False, oom_error=FakeOOM)["memory_symptom"] == \
        "memory_grab"
    assert judge(step, peak, 16000, 16, held_fraction=0.97, growth=True, oom_error=FakeOOM)["memory_symptom"] == "ok"
