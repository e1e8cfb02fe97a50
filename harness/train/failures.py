"""What a failed step says: its exception as plain data (type, message, traceback tail, where it surfaced), for a
record (harness/launch/worker.py) and for the doctor's facts (harness/train/checkup/).

Graph mode raises from TF's executor, so the deepest non-TensorFlow frame is Keras' fit loop; eagerly, it is the
loss code the failing op was called from — what the chapter means by "points into the model".
"""
from __future__ import annotations

import os
import traceback
from typing import Any

# where a user reads "the error is in the model's code": transformers' model and loss code, Keras' loss code
MODEL_CODE = ("transformers/models/", "transformers/modeling_tf_utils", "tf_keras/src/losses", "tf_keras/src/backend",
              "keras/src/losses")


def describe_error(exc: BaseException) -> dict[str, Any]:
    """Type, message, traceback tail, and where the error surfaced in Python code outside TensorFlow itself."""
    frames = traceback.extract_tb(exc.__traceback__)
    outside_tf = [f for f in frames if "/tensorflow/" not in f.filename.replace(os.sep, "/")]
    surfaced = outside_tf[-1] if outside_tf else None
    tail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-6:])
    return {"type": type(exc).__name__, "message": str(exc)[:4000], "traceback_tail": tail[-4000:],
            "surfaced_at": f"{surfaced.filename}:{surfaced.lineno} in {surfaced.name}" if surfaced else None,
            "in_model_code": bool(surfaced and any(m in surfaced.filename.replace(os.sep, "/") for m in MODEL_CODE)),
            # TF >= 2.? appends the Python stack that defined the failing graph node to the message
            "message_has_definition_trace": "defined at" in str(exc)}
