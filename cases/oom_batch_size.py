"""A batch too large for the (capped) card: "OOM when allocating tensor"; the chapter says halve it and retry.

Reproducible on any card: TF's GPU memory is capped with a logical device of 4 GiB, so the same batch OOMs
on an 80 GB card as on a small one. The broken batch (16384 × 128) is chosen so that its very first activation,
the embeddings (16384 × 128 × 768 floats = 6 GiB), already exceeds the cap: TF's BFC allocator fails that one
allocation, waits its 10 s (`kMaxMillisToWait`) for memory that cannot come, and raises. (A batch that only
just does not fit fails allocation after allocation, each with that wait: the first GPU run, with batch 1024,
was still waiting at 140 s.) On the first H100 run neither the broken batch nor blind halving from 1024 ended within its limit (120 s,
150 s): every failed allocation waited, and every new batch size was a new trace. Here TF's retry is turned off
(`gpu_allocator_retry=False`, GPUOptions' `disallow_retry_on_allocation_failure`): the error a user sees is the
same, raised without the wait (not yet measured on a GPU). The fix is fitbench's TF batch-size finder: it predicts the largest batch from
the allocator's peak at batches 4 and 8, verifies the prediction with one step, and halves only if that step
OOMs (`harness/train/batch_finder.py`); `halving` is the chapter's advice done blindly, for comparison.
On CPU there is no device memory for TF to exhaust: an oversized batch swaps or is killed by the OS, which is
not the chapter's symptom — recorded as not applicable.
"""
from harness.spec import Case, Sign, Variant

CPU = "CPU: no fixed device memory; an oversized batch swaps or is OOM-killed by the OS, not ResourceExhaustedError"
BASE_EXTRA = {"seq_len": 128}

CASE = Case(
    id="oom_batch_size",
    title="batch too large for (capped) GPU memory",
    chapter="OOM when allocating tensor — halve your batch size and try again",
    # gpu_allocator_retry False: TF raises the same ResourceExhaustedError at once instead of after waiting 10 s
    # per failed allocation (a user's script waits; the record says how the wait was bounded)
    base={"procedure": "oom", "model_size": "distilbert", "batch_size": 16384, "gpu_memory_limit_mib": 4096,
          "gpu_allocator_retry": False, "extra": BASE_EXTRA},
    alone=True,  # it fills its (capped) share of the card on purpose
    variants=(
        Variant("oversized_batch", "broken", {}, claims={"gpu": "oom"}, devices=("gpu",), not_applicable=CPU,
                says="OOM when allocating tensor", timeout_s=120,
                doctor=Sign("memory", {"memory_symptom": ("==", "oom")}, fix="batch_size={found_batch_size}")),
        Variant("fix_find_batch_size", "fix", {"extra": {**BASE_EXTRA, "find_batch_size": "predict"}},
                claims={"gpu": "ok"}, devices=("gpu",), not_applicable=CPU, timeout_s=180,
                says="find a batch size that fits: predicted from memory at two small batches, then verified",
                expect={"found_batch_size": ("<", 16384), "n_trials": ("<=", 4)}),
        Variant("fix_halving", "fix", {"batch_size": 1024, "extra": {**BASE_EXTRA, "find_batch_size": "halving"}},
                claims={"gpu": "ok"}, devices=("gpu",), not_applicable=CPU, timeout_s=150,
                says="halve your batch size and try again (from 1024, as the chapter would)",
                expect={"found_batch_size": ("<", 1024)}),
    ),
)
