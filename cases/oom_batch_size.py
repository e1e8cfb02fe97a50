"""A batch too large for the card: "OOM when allocating tensor"; the chapter says halve it and retry.

Reproducible on any card: TF's GPU memory is capped with a logical device limit, so the same batch OOMs
on an 80 GB card as on a small one. The fix is fitbench's TF batch-size finder (halving on
ResourceExhaustedError). On CPU there is no device memory for TF to exhaust: an oversized batch swaps or
is killed by the OS, which is not the chapter's symptom — recorded as not applicable.
"""
from harness.spec import Case, Variant

CPU = "CPU: no fixed device memory; an oversized batch swaps or is OOM-killed by the OS, not ResourceExhaustedError"

CASE = Case(
    id="oom_batch_size",
    title="batch too large for (capped) GPU memory",
    chapter="OOM when allocating tensor — halve your batch size and try again",
    base={"procedure": "oom", "model_size": "distilbert", "batch_size": 1024, "gpu_memory_limit_mib": 4096,
          "extra": {"seq_len": 128}},
    variants=(
        Variant("oversized_batch", "broken", {}, claims={"gpu": "oom"}, devices=("gpu",), not_applicable=CPU,
                says="OOM when allocating tensor"),
        Variant("fix_find_batch_size", "fix", {"extra": {"seq_len": 128, "find_batch_size": True}},
                claims={"gpu": "ok"}, devices=("gpu",), not_applicable=CPU,
                says="halve the batch size until it fits", expect={"found_batch_size": ("<", 1024)}),
    ),
)
