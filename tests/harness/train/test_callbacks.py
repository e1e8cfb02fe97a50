"""StepRecorder on a real (tiny) Keras fit: one optimizer step per epoch, each step's wall and CPU time, and how
much of the machine others used while the steady steps ran."""
from __future__ import annotations

import numpy as np

from harness.train.callbacks import StepRecorder, _keras


def test_a_fit_records_each_step_and_the_machines_other_load():
    model = _keras.Sequential([_keras.layers.Dense(3, input_shape=(4,))])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 4), "float32"), np.zeros((8, 3), "float32")
    recorder = StepRecorder()
    # enough steps that the kernel's counters (10 ms ticks) move over the steady window, even on a fast machine
    model.fit(x, y, batch_size=8, epochs=200, verbose=0, callbacks=[recorder])
    summary = recorder.summary()
    assert summary["steps_run"] == 200 and len(summary["step_seconds"]) == 200
    assert summary["step_cpu_median_s"] > 0
    assert 0.0 <= summary["others_cpu_share"] <= 1.0


def test_a_single_step_has_no_steady_steps_to_say_the_load_of():
    model = _keras.Sequential([_keras.layers.Dense(3, input_shape=(4,))])
    model.compile(optimizer="sgd", loss="mse")
    recorder = StepRecorder()
    model.fit(np.ones((8, 4), "float32"), np.zeros((8, 3), "float32"), epochs=1, verbose=0, callbacks=[recorder])
    assert recorder.summary()["others_cpu_share"] is None


def test_the_steady_steps_and_their_load_window_begin_after_the_first_step(monkeypatch):
    """Not halfway (where a round measured at once trades CPUs): the steady phase and the window of
    others_cpu_share both open when step 1 ends."""
    from harness.train import callbacks
    begun = []
    recorder = StepRecorder()
    monkeypatch.setattr(callbacks.phases, "begin", lambda name: begun.append((name, len(recorder.losses))))
    model = _keras.Sequential([_keras.layers.Dense(3, input_shape=(4,))])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 4), "float32"), np.zeros((8, 3), "float32"), epochs=9, verbose=0, callbacks=[recorder])
    assert begun == [("steady_steps", 1)]


def test_each_steps_count_is_read_over_every_thread_of_the_process(monkeypatch):
    """The counting path, checked with the software task clock (the machine fitbench is developed on has no hardware
    counters): per step it must come out as the step's process CPU time, every TensorFlow thread included."""
    from harness.train import callbacks
    monkeypatch.setattr(callbacks, "COUNTER_EVENT", "task-clock")
    model = _keras.Sequential([_keras.layers.Dense(64, input_shape=(256,)), _keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse")
    recorder = StepRecorder()
    model.fit(np.ones((512, 256), "float32"), np.zeros((512, 3), "float32"), batch_size=512, epochs=40, verbose=0,
              callbacks=[recorder])
    assert len(recorder.step_counts) == 40 and recorder._counter is None   # closed at the end
    summary = recorder.summary()
    counted_s = summary["step_task_clock_median"] / 1e9
    assert abs(counted_s / summary["step_cpu_median_s"] - 1) < 0.25, (counted_s, summary["step_cpu_median_s"])


def test_without_hardware_counters_a_fit_records_why_and_no_count(monkeypatch):
    from harness.train import callbacks
    monkeypatch.setattr(callbacks.counters, "_open", lambda event, tid: (-1, "No such file or directory"))
    model = _keras.Sequential([_keras.layers.Dense(3, input_shape=(4,))])
    model.compile(optimizer="sgd", loss="mse")
    recorder = StepRecorder()
    model.fit(np.ones((8, 4), "float32"), np.zeros((8, 3), "float32"), epochs=5, verbose=0, callbacks=[recorder])
    summary = recorder.summary()
    assert "step_instructions_median" not in summary and summary["steps_run"] == 5
    assert summary["hardware_counters"] == "instructions: not supported here (No such file or directory)"
