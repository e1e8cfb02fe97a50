"""The isolated side of a run: `python -m harness.worker RESULT.json < JOB.json`.

The runner starts one fresh process per (case, variant). This module sets the device up before TensorFlow
initialises (visibility, memory growth, a logical memory cap), runs the procedure, classifies what happened
and writes a small JSON result. Anything that kills the process instead is the runner's business.
"""
from __future__ import annotations

import json
import os
import sys
import traceback
import warnings
from typing import Any

import harness  # noqa: F401  (sets TF_USE_LEGACY_KERAS before TensorFlow loads)
from harness import env, symptoms
from harness.config import RunConfig

# where a user reads "the error is in the model's code": transformers' model and loss code, Keras' loss code
MODEL_CODE = ("transformers/models/", "transformers/modeling_tf_utils", "tf_keras/src/losses", "tf_keras/src/backend",
              "keras/src/losses")


def setup_device(cfg: RunConfig, device: str) -> None:
    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"  # before TF initialises, or it would still take the GPU
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if device == "gpu" and not gpus:
        raise RuntimeError("device gpu requested but TensorFlow sees no GPU")
    for gpu in gpus:
        if cfg.memory_growth and not cfg.gpu_memory_limit_mib:
            tf.config.experimental.set_memory_growth(gpu, True)
    if gpus and cfg.gpu_memory_limit_mib:
        # a logical device with a fixed cap: the same OOM on an 80 GB card as on a 16 GB one
        tf.config.set_logical_device_configuration(
            gpus[0], [tf.config.LogicalDeviceConfiguration(memory_limit=cfg.gpu_memory_limit_mib)])
    if cfg.mixed_precision:
        tf.keras.mixed_precision.set_global_policy("mixed_float16")
    # seed before the input pipeline exists: to_tf_dataset's shuffle takes its seed from the global one
    tf.keras.utils.set_random_seed(cfg.seed)


def describe_error(exc: BaseException) -> dict[str, Any]:
    """Type, message, traceback tail, and where the error surfaced in Python code outside TensorFlow itself.

    Graph mode raises from TF's executor, so the deepest non-TensorFlow frame is Keras' fit loop; eagerly,
    it is the loss code the failing op was called from — what the chapter means by "points into the model".
    """
    frames = traceback.extract_tb(exc.__traceback__)
    outside_tf = [f for f in frames if "/tensorflow/" not in f.filename.replace(os.sep, "/")]
    surfaced = outside_tf[-1] if outside_tf else None
    tail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-6:])
    return {"type": type(exc).__name__, "message": str(exc)[:4000], "traceback_tail": tail[-4000:],
            "surfaced_at": f"{surfaced.filename}:{surfaced.lineno} in {surfaced.name}" if surfaced else None,
            "in_model_code": bool(surfaced and any(m in surfaced.filename.replace(os.sep, "/") for m in MODEL_CODE)),
            # TF >= 2.? appends the Python stack that defined the failing graph node to the message
            "message_has_definition_trace": "defined at" in str(exc)}


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    from harness.procedures import PROCEDURES

    cfg = RunConfig.from_dict(job["config"])
    metrics: dict[str, Any] = {}
    result: dict[str, Any] = {"metrics": metrics, "error": None, "warnings": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            setup_device(cfg, job["device"])
            result["env"] = env.describe(job["device"], with_tf=True)
            result["observed"] = PROCEDURES[cfg.procedure](cfg, metrics)
            result["outcome"] = "completed"
        except Exception as exc:
            result["error"] = describe_error(exc)
            metrics["traceback_in_model_code"] = result["error"]["in_model_code"]
            metrics["error_message_has_definition_trace"] = result["error"]["message_has_definition_trace"]
            result["observed"] = symptoms.classify_error(type(exc).__name__, str(exc))
            result["outcome"] = "error"
    result["warnings"] = sorted({f"{w.category.__name__}: {str(w.message).splitlines()[0][:300]}" for w in caught})
    return result


def main(argv: list[str]) -> int:
    job = json.load(sys.stdin)
    result = run_job(job)
    tmp = argv[1] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f, default=str)
    os.replace(tmp, argv[1])  # the runner sees a whole result or none
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
