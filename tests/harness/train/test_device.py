"""harness/train/device.py: which Keras a process really drives, and the GPU branch of device setup — driven on
CPU with a fake `tf.config` device list and a fake eager context, and (marked `gpu`, run by
benchmarks/scripts/gpu_suite.sh) on a real card in a fresh process, where setup comes before TensorFlow starts."""
from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest

from harness.env.describe import versions
from harness.spec.config import RunConfig
from harness.train.device import configure_gpus, disallow_allocator_retry, edit_context_config
from tests.harness.gpu_child import run_child


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


class FakeConfig:
    """The `tf.config` calls device setup makes, over a list of fake physical GPUs; it records what was set."""

    def __init__(self, gpus):
        self.gpus, self.growth, self.logical = list(gpus), [], []
        self.experimental = SimpleNamespace(set_memory_growth=lambda gpu, on: self.growth.append((gpu, on)))

    def list_physical_devices(self, kind):
        return self.gpus if kind == "GPU" else []

    def set_logical_device_configuration(self, gpu, configs):
        self.logical.append((gpu, [c.memory_limit for c in configs]))

    @staticmethod
    def LogicalDeviceConfiguration(memory_limit):  # noqa: N802  (tf.config's own name)
        return SimpleNamespace(memory_limit=memory_limit)


TWO = ["/physical_device:GPU:0", "/physical_device:GPU:1"]


def test_memory_growth_on_every_gpu_when_nothing_caps_the_card():
    config = FakeConfig(TWO)
    assert configure_gpus(config, RunConfig(memory_growth=True), "gpu") == TWO
    assert config.growth == [(TWO[0], True), (TWO[1], True)] and config.logical == []
    untouched = FakeConfig(TWO)  # the tf_memory_grab broken variant: TF's default allocator, left alone
    configure_gpus(untouched, RunConfig(memory_growth=False), "gpu")
    assert untouched.growth == [] and untouched.logical == []


def test_a_cap_is_a_logical_device_on_the_first_gpu_and_replaces_memory_growth():
    own = FakeConfig(TWO)
    configure_gpus(own, RunConfig(gpu_memory_limit_mib=4096), "gpu", memory_bound_mib=2000)
    assert own.logical == [(TWO[0], [4096])] and own.growth == []  # the variant's own cap wins over the bound
    shared = FakeConfig(TWO)
    configure_gpus(shared, RunConfig(), "gpu", memory_bound_mib=2000)  # --jobs: the runner's share of the card
    assert shared.logical == [(TWO[0], [2000])] and shared.growth == []


def test_gpu_asked_but_none_listed_is_an_error_and_cpu_touches_nothing():
    with pytest.raises(RuntimeError, match="TensorFlow sees no GPU"):
        configure_gpus(FakeConfig([]), RunConfig(), "gpu")
    cpu = FakeConfig([])
    assert configure_gpus(cpu, RunConfig(gpu_memory_limit_mib=4096), "cpu", memory_bound_mib=2000) == []
    assert cpu.growth == [] and cpu.logical == []


def test_the_allocator_retry_switch_edits_a_copy_of_the_contexts_config():
    """A fake context, real protos: the flag is set, what the context's config already said is kept, and the proto
    the context held is not edited in place."""
    from tensorflow.core.protobuf import config_pb2

    bare = SimpleNamespace(_config=None)
    disallow_allocator_retry(bare)
    assert bare._config.gpu_options.experimental.disallow_retry_on_allocation_failure is True
    held = config_pb2.ConfigProto(allow_soft_placement=True)
    held.gpu_options.per_process_gpu_memory_fraction = 0.5
    ctx = SimpleNamespace(_config=held)
    disallow_allocator_retry(ctx)
    assert ctx._config is not held and not held.gpu_options.experimental.disallow_retry_on_allocation_failure
    assert ctx._config.allow_soft_placement and ctx._config.gpu_options.per_process_gpu_memory_fraction == 0.5
    assert ctx._config.gpu_options.experimental.disallow_retry_on_allocation_failure


def test_edit_context_config_is_the_one_writer_of_the_private_field():
    seen = []
    ctx = SimpleNamespace(_config=None)
    edit_context_config(ctx, dict, seen.append)
    assert seen == [ctx._config] == [{}]


def test_the_flag_reaches_the_config_a_real_context_hands_the_runtime():
    """A fresh eager context of this TensorFlow (not the process's own): its `config`, which `ensure_initialized`
    gives the runtime, carries the flag — the private field still means what device.py says it means."""
    from tensorflow.python.eager import context

    ctx = context.Context()
    disallow_allocator_retry(ctx)
    assert ctx.config.gpu_options.experimental.disallow_retry_on_allocation_failure is True


SETUP = """
import json
import tensorflow as tf
from tensorflow.python.eager import context
from harness.spec.config import RunConfig
from harness.train.device import setup_device
cfg = RunConfig(device="gpu", **{knobs})
setup_device(cfg, "gpu", memory_bound_mib={bound})
gpus = tf.config.list_physical_devices("GPU")
out = {{"gpus": len(gpus), "growth": [tf.config.experimental.get_memory_growth(g) for g in gpus],
       "limits": [c.memory_limit for c in tf.config.get_logical_device_configuration(gpus[0]) or []],
       "no_retry": context.context().config.gpu_options.experimental.disallow_retry_on_allocation_failure}}
try:  # 2 GiB of float32 on the card
    with tf.device("GPU:0"):
        float(tf.reduce_sum(tf.ones((512, 1024, 1024))))
    out["oom"] = False
except tf.errors.ResourceExhaustedError:
    out["oom"] = True
out["logical"] = len(tf.config.list_logical_devices("GPU"))
print(json.dumps(out))
"""


@pytest.mark.gpu
def test_on_a_real_gpu_a_cap_without_retry_is_a_logical_device_that_runs_out():
    out = run_child(SETUP.format(knobs={"gpu_memory_limit_mib": 1024, "gpu_allocator_retry": False}, bound=None))
    assert out["gpus"] >= 1 and out["limits"] == [1024] and out["no_retry"] is True
    assert out["oom"] is True and out["logical"] >= 1 and not any(out["growth"])


@pytest.mark.gpu
def test_on_a_real_gpu_memory_growth_or_the_runners_bound():
    grow = run_child(SETUP.format(knobs={"memory_growth": True}, bound=None))
    assert grow["growth"] and all(grow["growth"]) and grow["limits"] == [] and grow["oom"] is False
    assert grow["no_retry"] is False  # TF's default: the retry stays unless the config turns it off
    bound = run_child(SETUP.format(knobs={"memory_growth": True}, bound=4096))
    assert bound["limits"] == [4096] and not any(bound["growth"]) and bound["oom"] is False
