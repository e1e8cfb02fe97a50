"""TensorFlow takes (nearly) all GPU memory as soon as it does anything; a second TF process then starves.

Measured on an H100: 79 GB held after one matmul with the default allocator; 0.6 GB with memory growth.
Symptom measured with NVML for this process. CPU: not applicable.
"""
from harness.spec import Case, Sign, Variant

CPU = "CPU: TensorFlow's GPU allocator is not involved"

CASE = Case(
    id="tf_memory_grab",
    title="default TF allocator vs set_memory_growth",
    chapter="TensorFlow allocates all of your GPU memory to itself as soon as you load a model",
    base={"procedure": "memory_grab", "extra": {"grab_fraction": 0.5}},
    sections=("memory_bars",), alone=True,  # it measures the whole card
    variants=(
        Variant("default_allocator", "broken", {"memory_growth": False}, claims={"gpu": "memory_grab"},
                devices=("gpu",), not_applicable=CPU, says="it allocates *all* of your GPU memory",
                doctor=Sign("memory", {"memory_symptom": ("==", "memory_grab")},
                            fix="tf.config.experimental.set_memory_growth(gpu, True)  # each GPU, before anything "
                                "runs")),
        Variant("fix_memory_growth", "fix", {"memory_growth": True}, claims={"gpu": "ok"}, devices=("gpu",),
                not_applicable=CPU, says="tf.config.experimental.set_memory_growth(gpu, True)"),
    ),
)
