"""Throughput reference: fp32, mixed precision, XLA and both, each in its own process, plus a tuned variant.

Not a bug of the chapter but the suite's speed yardstick: which precision and compilation mode is fastest for
a DistilBERT fine-tune at batch 32 × seq 128. Measured by hand on an H100 with TF 2.21.0 before fitbench had
this case: mixed precision (802 samples/s) and jit_compile (421) came out slower than fp32 (1350), with 5
warm-up steps and padded batches — the compile cost and the shape changes were being measured, not the mode.
Here every mode runs on one fixed-shape batch, after warm-up steps reported apart (`compile_and_warmup_s`),
one process per mode (a mixed-precision policy is process-global), each with its own timeout and record; the
table and the report put each mode's samples/s and MFU as a ratio to `fp32` of the same run.

`tuned` is the configuration expected to be fastest while the loss still falls: mixed float16 + XLA on fixed
shapes, with 8 optimizer steps per call into the compiled graph (steps_per_execution), which takes the
per-step Python and launch overhead off a GPU that finishes a step in milliseconds. It has not been measured
on a GPU yet (no GPU was lent to the session that wrote it): the records will say whether it is.
On CPU the comparison means nothing for users (no tensor cores; fp16 is emulated): not applicable.
"""
from harness.spec import Case, Variant

CPU = "CPU: no tensor cores, fp16 is emulated; the fp32/mixed/XLA comparison is about GPUs"
SAYS = "(not in the chapter) a faster mode must still train: the loss falls"


def _mode(name: str, says: str, **knobs) -> Variant:
    return Variant(name, "check", knobs, claims={"gpu": "ok"}, devices=("gpu",), not_applicable=CPU,
                   says=f"{says}; {SAYS}", timeout_s=300)


CASE = Case(
    id="precision_modes",
    title="fp32 / mixed_float16 / XLA / both / tuned throughput (DistilBERT shape, 32 × 128), one process each",
    chapter="(not in the chapter) which precision and compilation mode is fastest for this fine-tune",
    base={"procedure": "precision", "model_size": "distilbert", "batch_size": 32, "steps": 20,
          "optimizer": "Adam(5e-5)", "extra": {"seq_len": 128, "warmup_steps": 5}},
    sections=("ratios",), baseline="fp32", alone=True,  # the report and the table show each mode as × fp32
    variants=(
        _mode("fp32", "the baseline (TF32 matmuls on tensor-core GPUs)"),
        _mode("mixed_float16", "mixed precision: float16 compute, float32 variables", precision="mixed_float16"),
        # bfloat16 has float32's range: no loss scaling, so none of its casts and checks (unmeasured on a GPU yet)
        _mode("mixed_bfloat16", "mixed precision: bfloat16 compute, float32 variables", precision="mixed_bfloat16"),
        _mode("xla", "XLA compilation (jit_compile=True)", jit_compile=True),
        _mode("mixed_xla", "mixed precision and XLA", precision="mixed_float16", jit_compile=True),
        _mode("tuned", "mixed precision + XLA + 8 steps per execution, fixed shapes", precision="mixed_float16",
              jit_compile=True, extra={"seq_len": 128, "warmup_steps": 5, "steps_per_execution": 8}),
    ),
)
