"""harness/train/device.py: which Keras a process really drives."""
from __future__ import annotations

import json
import subprocess
import sys

from harness.env.describe import versions


def test_the_worker_process_names_the_keras_it_drives():
    code = ("import harness, json; from harness.train.device import describe_with_tf; "
            "print(json.dumps(describe_with_tf('cpu')['keras']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    keras = json.loads(proc.stdout.strip().splitlines()[-1])
    found = versions()
    if found.get("tf-keras"):
        assert keras["driven"] == f"tf-keras {found['tf-keras']}" and keras["module"].startswith("tf_keras")
    else:
        assert keras["driven"].startswith(("tf.keras (keras 2", "keras 3"))
