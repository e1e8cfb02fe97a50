"""What `fitbench bisect` prints and writes: one line per step as it runs, the verdict with both sides' records
and release notes, and the files under --out (.txt as printed, .json with every step, .jsonl with every record
for `fitbench report` and `compare`)."""
from __future__ import annotations

import json
from pathlib import Path
from harness.releases.bisect import BisectResult, Step
from harness.results.errors import error_text
from harness.results.records import JsonlWriter


def step_line(step: Step, metric: str | None) -> str:
    value = f"  {metric}={step.metric:.4g}" if metric and step.metric is not None else ""
    note = ""
    if step.status != "ran":
        note = "  install failed: " + (step.install_error or "").strip().splitlines()[0][:160] if step.install_error \
            else "  install failed"
    elif step.record and step.record.error:
        note = f"  ({error_text(step.record.error, 160)})"
    tied = " ".join(f"+ {p} {v}" for p, v in step.companions.items())  # what moved with the release
    version = f"{step.version} {tied}" if tied else step.version
    return f"  [{step.phase:8}] {version:<26} {step.observed:<14}{value}{note}  ({step.seconds:.0f} s)"


def _record_lines(step: Step) -> list[str]:
    r = step.record
    if r is None:
        return ["    install: " + (step.install_error or "").replace("\n", "\n             ")[:800]]
    v = (r.env or {}).get("versions") or {}
    keras = ((r.env or {}).get("keras") or {}).get("driven")
    lines = [f"    observed {r.observed} (chapter: {r.claim}), outcome {r.outcome}",
             "    env: " + " · ".join(f"{k} {v[k]}" for k in ("tensorflow", "tf-keras", "keras", "transformers",
                                                            "datasets", "tokenizers", "numpy") if v.get(k))
             + (f" · drives {keras}" if keras else "")]
    m = r.metrics or {}
    nums = ", ".join(f"{k} {m[k]:.4g}" for k in ("initial_loss", "final_loss", "val_accuracy", "steps_to_threshold")
                     if isinstance(m.get(k), (int, float)) and not isinstance(m.get(k), bool))
    if nums:
        lines.append(f"    {nums}")
    if r.error:
        lines.append(f"    error: {error_text(r.error)}")
    if step.install_error:
        lines.append("    install: " + step.install_error.replace("\n", "\n             ")[:800])
    return lines


def render(result: BisectResult) -> str:
    cfg = result.config
    lines = [f"fitbench bisect {cfg.package} --good {cfg.good} --bad {cfg.bad} --case {cfg.case_variant}"
             + "".join(f" --pin {p}" for p in cfg.pins),
             f"{len(result.versions)} releases from {result.versions[0]} to {result.versions[-1]}; "
             f"{len({s.version for s in result.steps})} built and run, {len(result.steps)} runs "
             f"({sum(s.seconds for s in result.steps) / 60:.1f} min)", "steps:"]
    lines += [step_line(s, cfg.metric) for s in result.steps]
    lines.append(f"result: {result.verdict}")
    ends = (result.versions[0], result.versions[-1]) if result.unusable else (result.last_same, result.first_changed)
    for version in ends:
        if version is None:
            continue
        step = [s for s in result.steps if s.version == version][-1]
        lines.append(f"  {cfg.package} {version}:")
        lines += _record_lines(step)
        if result.release_notes:
            lines.append(f"    release notes: {result.release_notes.format(version=version)}")
    return "\n".join(lines)


def write_outputs(result: BisectResult, text: str) -> list[Path]:
    """<out>/<package>-<good>-<bad>-<case>-<variant>.txt (what was printed), .json (the steps) and .jsonl (every
    run's record, readable by `fitbench report` / `compare`)."""
    cfg = result.config
    case_id, _, variant = cfg.case_variant.partition(":")
    stem = cfg.out_dir / f"{cfg.package}-{cfg.good}-{cfg.bad}-{case_id}-{variant}"
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    paths = [Path(f"{stem}{suffix}") for suffix in (".txt", ".json", ".jsonl")]  # versions have dots: no with_suffix
    paths[0].write_text(text + "\n")
    paths[1].write_text(json.dumps(result.to_dict(), indent=1, default=str) + "\n")
    paths[2].write_text("")  # this bisect's records only, even where none ran: the writer appends
    writer = JsonlWriter(paths[2])
    for step in result.steps:
        if step.record is not None and step.record.role:  # a crash fitbench did not record has no role
            writer.write(step.record)
    return paths
