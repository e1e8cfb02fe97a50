"""oom_batch_size, tf_memory_grab and precision_modes: not applicable on CPU, with the reason in the record.
Their procedures are exercised on CPU in tests/harness/test_procedures.py."""
import pytest


@pytest.mark.parametrize("case,n", [("oom_batch_size", 3), ("tf_memory_grab", 2), ("precision_modes", 5)])
def test_not_applicable_on_cpu_with_reason(suite_records, case, n):
    records = [r for (c, _), r in suite_records.items() if c == case]
    assert len(records) == n
    for r in records:
        assert r["observed"] == "not_applicable" and r["outcome"] == "skipped"
        assert r["notes"] and "CPU" in r["notes"][0]
