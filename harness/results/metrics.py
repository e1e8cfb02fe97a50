"""The metric registry: every number fitbench compares, tracks or shows, defined once.

An entry says what a metric is called, its unit, which direction is better, whether it is a wall-clock timing
(noise rules, and only comparable between runs that ran alone), whether it measures training quality (for a
broken variant a change of it is a finding, not a regression), and under which asv track name it is filed.
Records validation, `fitbench compare`, the report and `benchmarks/benchmarks.py` all read it here; adding a
metric is one entry. Standard library only: asv's benchmark discovery imports this under every library version.

A record's `metrics` hold registered metrics only (harness/results/records.py checks it); what a procedure
measures besides is kept in its `diagnostics` (`split` sorts them), shown where a reader knows the key, never
compared; the runner's bookkeeping (launcher, ran_alone, ...) is its run context (harness/results/context.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

HIGHER, LOWER, NEUTRAL = "higher", "lower", "neutral"   # which way is better; NEUTRAL: a change, never a regression
BEHAVIOUR_METRICS = ("agrees", "fix_works")             # the verdict's behaviour side; every other one is a number


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    better: str                        # HIGHER | LOWER | NEUTRAL
    what: str                          # one line: asv's dashboard shows it, the docs list it
    timing: bool = False               # wall-clock: a larger noise floor, compared only between runs that ran alone
    quality: bool = False              # training quality: for broken variants a change, not a regression
    never: bool = False                # None in a completed run means "never reached": ∞ when compared
    track: str | None = None           # asv track name (`track_<track>`); None: not tracked
    compared: bool = True              # False: tracked or shown, but `compare` leaves it out
    shape: str = "number"              # number | numbers (a list) | seconds_by_name (a dict of numbers)
    of: Callable[[Any], Any] | None = None  # the value from a RunRecord, when it is not metrics[name]
    same_as: str | None = None         # derived from that metric's measurement (samples/s = batch ÷ step time):
                                       # one measurement, so the verdict tests it once, as that one

    @property
    def root(self) -> str:
        """The measurement this number comes from: its own name, or the one it is derived from."""
        return self.same_as or self.name

    def value(self, record: Any) -> Any:
        return self.of(record) if self.of else (record.metrics or {}).get(self.name)

    @property
    def kind(self) -> str:
        """Which verdict a change of it belongs to (harness/verdict/findings.py): "behaviour" (does the claim hold,
        does the fix work: deterministic, always decides) or "performance" (a number: counts once confirmed)."""
        return "behaviour" if self.name in BEHAVIOUR_METRICS else "performance"

    @property
    def sense(self) -> int:
        """+1 when a rise is worse, -1 when a fall is worse, 0 for a neutral metric."""
        return {LOWER: 1, HIGHER: -1}.get(self.better, 0)

    @property
    def inverse_of_root(self) -> bool:
        """Computed from its root and better the other way (samples/s = batch ÷ step time, MFU): its ratio is the
        root's inverted. A part of its root (the first step's tracing) is not."""
        root = BY_NAME.get(self.root)
        return root is not None and root is not self and self.sense * root.sense == -1


def _flag(field: str) -> Callable[[Any], float | None]:
    return lambda r: None if getattr(r, field) is None else float(bool(getattr(r, field)))


def _fixed_cost(r: Any) -> float | None:
    phases = (r.metrics or {}).get("phases") or {}
    return r.wall_s - float(phases.get("steady_steps") or 0.0) if phases else None


def _first(key: str) -> Callable[[Any], float | None]:
    return lambda r: ((r.metrics or {}).get("first_step") or {}).get(key)


def _wall(r: Any) -> float | None:
    return None if r.outcome == "skipped" else r.wall_s


M = Metric
REGISTRY: tuple[Metric, ...] = (
    # the verdict: does the chapter's claim hold under these versions, and does each fix still work
    M("agrees", "1 = agrees", HIGHER, "symptom agrees with the chapter", track="agrees", compared=False,
      of=_flag("agrees")),
    M("fix_works", "1 = fix works", HIGHER, "fix works", track="fix_works", compared=False, of=_flag("fix_works")),
    # how far and how fast training gets
    M("final_loss", "loss", LOWER, "final loss (mean of the last steps)", quality=True, track="final_loss"),
    M("initial_loss", "loss", NEUTRAL, "loss of the first step (or of the untrained model)"),
    M("min_loss", "loss", NEUTRAL, "lowest loss of the run", quality=True),
    M("val_accuracy", "accuracy", HIGHER, "validation accuracy after the budget", quality=True,
      track="val_accuracy"),
    M("val_loss", "loss", NEUTRAL, "validation loss after the budget", quality=True),
    M("steps_to_threshold", "steps", LOWER, "steps to the loss threshold", quality=True, never=True,
      track="steps_to_threshold"),
    M("seconds_to_threshold", "seconds", LOWER, "seconds to the loss threshold", quality=True, never=True,
      timing=True, track="seconds_to_threshold"),
    M("samples_per_s", "samples/s", HIGHER, "training throughput", timing=True, track="samples_per_s",
      same_as="step_time_median_s"),
    M("time_to_first_step_s", "seconds", LOWER, "time to the first optimizer step (tracing, compilation)",
      timing=True, track="time_to_first_step_s"),
    M("mfu", "ratio", HIGHER, "model FLOPs utilisation against the card's dense peak (GPU runs)", timing=True,
      track="mfu", same_as="step_time_median_s"),
    M("compile_and_warmup_s", "seconds", LOWER, "compilation and warm-up steps before the timed ones", timing=True),
    M("eager_over_graph_throughput", "ratio", NEUTRAL, "eager samples/s over graph samples/s", timing=True),
    M("graph_samples_per_s", "samples/s", HIGHER, "throughput of the compiled graph", timing=True),
    M("eager_samples_per_s", "samples/s", HIGHER, "throughput run eagerly", timing=True),
    M("graph_time_to_first_step_s", "seconds", LOWER, "first step of the compiled graph", timing=True),
    M("eager_time_to_first_step_s", "seconds", LOWER, "first step run eagerly", timing=True),
    M("step_time_median_s", "seconds", LOWER, "median steady optimizer step", timing=True,
      track="step_time_median_s"),
    M("step_cpu_median_s", "seconds", LOWER, "median steady optimizer step's process CPU time (all threads): "
      "quieter than wall time on a shared machine", timing=True, track="step_cpu_median_s"),
    M("step_instructions_median", "instructions", LOWER, "median steady optimizer step's user-space instructions "
      "(all threads; hardware counters, where the machine has them): the quietest measure of work", timing=True,
      track="step_instructions_median"),
    # the first step, split (harness/results/first_step.py), and what XLA compiled or loaded from its cache
    M("first_step_tracing_s", "seconds", LOWER, "first step: tracing (Python to graph, AutoGraph included)",
      timing=True, track="first_step_tracing_s", of=_first("tracing_s"), same_as="time_to_first_step_s"),
    M("first_step_xla_s", "seconds", LOWER, "first step: XLA compilation (or loading from the cache)", timing=True,
      track="first_step_xla_s", of=_first("xla_compile_s"), same_as="time_to_first_step_s"),
    M("xla_compilations", "programs", LOWER, "XLA programs compiled in the run (not loaded from the cache)",
      track="xla_compilations"),
    M("found_batch_size", "samples", NEUTRAL, "the batch size the finder settled on"),
    # what the report and the terminal read a number against, or explain it with; not compared
    M("steps_run", "steps", NEUTRAL, "optimizer steps the run took (its budget, unless it stopped early)",
      compared=False),
    M("overfit_threshold", "loss", NEUTRAL, "the loss under which one batch counts as overfitted", compared=False),
    M("expected_initial_loss", "loss", NEUTRAL, "a random guess's loss, ln C", compared=False),
    M("num_classes", "classes", NEUTRAL, "classes of the data's labels", compared=False),
    M("first_nonfinite_step", "step", NEUTRAL, "the first step whose loss is NaN or infinite", compared=False),
    M("n_params", "parameters", NEUTRAL, "model parameters"),
    # what the variant costs besides training, per release
    M("wall_s", "seconds", LOWER, "wall time of the variant, from launching its process to its exit", timing=True,
      track="wall_s", compared=False, of=_wall),
    M("fixed_cost_s", "seconds", LOWER, "fixed cost: wall time minus the steady training steps (imports, data, "
      "tracing, ...)", timing=True, track="fixed_cost_s", compared=False, of=_fixed_cost),
    # peak memory of the run's process
    M("rss_peak_mib", "MiB", LOWER, "peak host RSS of the process", track="rss_peak_mib"),
    M("nvml_process_peak_mib", "MiB", LOWER, "peak GPU memory of the process (NVML)", track="peak_vram_mib"),
    M("nvml_device_peak_mib", "MiB", LOWER, "peak GPU memory of the whole device (NVML)"),
    M("tf_peak_mib", "MiB", LOWER, "TensorFlow allocator's peak on the GPU"),
    M("process_mib", "MiB", LOWER, "GPU memory the process holds after trivial work (NVML)"),
    M("device_total_mib", "MiB", NEUTRAL, "the card's whole memory (NVML), what the process's share is read against",
      compared=False),
    M("gpu_busy_pct", "%", HIGHER, "mean GPU utilisation while training (NVML): low means the host limits it",
      timing=True),
    # shapes the readers index into; not compared
    M("loss_per_step", "loss", NEUTRAL, "loss of every optimizer step", compared=False, shape="numbers"),
    M("step_seconds", "seconds", NEUTRAL, "wall time of every optimizer step", compared=False, shape="numbers"),
    M("lr_per_step", "learning rate", NEUTRAL, "the learning rate of every optimizer step (a schedule's, or a "
      "constant)", compared=False, shape="numbers"),
    M("phases", "seconds", NEUTRAL, "where the wall time went, per phase", compared=False, shape="seconds_by_name"),
    M("first_step", "seconds", NEUTRAL, "the first step split: tracing_s (traces), xla_compile_s "
      "(xla_compilations, xla_loaded), execution_s", compared=False, shape="seconds_by_name"),
)
BY_NAME: dict[str, Metric] = {m.name: m for m in REGISTRY}
SHAPES = ("number", "numbers", "seconds_by_name")


def compared() -> list[Metric]:
    """The metrics `fitbench compare` looks at."""
    return [m for m in REGISTRY if m.compared and m.shape == "number"]


def tracked() -> list[Metric]:
    """The metrics asv files, one `track_<track>` each (plus the symptom number, benchmarks/benchmarks.py)."""
    return [m for m in REGISTRY if m.track]


def get(name: str) -> Metric | None:
    return BY_NAME.get(name)


def split(measured: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A procedure's measurements as (registered metrics, diagnostics): the two fields of a record."""
    registered = {k: v for k, v in measured.items() if k in BY_NAME}
    return registered, {k: v for k, v in measured.items() if k not in BY_NAME}
