"""oom_batch_size and tf_memory_grab: not applicable on CPU, with the reason in the record."""
import pytest


@pytest.mark.parametrize("case", ["oom_batch_size", "tf_memory_grab"])
def test_not_applicable_on_cpu_with_reason(suite_records, case):
    records = [r for (c, _), r in suite_records.items() if c == case]
    assert len(records) == 2
    for r in records:
        assert r["observed"] == "not_applicable" and r["outcome"] == "skipped"
        assert r["notes"] and "CPU" in r["notes"][0]
