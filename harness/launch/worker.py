"""The isolated side of a run: one fresh process per (case, variant).

The process is either forked by the zygote (harness/launch/zygote.py: libraries already imported, runtime
untouched) or a fresh interpreter, `python -m harness.launch.worker RESULT.json < JOB.json`. Either way this
module sets the device up before TensorFlow initialises (harness/train/device.py), runs the procedure,
classifies what happened (with the case's own symptoms first, which the job carries) and writes a small JSON
result with the run's phase times. Anything that kills the process instead is the runner's business.

A worker never outlives its runner (harness/launch/lifeline.py).
"""
from __future__ import annotations

import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from harness import settings
from harness.launch.lifeline import use_tmp_dir, watch_lifeline
from harness.spec import symptoms
from harness.spec.config import RunConfig
from harness.spec.symptoms import ErrorRule, Symptom
from harness.train import hooks, pairing, phases, slowdown
from harness.train.failures import MODEL_CODE, describe_error  # noqa: F401  (MODEL_CODE: where it lived before)


def own_symptoms(job: dict[str, Any]) -> list[Symptom]:
    """The case's own symptoms, as the runner put them in the job (plain JSON)."""
    return [Symptom(s["name"], s["number"], s["meaning"], tuple(ErrorRule(**r) for r in s["rules"]))
            for s in job.get("symptoms", [])]


def run_job(job: dict[str, Any], launcher: str = "spawn") -> dict[str, Any]:
    cfg = RunConfig.from_dict(job["config"])
    metrics: dict[str, Any] = {}  # what the procedure measures; how the process was made is the runner's context
    result: dict[str, Any] = {"metrics": metrics, "error": None, "warnings": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            hooks.call("start", None, cfg)  # a case's code that must run before the imports below (e.g. env)
            injected = slowdown.configure(f"{job['case']}:{job['variant']}")  # the detector's test knob, if set
            pairing.configure(f"{job['case']}:{job['variant']}")  # a round measured at once meets its other side
            if injected:
                result["injected_slowdown"] = injected  # the run context's (harness/results/context.py)
            if launcher == "spawn":  # a fresh interpreter imports here what the zygote had imported already
                from harness.train.preload import preload

                preload()
            from harness.train import tracing
            from harness.train.procedures import PROCEDURES

            tracing.record_traces()  # where the first step's time goes: the runner splits it with XLA's log
            if launcher == "fork":  # tell the zygote which AutoGraph conversions the next variants can reuse
                from harness.train import warmup

                warmup.start_recording()
            phases.begin("device_setup")  # on a GPU: CUDA context, and the PTX JIT where no cached kernels exist
            from harness.train.device import describe_with_tf, setup_device

            setup_device(cfg, job["device"], memory_bound_mib=job.get("memory_bound_mib"))
            result["env"] = describe_with_tf(job["device"])
            phases.begin("other")
            result["observed"] = PROCEDURES[cfg.procedure](cfg, metrics)
            result["outcome"] = "completed"
        except Exception as exc:
            result["error"] = describe_error(exc)
            metrics["failed_in"] = phases.current()  # "imports": the environment, not the variant, failed
            metrics["traceback_in_model_code"] = result["error"]["in_model_code"]
            metrics["error_message_has_definition_trace"] = result["error"]["message_has_definition_trace"]
            result["observed"] = symptoms.classify_error(type(exc).__name__, str(exc), own_symptoms(job))
            result["outcome"] = "error"
    result["warnings"] = sorted({f"{w.category.__name__}: {str(w.message).splitlines()[0][:300]}" for w in caught})
    if launcher == "fork":
        from harness.train import warmup

        result["autograph_learned"] = warmup.learned()
    if "tensorflow" in sys.modules:
        from harness.train import tracing

        result["trace_intervals"] = tracing.intervals()
    result["first_step_window"] = phases.window("compile_first_step")
    return result


def execute(job: dict[str, Any], result_path: str, launcher: str) -> int:
    """Run one job and write its result atomically; the exit code for the process."""
    tmp_dir = Path(result_path).parent
    phases.start("spawn", at=job.get("t_launch"), journal=tmp_dir / phases.JOURNAL)  # launched by the runner at t_launch
    phases.begin("imports")
    use_tmp_dir(tmp_dir)
    watch_lifeline(tmp_dir)
    result = run_job(job, launcher)
    result["t_written"] = time.time()
    result["metrics"]["phases"] = phases.durations(until=result["t_written"])
    tmp = result_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f, default=str)
    os.replace(tmp, result_path)  # the runner sees a whole result or none
    return 0


def main(argv: list[str]) -> int:
    settings.prepare_tensorflow_environment()  # before anything imports TensorFlow (the runner's env wins)
    job = json.load(sys.stdin)
    code = execute(job, argv[1], launcher="spawn")
    sys.stdout.flush()
    sys.stderr.flush()
    # skip interpreter teardown (TensorFlow's can take seconds): the result is on disk, nothing else is owed
    os._exit(code)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
