"""StepRecorder: the Keras callback that records loss and wall time of every optimizer step.

Procedures run fit() with one optimizer step per Keras epoch, so the loss Keras reports at each epoch end is
that step's own loss, not the running mean Keras shows inside an epoch, and the epoch's time is the step's.
It also notes the first non-finite step and the steps and seconds until the loss first falls under an
overfit threshold, and each step's process CPU time beside its wall time: CPU time is the quieter measure (a
thread that waits for a core is not charged for it), which the verdict may confirm a slowdown on. And how much of
the machine other processes used while the steady steps ran (`others_cpu_share`, a diagnostic): a timing taken
beside a busy neighbour says so itself (the host's own slow spells, felt by every process of a VM at once, do not
show there; measuring a round's two sides at once is what cancels those: harness/train/pairing.py).
"""
from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import tensorflow as tf

from harness.train import counters, pairing, phases, slowdown
from harness.train.trackers import (machine_cpu, others_cpu_share, step_count_stats, step_cpu_stats,
                                    step_time_stats)

COUNTER_EVENT = "instructions"   # the hardware counter read around each step where the machine has one

try:
    # the Keras transformers' TF models are built with (modeling_tf_utils picks tf_keras the same way): where
    # TF_USE_LEGACY_KERAS was not set before TensorFlow loaded, tf.keras is Keras 3, and a Keras 3 callback
    # fails in tf-keras' fit ("no attribute '_implements_train_batch_hooks'") — the cases' bug, not ours
    import tf_keras as _keras
except ImportError:
    _keras = tf.keras


def current_learning_rate(optimizer) -> float | None:
    """The learning rate of the step just taken: a schedule is evaluated at the step's index (the optimizer's
    iteration count, already advanced past it); None where the optimizer does not say."""
    try:
        lr = getattr(optimizer, "learning_rate", None)
        if lr is None:
            lr = getattr(optimizer, "lr", None)
        if callable(lr) and not hasattr(lr, "numpy"):  # a LearningRateSchedule, not a variable
            lr = lr(max(int(optimizer.iterations.numpy()) - 1, 0))
        return float(lr.numpy() if hasattr(lr, "numpy") else lr)
    except Exception:  # an optimizer of another Keras, or none: the rate is simply not recorded
        return None


class StepRecorder(_keras.callbacks.Callback):
    def __init__(self, threshold: float | None = None, stop_on_threshold: bool = False,
                 stop_on_nonfinite: bool = True):
        super().__init__()
        self.threshold = threshold
        self.stop_on_threshold = stop_on_threshold
        self.stop_on_nonfinite = stop_on_nonfinite
        self.losses: list[float] = []
        self.step_seconds: list[float] = []
        self.step_cpu_seconds: list[float] = []
        self.step_counts: list[int] = []   # COUNTER_EVENT per step, where the machine counts it
        self._counter: counters.ProcessCounter | None = None
        self.counter_note = ""
        self._count_step = 0
        self.learning_rates: list[float | None] = []
        self.first_nonfinite_step: int | None = None
        self.steps_to_threshold: int | None = None
        self.seconds_to_threshold: float | None = None
        self._t_start = 0.0
        self._t_step = 0.0
        self._cpu_step = 0.0
        self.pair_wait_s: float | None = None
        self.pair_swapped_to: int | None = None
        self._machine: list[tuple[tuple[float, float] | None, float]] = []   # (machine_cpu, own CPU s) at the
        # start and the end of the steady steps

    def on_train_begin(self, logs=None):
        self._counter, self.counter_note = counters.open_counter(COUNTER_EVENT)   # TF's pools exist by now
        self._t_start = time.perf_counter()

    # Epoch hooks only: with one step per epoch they time the step, and defining no batch hooks lets Keras
    # skip its per-batch callback dispatch and log conversion (measured: batch hooks cost ~8 % on `tiny`).
    def on_epoch_begin(self, epoch, logs=None):
        if self._counter is not None:   # read first: the counter's own syscalls stay out of the step's clocks
            self._count_step = self._counter.read()
        self._cpu_step = time.process_time()
        self._t_step = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        slowdown.burn(time.perf_counter() - self._t_step)  # the detector's injected cost, if armed: inside the step
        self.step_seconds.append(time.perf_counter() - self._t_step)  # first: what follows is not the step's
        self.step_cpu_seconds.append(time.process_time() - self._cpu_step)
        if self._counter is not None:
            self.step_counts.append(self._counter.read() - self._count_step)
        self.learning_rates.append(current_learning_rate(self.model.optimizer))
        loss = float((logs or {}).get("loss", float("nan")))
        self.losses.append(loss)
        step = len(self.losses)
        if step == 1:
            self.pair_wait_s = pairing.meet()  # a round measured at once: both sides' steady steps start together
            phases.begin("steady_steps")  # tracing, graph optimisation and the first step are behind us
            self._machine = [(machine_cpu(), time.process_time())]
        if step > 1 and step == 1 + (int((self.params or {}).get("epochs") or 0) - 1) // 2:
            self.pair_swapped_to = pairing.swap()  # … and trade CPUs halfway
        if not math.isfinite(loss) and self.first_nonfinite_step is None:
            self.first_nonfinite_step = step
            if self.stop_on_nonfinite:
                self.model.stop_training = True
        if self.threshold is not None and self.steps_to_threshold is None and loss < self.threshold:
            self.steps_to_threshold = step
            self.seconds_to_threshold = time.perf_counter() - self._t_start
            if self.stop_on_threshold:
                self.model.stop_training = True

    def on_train_end(self, logs=None):
        if len(self._machine) == 1:   # the steady steps' end
            self._machine.append((machine_cpu(), time.process_time()))
        if self._counter is not None:
            self._counter.close()
            self._counter = None

    def summary(self) -> dict[str, Any]:
        finite = [x for x in self.losses if math.isfinite(x)]
        tail = self.losses[-5:]
        return {
            # exact floats: repeatability is checked bit for bit
            "loss_per_step": [x if math.isfinite(x) else None for x in self.losses],
            "step_seconds": [round(x, 5) for x in self.step_seconds],
            # the rate the step just taken used: a constant, or a schedule's (create_optimizer: warm-up, decay)
            "lr_per_step": self.learning_rates if any(x is not None for x in self.learning_rates) else None,
            "initial_loss": self.losses[0] if self.losses else None,
            "final_loss": float(np.mean(tail)) if tail and all(math.isfinite(x) for x in tail) else None,
            "min_loss": min(finite) if finite else None,
            "first_nonfinite_step": self.first_nonfinite_step,
            "steps_run": len(self.losses),
            "steps_to_threshold": self.steps_to_threshold,
            "seconds_to_threshold": self.seconds_to_threshold,
            "overfit_threshold": self.threshold,
            **step_time_stats(self.step_seconds),
            **step_cpu_stats(self.step_cpu_seconds),
            **step_count_stats(self.step_counts, COUNTER_EVENT, self.counter_note),
            "others_cpu_share": self._others_share(),
            **({"pair_wait_s": self.pair_wait_s} if self.pair_wait_s is not None else {}),
            **({"pair_swapped_to": self.pair_swapped_to} if self.pair_swapped_to is not None else {}),
        }

    def _others_share(self) -> float | None:
        if len(self._machine) < 2 or len(self.losses) < 2:
            return None
        (before, own0), (after, own1) = self._machine
        return others_cpu_share(before, after, own1 - own0)


