"""Procedures: what one run does with the pipeline — fit, overfit one batch, check the initial loss, probe OOM,
measure the memory grab, time eager against graph, time a precision mode, or run the doctor's checks.

Each is registered under its name in the one registry (harness/spec/procedures.py, `@implements`), which also
holds its typed settings: a procedure reads them with `cfg.settings(ItsSettings)`, never from `extra` itself.
Each takes the resolved RunConfig and a `metrics` dict that it fills as it goes (so a run that fails half-way
still reports what it measured), and returns the observed symptom; the region it measures is wrapped by the
trackers in one place (trackers.measured). Exceptions propagate to the worker, which classifies them.
`PROCEDURES` is the registry's name -> implementation view, as the worker looks them up.
"""
from __future__ import annotations

import math
import time
from collections import Counter
from typing import Any

import numpy as np

from harness.env.describe import gpus
from harness.spec import symptoms
from harness.spec.config import RunConfig
from harness.spec.procedures import (FitSettings, InitialLossSettings, MemoryGrabSettings, OomSettings,
                                     PrecisionSettings, implementations, implements)
from harness.train import hooks, phases
from harness.train.pipeline import compile_model, first_batch, make_model, prepare, split_batch
from harness.train.trackers import measured, mfu, peak_tflops, throughput


def data_check(prep, metrics: dict[str, Any]) -> tuple[dict, Any]:
    """The chapter's "check your data": decode the first example of a batch, and the label histogram.

    Returns that batch as (features, labels), so a procedure that works on one batch uses the one it decoded.
    """
    features, labels = split_batch(first_batch(prep.train))
    ids = np.asarray(features["input_ids"])
    metrics["first_example_decoded"] = prep.tokenizer.decode(ids[0], skip_special_tokens=False)
    if labels is not None:
        values = np.asarray(labels).reshape(-1)
        # a label is what the batch holds: an id, or (a bug of its own) a class name the loss cannot take
        first = values[0].item() if values.dtype.kind in "iuf" else values[0]
        metrics["first_example_label"] = first.decode() if isinstance(first, bytes) else first
    metrics["label_histogram"] = dict(sorted(Counter(int(x) for x in prep.raw["train"]["label"]).items()))
    mask = np.asarray(features.get("attention_mask", np.ones_like(ids)))
    metrics["batch_shape"] = list(ids.shape)
    metrics["real_tokens_per_batch"] = int(mask.sum())
    return features, labels


def _fit_steps(model, dataset, cfg: RunConfig, recorder) -> None:
    # one optimizer step per Keras epoch: Keras then reports each step's own loss (see callbacks.py)
    callbacks = hooks.call("callbacks", [recorder], cfg)  # a case may add the user's own callbacks
    model.fit(dataset.repeat(), steps_per_epoch=1, epochs=cfg.steps, callbacks=callbacks, verbose=0)


def math_dtype(precision: str, device: str) -> str:
    """The dtype the matmuls really run in, for the MFU peak: the mixed policy's compute dtype, and for fp32 on a
    tensor-core GPU TF32 (TF runs fp32 matmuls as TF32 there unless told otherwise)."""
    if precision.startswith("mixed_"):
        return precision.removeprefix("mixed_")
    if device == "gpu":
        import tensorflow as tf

        if tf.config.experimental.tensor_float_32_execution_enabled():
            return "tf32"
    return "float32"


def model_flops_utilisation(device: str, precision: str, n_params: int, tokens_per_s: float | None) -> dict[str, Any]:
    """{"mfu": value or None} against this device's card and math dtype, with "mfu_note" saying why when None."""
    found = gpus() if device == "gpu" else []
    dtype = math_dtype(precision, device)
    out: dict[str, Any] = {"mfu": mfu(n_params, tokens_per_s, found[0]["name"] if found else None, dtype)}
    if out["mfu"] is not None:
        return out
    name = found[0]["name"] if found else None
    if device == "cpu":
        out["mfu_note"] = "cpu: no dense-peak table for CPUs"
    elif not tokens_per_s:  # e.g. a run that went NaN at step 1 and stopped: no steady step to time
        out["mfu_note"] = "no steady-state throughput: the run stopped before a second step completed"
    elif peak_tflops(name, dtype) is None:
        out["mfu_note"] = f"no peak TFLOP/s known for {name or 'this GPU'} ({dtype})"
    return out


def record_throughput(cfg: RunConfig, metrics: dict[str, Any], step_seconds: list[float]) -> None:
    """Steady-state samples/s and tokens/s, and MFU where the card's peak is known (None with a reason if not)."""
    metrics.update(throughput(step_seconds, cfg.batch_size, metrics["real_tokens_per_batch"],
                              float(np.prod(metrics["batch_shape"]))))
    metrics.update(model_flops_utilisation(cfg.device, cfg.precision, metrics["n_params"],
                                           metrics["padded_tokens_per_s"]))


def validation_metrics(model, split, tokenizer, batch_size: int = 100) -> dict[str, float]:
    """Accuracy through an `evaluate` metric, and mean cross-entropy, on the tokenized validation split.

    Read from the tokenized split in batches of 100, rows sorted by length, rather than through the training
    pipeline's tf.data batches of 16: the same rows and logits (padding is masked), but a sixth of the eager
    calls, whose Python dispatch dominated validation for the small model (measured: 0.8 s → 0.2 s for `tiny`),
    and little padding, whose compute dominates it for the DistilBERT shape.
    """
    from harness.train.evaluation import load_accuracy

    preds, refs, losses = [], [], []
    # rows in order of length, so that each batch pads little (accuracy and mean loss do not depend on order)
    split = split.select(np.argsort([len(ids) for ids in split["input_ids"]], kind="stable"))
    for start in range(0, len(split), batch_size):
        rows = split[start:start + batch_size]
        features = dict(tokenizer.pad({k: rows[k] for k in ("input_ids", "attention_mask") if k in rows},
                                      return_tensors="np"))
        logits = np.asarray(model(features, training=False).logits, dtype=np.float64)
        labels = np.asarray(rows["label"] if "label" in rows else rows["labels"])
        log_probs = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
        in_range = labels < logits.shape[1]
        losses.extend(-log_probs[np.arange(len(labels))[in_range], labels[in_range]])
        preds.extend(logits.argmax(axis=1).tolist())
        refs.extend(labels.tolist())
    accuracy = load_accuracy().compute(predictions=preds, references=refs)["accuracy"]
    return {"val_accuracy": float(accuracy), "val_loss": float(np.mean(losses)) if losses else None}


def diagnose_nan(prep, cfg: RunConfig, batch: tuple[dict, Any], metrics: dict[str, Any]) -> None:
    """The chapter's NaN diagnosis on a fresh model: per-sample losses, their labels, config.num_labels."""
    model = make_model(cfg, prep.tokenizer)
    features, labels = batch
    labels = np.asarray(labels)
    diag: dict[str, Any] = {"num_labels": int(model.config.num_labels),
                            "labels_out_of_range": int((labels >= model.config.num_labels).sum())}
    try:
        loss = model({**features, "labels": labels}).loss.numpy()  # the chapter: model(batch).loss.numpy()
        indices = np.flatnonzero(np.isnan(loss))
        diag.update(nan_indices=indices.tolist(), nan_labels=sorted(set(labels[indices].tolist())))
    except Exception as exc:  # on CPU the loss kernel validates labels instead of returning NaN
        diag["per_sample_loss_error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    metrics["diagnosis"] = diag
    metrics.update({f"diagnosis_{k}": v for k, v in diag.items() if k in ("num_labels", "labels_out_of_range")})


@implements("fit")
def fit(cfg: RunConfig, metrics: dict[str, Any]) -> str:
    from harness.train.callbacks import StepRecorder

    settings = cfg.settings(FitSettings)
    phases.begin("data")
    prep = prepare(cfg)
    batch = data_check(prep, metrics)
    phases.begin("model")
    if settings.diagnose_nan:
        diagnose_nan(prep, cfg, batch, metrics)
    model = make_model(cfg, prep.tokenizer)
    phases.begin("compile_first_step")
    # a schedule (create_optimizer) is planned for one epoch, as the chapter's model.fit(train_dataset) runs
    compile_model(model, cfg, max(cfg.steps, cfg.n_train // cfg.batch_size))
    recorder = StepRecorder(threshold=cfg.overfit_threshold)
    with measured(cfg.device, metrics, recorder, model):
        _fit_steps(model, prep.train, cfg, recorder)
    record_throughput(cfg, metrics, recorder.step_seconds)
    symptom = symptoms.classify_losses(recorder.losses, cfg.plateau_loss)
    if symptom != symptoms.NAN_LOSS:
        phases.begin("validation")
        metrics.update(validation_metrics(model, prep.tokenized["validation_matched"], prep.tokenizer))
    phases.begin("other")
    return symptom


@implements("overfit")
def overfit(cfg: RunConfig, metrics: dict[str, Any]) -> str:
    """The chapter's capability check: `model.fit(batch, epochs=N)` on one batch until the loss is ~0."""
    from harness.train.callbacks import StepRecorder

    phases.begin("data")
    prep = prepare(cfg)
    features, labels = data_check(prep, metrics)
    phases.begin("model")
    model = make_model(cfg, prep.tokenizer)
    phases.begin("compile_first_step")
    compile_model(model, cfg, cfg.steps)
    recorder = StepRecorder(threshold=cfg.overfit_threshold, stop_on_threshold=True)
    x = features if cfg.label_placement == "label_cols" else {**features, "labels": labels}
    y = labels if cfg.label_placement == "label_cols" else None
    with measured(cfg.device, metrics, recorder, model):
        model.fit(x, y, batch_size=cfg.batch_size, epochs=cfg.steps, callbacks=[recorder], verbose=0)
    phases.begin("other")
    return symptoms.classify_overfit(recorder.losses, recorder.steps_to_threshold)


@implements("initial_loss")
def initial_loss(cfg: RunConfig, metrics: dict[str, Any]) -> str:
    """Loss of the untrained model on a few batches, against ln(number of classes in the data)."""
    settings = cfg.settings(InitialLossSettings)
    phases.begin("data")
    prep = prepare(cfg)
    data_check(prep, metrics)
    phases.begin("model")
    model = make_model(cfg, prep.tokenizer)
    phases.begin("compile_first_step")
    compile_model(model, cfg, 1)
    loss = float(model.evaluate(prep.train.take(settings.batches), verbose=0))
    phases.begin("other")
    num_classes = prep.raw["train"].features["label"].num_classes
    metrics.update(initial_loss=loss, expected_initial_loss=math.log(num_classes), num_classes=num_classes,
                   initial_loss_ratio=loss / math.log(num_classes))
    return symptoms.classify_initial_loss(loss, num_classes, float(settings.rel_tolerance))


@implements("eager_vs_graph")
def eager_vs_graph(cfg: RunConfig, metrics: dict[str, Any]) -> str:
    """Throughput of the same training step compiled as a graph and run eagerly, side by side in one process."""
    from harness.train.callbacks import StepRecorder

    phases.begin("data")
    prep = prepare(cfg)
    features, labels = data_check(prep, metrics)
    x = {**features, "labels": labels}
    phases.begin("steady_steps")  # two models, each traced and stepped: no single first step to split off
    for mode, eager in (("graph", False), ("eager", True)):
        model = make_model(cfg, prep.tokenizer)
        compile_model(model, RunConfig.from_dict({**cfg.to_dict(), "run_eagerly": eager}), cfg.steps)
        recorder = StepRecorder()
        model.fit(x, batch_size=cfg.batch_size, epochs=cfg.steps, callbacks=[recorder], verbose=0)
        for key, value in throughput(recorder.step_seconds, cfg.batch_size, metrics["real_tokens_per_batch"],
                                     float(np.prod(metrics["batch_shape"]))).items():
            metrics[f"{mode}_{key}"] = value
        metrics[f"{mode}_time_to_first_step_s"] = recorder.step_seconds[0]
    metrics["eager_over_graph_throughput"] = metrics["eager_samples_per_s"] / metrics["graph_samples_per_s"]
    phases.begin("other")
    return symptoms.OK


@implements("oom")
def oom(cfg: RunConfig, metrics: dict[str, Any]) -> str:
    """One training step at a batch too large for the (capped) card; the fix searches a batch size that fits.

    The broken batch is sized so that its very first activation (the embeddings, batch × seq × dim floats)
    already exceeds the cap: TF's allocator then fails once, waits its 10 s for memory that cannot come, and
    raises — instead of failing allocation after allocation for minutes. The fix predicts the largest batch
    from the allocator's peak at two small batches and verifies it (harness.batch_finder).
    """
    from harness.train.batch_finder import find_executable_batch_size, predict_batch_size
    from harness.train.trackers import tf_memory_peak, tf_memory_reset

    settings = cfg.settings(OomSettings)
    phases.begin("data")
    prep = prepare(cfg)
    phases.begin("model")
    model = make_model(cfg, prep.tokenizer)
    phases.begin("compile_first_step")
    compile_model(model, cfg, 1)
    seq = settings.seq_len
    rng = np.random.default_rng(cfg.seed)
    metrics["first_activation_mib"] = cfg.batch_size * seq * model.config.dim * 4 / 2**20

    def step(batch_size: int) -> None:
        ids = rng.integers(5, len(prep.tokenizer), size=(batch_size, seq))
        model.train_on_batch({"input_ids": ids, "attention_mask": np.ones_like(ids),
                              "labels": rng.integers(0, 3, size=batch_size)})

    def peak_mib() -> float:
        peak = tf_memory_peak()
        tf_memory_reset()
        return peak

    start = time.perf_counter()
    strategy = settings.find_batch_size
    if strategy:
        if strategy == "halving":
            found, trials = find_executable_batch_size(step, cfg.batch_size)
        else:
            tf_memory_reset()
            found, trials = predict_batch_size(step, peak_mib, float(cfg.gpu_memory_limit_mib or 0), cfg.batch_size)
        metrics.update(found_batch_size=found, trials=trials, n_trials=len(trials),
                       n_oom_trials=sum(t["outcome"] == "oom" for t in trials), strategy=strategy,
                       seconds_to_fit=time.perf_counter() - start)
        phases.begin("other")
        return symptoms.OK
    try:
        step(cfg.batch_size)
    finally:
        metrics["seconds_to_outcome"] = time.perf_counter() - start
        phases.begin("other")
    return symptoms.OK


@implements("memory_grab")
def memory_grab(cfg: RunConfig, metrics: dict[str, Any], nvml: Any = None) -> str:
    """GPU memory held by this process (NVML) after one small matmul, as a fraction of the card. `nvml`: pynvml
    unless a test hands in a fake."""
    import tensorflow as tf

    from harness.train.trackers import MiB, nvml_probes

    if nvml is None:
        import pynvml as nvml
    settings = cfg.settings(MemoryGrabSettings)
    process_mib, device_mib = nvml_probes(nvml)
    before = device_mib()  # TF has listed the GPU but allocated nothing yet
    a = tf.random.normal((256, 256))
    float(tf.reduce_sum(tf.matmul(a, a)))
    total = nvml.nvmlDeviceGetMemoryInfo(nvml.nvmlDeviceGetHandleByIndex(0)).total / MiB
    held = process_mib()
    if held is None:  # in a container NVML may list host PIDs: fall back on the device's used memory
        held = device_mib() - before
        metrics["memory_grab_note"] = "NVML lists no process with this PID; held = device used after - before"
    metrics.update(process_mib=held, device_used_before_mib=before, device_used_mib=device_mib(),
                   device_total_mib=total, process_fraction=held / total)
    return symptoms.classify_memory(held / total, float(settings.grab_fraction))


@implements("precision")
def precision(cfg: RunConfig, metrics: dict[str, Any]) -> str:
    """Training throughput of one precision / compilation mode on a fixed-shape batch, in its own process.

    The mode is the variant's knobs: `precision` (the worker sets the global policy before the model is
    built), `jit_compile` (XLA), and the setting `steps_per_execution` (several steps per call into the graph).
    Shapes are fixed (batch × seq_len, no per-batch padding) because XLA compiles once per input shape: with a
    padding collator every new sequence length is a new compilation. Compile time and warm-up are reported
    apart; the loss must still fall (a faster mode that does not train is not a mode).
    """
    from harness.train.callbacks import StepRecorder
    from harness.train.model import build_model

    settings = cfg.settings(PrecisionSettings)
    phases.begin("data")
    prep = prepare(cfg)
    seq, warmup, per_call = settings.seq_len, settings.warmup_steps, settings.steps_per_execution
    rng = np.random.default_rng(cfg.seed)
    ids = rng.integers(5, len(prep.tokenizer), size=(cfg.batch_size, seq))
    batch = {"input_ids": ids, "attention_mask": np.ones_like(ids), "labels": rng.integers(0, 3, cfg.batch_size)}
    phases.begin("model")
    model = build_model(cfg.model, cfg.model_size, 3, len(prep.tokenizer), cfg.seed)
    phases.begin("compile_first_step")
    compile_model(model, cfg, (warmup + cfg.steps) * per_call, steps_per_execution=per_call)
    dataset = _fixed_batches(batch)
    recorder = StepRecorder(stop_on_nonfinite=True)
    with measured(cfg.device, metrics, recorder):  # one Keras epoch = `per_call` optimizer steps
        model.fit(dataset, steps_per_epoch=per_call, epochs=warmup + cfg.steps, callbacks=[recorder], verbose=0)
    tokens = float(ids.size)
    metrics.update(throughput(recorder.step_seconds, cfg.batch_size * per_call, tokens * per_call,
                              tokens * per_call, warmup_steps=warmup))
    metrics.update(model_flops_utilisation(cfg.device, cfg.precision, int(model.count_params()),
                                           metrics["padded_tokens_per_s"]))
    metrics.update(compile_and_warmup_s=float(sum(recorder.step_seconds[:warmup])), mode_precision=cfg.precision,
                   mode_xla=cfg.jit_compile, steps_per_execution=per_call, batch_shape=[cfg.batch_size, seq])
    phases.begin("other")
    losses = recorder.losses
    if any(not math.isfinite(x) for x in losses):
        return symptoms.NAN_LOSS
    return symptoms.OK if losses and losses[-1] < losses[0] else symptoms.PLATEAU


def _fixed_batches(batch: dict[str, np.ndarray]):
    """The same batch forever, as a tf.data pipeline (one shape, so XLA compiles once)."""
    import tensorflow as tf

    return tf.data.Dataset.from_tensors(batch).repeat()


@implements("doctor")
def doctor(cfg: RunConfig, metrics: dict[str, Any]) -> str:
    """`fitbench doctor`'s checks on a user's pipeline (harness/train/checkup/procedure.py)."""
    from harness.train.checkup.procedure import checkup

    return checkup(cfg, metrics)


PROCEDURES = implementations()  # name -> implementation: the registry's view, filled by the decorators above
