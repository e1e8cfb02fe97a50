"""Throughput reference: fp32 vs mixed precision vs XLA on the full DistilBERT shape, batch 32 × seq 128.

Not a bug of the chapter but the suite's speed yardstick (issue 4): measured by hand on an H100 with
TF 2.21.0, mixed precision (802 samples/s) and jit_compile (421) came out slower than fp32 (1350) with 5
warm-up steps and padded batches. Here every mode runs side by side in one process on one fixed-shape
batch, compile time is reported apart (`<mode>_compile_and_warmup_s`), and each mode is a ratio to fp32.
On CPU the comparison means nothing for users (no tensor cores; fp16 is emulated): not applicable.
"""
from harness.spec import Case, Variant

CPU = "CPU: no tensor cores, fp16 is emulated; the fp32/mixed/XLA comparison is about GPUs"

CASE = Case(
    id="precision_modes",
    title="fp32 / mixed_float16 / XLA throughput, side by side (DistilBERT shape, 32 × 128)",
    chapter="(not in the chapter) which precision and compilation mode is fastest for this fine-tune",
    base={"procedure": "precision_modes", "model_size": "distilbert", "batch_size": 32, "steps": 30,
          "optimizer": "Adam(5e-5)", "extra": {"seq_len": 128, "warmup_steps": 10}},
    variants=(
        Variant("all_modes", "check", {}, claims={"gpu": "ok"}, devices=("gpu",), not_applicable=CPU,
                says="mixed precision and XLA should not be slower than fp32 once compiled"),
    ),
)
