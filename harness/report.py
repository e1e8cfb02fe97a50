"""The nightly compatibility report: results files in, out_dir/index.html + out_dir/report.md + PNG plots out.

Sections: the compatibility matrix (case × variant rows, one column per TF / tf-keras / transformers / device
environment; each cell says in words *and* colour what was observed and whether the chapter holds), loss
curves of the optimizer comparison and the overfit check, throughput and memory, the memory grab on GPU,
precision modes side by side (ratios to fp32 of the same run), where each variant's time goes (phases), the
chapter read as a reader meets it (the walkthrough case, step by step), errors, warnings (what is new since
the previous report, via out_dir/warnings_seen.json), and the exact environment of every column.

The report is built as a list of blocks (p, h3, pre, img, table, side) that Jinja2 templates
(harness/templates/) turn into HTML, with autoescaping, since error messages and warnings land in the page,
and Markdown, whose tables pandas' `to_markdown` writes after `md_text` made each cell inert (HTML-escaped,
one line, pipes escaped). Every input is read and checked before the output folder is created: a corrupt
file is one CorruptResults naming file and line, and leaves nothing behind. asv results JSON
(benchmarks/benchmarks.py's tracks) is read too, as records without curves.
"""
from __future__ import annotations

import html
import json
import math
import re
import shutil
import statistics
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from harness.compare import env_key, group_records  # noqa: E402
from harness.records import CorruptResults, RunRecord, error_line, read_records  # noqa: E402

Block = dict[str, Any]
Section = tuple[str, list[Block]]
CURVE_CASES = {"adam_default_lr": ("adam_string", "fix_adam_5e-5", "fix_create_optimizer"),
               "overfit_one_batch": ("tiny_adam", "distilbert_adam_string", "fix_distilbert_adam_5e-5")}
MEMORY_KEYS = ("rss_peak_mib", "nvml_process_peak_mib", "tf_peak_mib")
STATE_FILE = "warnings_seen.json"
# the order a run passes through its phases (harness/phases.py); kept here too because the report reads the
# records of any fitbench version, and unknown phase names simply follow these
PHASE_ORDER = ("spawn", "imports", "device_setup", "data", "model", "compile_first_step", "steady_steps",
               "validation", "other", "teardown")
PRECISION_CASE, PRECISION_BASE = "precision_modes", "fp32"
PRECISION_MODES = ("fp32", "mixed_float16", "xla", "mixed_xla", "tuned")
WALKTHROUGH_CASE = "chapter_walkthrough"


ASV_TRACKS = {"track_observed_symptom": "observed", "track_agrees": "agrees", "track_fix_works": "fix_works",
              "track_steps_to_threshold": "steps_to_threshold", "track_seconds_to_threshold": "seconds_to_threshold",
              "track_final_loss": "final_loss", "track_samples_per_s": "samples_per_s",
              "track_time_to_first_step_s": "time_to_first_step_s", "track_peak_vram_mib": "nvml_process_peak_mib",
              "track_rss_peak_mib": "rss_peak_mib"}


def load_files(paths: list[Path]) -> dict[Path, list[RunRecord]]:
    """{file: its records}: fitbench JSON lines, and asv results JSON (results/asv/<machine>/<commit>-<env>.json)
    turned into records. Kept per file because ratios (precision modes to fp32) are only fair within one run."""
    by_file: dict[Path, list[RunRecord]] = {}
    for path in map(Path, paths):
        data = _asv_json(path)
        by_file[path] = by_file.get(path, []) + (asv_records(path, data) if data is not None else read_records([path]))
    if not any(by_file.values()):
        raise CorruptResults(f"{', '.join(map(str, paths))}: no records")
    return by_file


def load(paths: list[Path]) -> list[RunRecord]:
    return [r for records in load_files(paths).values() for r in records]


def _asv_json(path: Path) -> dict[str, Any] | None:
    if path.suffix != ".json" or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CorruptResults(f"{path}: not JSON ({exc})") from None
    if not (isinstance(data, dict) and isinstance(data.get("params"), dict) and isinstance(data.get("results"), dict)):
        raise CorruptResults(f"{path}: not an asv results file (no 'params' and 'results')")
    return data


def asv_records(path: Path, data: dict[str, Any]) -> list[RunRecord]:
    """One record per (case, variant) that benchmarks/benchmarks.py tracked; the environment comes from the
    file's "params" (asv's matrix), the device from whether NVML memory was tracked. No curves, warnings or errors."""
    import cases
    from harness.symptoms import NOT_APPLICABLE, VOCABULARY

    by_class = {"".join(p.capitalize() for p in c.split("_")): c for c in cases.CASE_IDS}  # InitialLoss -> id
    values: dict[tuple[str, str], dict[str, float]] = {}
    for name, row in data["results"].items():
        *_, cls, track = ["", *name.split(".")]
        key = ASV_TRACKS.get(track)
        # asv's layout is [values, params axes, ...]; anything else (another asv version, a hand edit) is skipped
        if key is None or not isinstance(row, list) or len(row) < 2 or not isinstance(row[0], list) \
                or not isinstance(row[1], list) or not all(isinstance(axis, list) for axis in row[1]):
            continue
        params = [[str(p).strip("'\"") for p in axis] for axis in row[1]]
        if len(params) == 2:   # params (case, variant); asv flattens their cartesian product
            combos = [(c, v) for c in params[0] for v in params[1]]
        elif len(params) == 1 and cls in by_class:  # one class per case, params (variant,)
            combos = [(by_class[cls], v) for v in params[0]]
        else:
            continue
        for combo, value in zip(combos, row[0]):
            if isinstance(value, (int, float)) and value == value:
                values.setdefault(combo, {})[key] = value
    gpu = any("nvml_process_peak_mib" in m for m in values.values())
    device = "gpu" if gpu else "cpu"
    param = {k: None if v is None else str(v) for k, v in data["params"].items()}
    env = {"versions": {k: param.get(k) for k in ("tensorflow", "tf-keras", "transformers", "datasets", "numpy",
                                                  "python")},
           "device": device, "asv": {k: data.get(k) for k in ("commit_hash", "env_name", "date")},
           "machine": {k: param.get(k) for k in ("machine", "cpu", "num_cpu", "os", "arch")}}
    records = []
    for (case_id, variant_name), m in sorted(values.items()):
        if "observed" not in m or case_id not in cases.CASE_IDS:
            continue
        spec = cases.get(case_id)
        if variant_name not in {v.name for v in spec.variants}:
            continue
        variant = spec.variant(variant_name)
        observed = VOCABULARY[int(m["observed"])]
        fix_works = bool(m["fix_works"]) if "fix_works" in m else None
        records.append(RunRecord(
            case=case_id, variant=variant_name, role=variant.role, device=device,
            claim=variant.claims.get(device, NOT_APPLICABLE), says=variant.says,
            observed=observed, agrees=bool(m.get("agrees")), fix_works=fix_works,
            outcome="skipped" if observed == NOT_APPLICABLE else "completed",
            metrics={k: v for k, v in m.items() if k not in ("observed", "agrees", "fix_works")},
            env=env, notes=[f"from asv results {path.name}"]))
    return records


def _median(values: list[float]) -> float | None:
    values = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return statistics.median(values) if values else None


def metric(group: list[RunRecord], name: str) -> float | None:
    return _median([r.metrics.get(name) for r in group])


def _percent(value: float | None) -> str:
    """MFU: two significant digits, since small-batch fits on a big card sit at 0.01 %, and "0.0%" hid that."""
    return "–" if _number(value) is None or value != value else f"{value * 100:.2g}%"


def _num(value: float | None, fmt: str = "{:.3g}", none: str = "–") -> str:
    return none if value is None or value != value else fmt.format(value)  # None or NaN


def short_env(key: str) -> str:
    """'TF 2.21.0 · tf-keras 2.21.0 · transformers 4.57.6 · cpu' -> 'TF 2.21.0 / tr 4.57.6 / cpu' for legends."""
    parts = key.split(" · ")
    return f"{parts[0]} / tr {parts[2].split()[-1]} / {parts[3]}" if len(parts) == 4 else key


# --- the compatibility matrix -------------------------------------------------------------------------

def cell(group: list[RunRecord]) -> tuple[str, str, str]:
    """(text, css class, tooltip) of one matrix cell; the text alone carries the verdict (✓ / ✗ / ~ / –)."""
    first = group[0]
    seen = pd.Series([r.observed for r in group]).value_counts()
    times = f" ×{len(group)}" if len(group) > 1 else ""
    tip = "; ".join(error_line(r) for r in group if r.error) or "; ".join(first.notes)
    if first.outcome == "skipped":
        return f"– n/a on {first.device}", "na", first.notes[0] if first.notes else ""
    if len(seen) > 1:
        mix = ", ".join(f"{s} ×{n}" for s, n in seen.items())
        return f"~ repeats disagree: {mix} (chapter: {first.claim})", "warn", tip
    observed = first.observed
    if first.role == "fix":
        if all(r.fix_works for r in group):
            return f"✓ fix works{times}", "ok", tip
        return f"✗ fix fails: {observed} (chapter: {first.claim}){times}", "bad", tip
    if all(r.agrees for r in group):
        verb = "bug reproduces: " if first.role == "broken" else ""
        return f"✓ {verb}{observed}{times}", "ok", tip
    if observed == first.claim:
        failed = [n.removeprefix("expectation failed: ") for n in first.notes if n.startswith("expectation")]
        return f"✗ {observed}, but {'; '.join(failed) or 'an expectation failed'}{times}", "warn", tip
    return f"✗ {observed} (chapter: {first.claim}){times}", "bad", tip


def matrix_block(records: list[RunRecord]) -> Block:
    """Rows case:variant (role), columns environments; pandas pivots the (text, class, tooltip) triples."""
    rows = [{"row": f"{c}:{v} ({g[0].role})", "env": e, "order": i, "cell": cell(g)}
            for i, ((c, v, _, e), g) in enumerate(sorted(group_records(records).items(),
                                                         key=lambda kv: _spec_order(kv[0][:2])))]
    frame = pd.DataFrame(rows)
    order = frame.groupby("row", sort=False)["order"].min().sort_values().index
    table = frame.pivot(index="row", columns="env", values="cell").reindex(order)
    na = ("–", "na", "not run in this environment")
    cells = table.apply(lambda col: col.map(lambda x: x if isinstance(x, tuple) else na))
    return {"kind": "table", "index": "case:variant (role)",
            "df": cells.apply(lambda col: col.map(lambda x: x[0])),
            "css": cells.apply(lambda col: col.map(lambda x: x[1])),
            "titles": cells.apply(lambda col: col.map(lambda x: x[2]))}


def _spec_order(case_variant: tuple[str, str]) -> tuple[int, int, str]:
    """The chapter's order of cases and the spec's order of variants; unknown ones last, by name."""
    import cases

    case_id, variant = case_variant
    if case_id not in cases.CASE_IDS:
        return len(cases.CASE_IDS), 0, f"{case_id}:{variant}"
    names = [v.name for v in cases.get(case_id).variants]
    return cases.CASE_IDS.index(case_id), names.index(variant) if variant in names else len(names), variant


def matrix_section(records: list[RunRecord]) -> Section:
    legend = ("✓ green: the chapter's claim holds (a bug reproduces, a fix works, a check passes) · "
              "✗ red: it does not, with what was observed and what the chapter says · ~ amber: repeats "
              "disagree or a metric expectation failed · – grey: not applicable or not run. "
              "Hover a cell (HTML) for the error or the notes.")
    return "Compatibility matrix", [{"kind": "p", "text": legend}, matrix_block(records)]


# --- loss curves ---------------------------------------------------------------------------------------

def curve_threshold(records: list[RunRecord], case: str) -> tuple[str, float] | None:
    """The loss line that gives the case's numbers their meaning: for overfit runs the overfit threshold the
    procedure measures against; for fits the plateau line (`plateau_loss`): a fit whose loss stays above it
    for the budget is a plateau (harness.symptoms.classify_losses). A fit's own `overfit_threshold` means
    nothing there: a working fix reaches 0.17, not 0.05, in its budget, and "never" read as failure."""
    chosen = [r for r in records if r.case == case and r.outcome != "skipped"]
    for r in chosen:
        if r.config.get("procedure") == "overfit" and _number(r.metrics.get("overfit_threshold")):
            return "overfit threshold", float(r.metrics["overfit_threshold"])
    for r in chosen:
        if r.config.get("procedure") == "fit" and _number(r.config.get("plateau_loss")):
            return "plateau line", float(r.config["plateau_loss"])
    return None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def first_step_under(losses: list[Any], threshold: float) -> int | None:
    """1-based step of the first loss under `threshold`, None if none is."""
    return next((i for i, x in enumerate(losses, 1) if _number(x) is not None and x < threshold), None)


def curves_figure(records: list[RunRecord], case: str) -> plt.Figure | None:
    """One axes per environment, every variant (and every repeat, thinner) of `case` on it. The legend sits
    outside the axes, on the right: inside, it hid the fix's curve exactly where it crossed the threshold."""
    chosen = [r for r in records if r.case == case and isinstance(r.metrics.get("loss_per_step"), list)
              and r.metrics["loss_per_step"]]
    if not chosen:
        return None
    envs = sorted({env_key(r) for r in chosen})
    variants = list(dict.fromkeys(v for v in CURVE_CASES.get(case, ()) if any(r.variant == v for r in chosen)))
    variants += sorted({r.variant for r in chosen} - set(variants))
    line = curve_threshold(records, case)
    fig, axes = plt.subplots(1, len(envs), figsize=(4.6 * len(envs) + 2.6, 3.6), sharey=True, squeeze=False,
                             layout="constrained")
    for ax, env in zip(axes[0], envs):
        for i, variant in enumerate(variants):
            runs = [r for r in chosen if env_key(r) == env and r.variant == variant]
            for j, r in enumerate(runs):
                losses = r.metrics["loss_per_step"]
                ax.plot(range(1, len(losses) + 1), losses, color=f"C{i}", lw=1.8 if j == 0 else 0.8,
                        alpha=1.0 if j == 0 else 0.5, label=f"{variant} ({r.observed})" if j == 0 else None)
        if line:
            ax.axhline(line[1], color="grey", ls="--", lw=1, label=f"{line[0]} {line[1]:g}")
        if line and line[0] == "overfit threshold":
            ax.set_yscale("log")
        ax.set_title(short_env(env), fontsize=9)
        ax.set_xlabel("optimizer step")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("training loss")
    handles, labels = {}, []
    for ax in axes[0]:  # one legend for all environments: the variants are the same in each
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    labels = list(handles)
    fig.legend([handles[k] for k in labels], labels, loc="outside right upper", fontsize=8, frameon=False)
    fig.suptitle(f"{case}: loss per step", fontsize=11)
    return fig


def plot_curves(records: list[RunRecord], case: str, out: Path) -> Path | None:
    fig = curves_figure(records, case)
    if fig is None:
        return None
    path = out / f"curves_{case}.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def curve_table(records: list[RunRecord], case: str) -> pd.DataFrame:
    """Per variant and environment: what was observed, and the steps (and seconds) to the case's loss line,
    with the line's value in the column name, so "never" says exactly what did not happen."""
    line = curve_threshold(records, case)
    name, value = line if line else ("threshold", None)
    rows = []
    for (c, variant, _, env), group in group_records(records).items():
        if c != case or group[0].outcome == "skipped":
            continue
        never = "never" if all(r.outcome == "completed" for r in group) else "–"
        row = {"variant": variant, "environment": short_env(env), "observed": group[0].observed}
        if name == "plateau line":  # fits: when the loss left the plateau, from the trajectory itself
            steps = _median([first_step_under(r.metrics.get("loss_per_step") or [], value) for r in group])
            row[f"first step < {value:g}"] = _num(steps, "{:.0f}", never)
        else:
            label = f"< {value:g}" if value is not None else "to thr."
            row[f"steps {label}"] = _num(metric(group, "steps_to_threshold"), "{:.0f}", never)
            row[f"s {label}"] = _num(metric(group, "seconds_to_threshold"), "{:.1f}", never)
        row.update({"min loss": _num(metric(group, "min_loss"), "{:.3f}"),
                    "final loss": _num(metric(group, "final_loss"), "{:.3f}"),
                    "val acc.": _num(metric(group, "val_accuracy"), "{:.3f}"), "repeats": str(len(group))})
        rows.append(row)
    frame = pd.DataFrame(rows)
    if not frame.empty and frame["environment"].nunique() == 1:  # the plot's title names it
        frame = frame.drop(columns="environment")
    return frame


def curves_section(records: list[RunRecord], out: Path) -> Section:
    blocks: list[Block] = [{"kind": "p", "text": "Same data, seed and step budget for every variant; thin lines "
                            "are repeats. Table values are medians over repeats. The dashed line is what the "
                            "numbers are measured against: for overfitting one batch, the overfit threshold "
                            "(steps and seconds until the loss is under it); for a fit, the plateau line (a fit "
                            "whose loss stays above it is a plateau; 'first step <' is when it left the "
                            "plateau). 'never' = not within the budget."}]
    for case in CURVE_CASES:
        blocks.append({"kind": "h3", "text": case})
        png, table = plot_curves(records, case, out), curve_table(records, case)
        if png is None and table.empty:
            blocks.append({"kind": "p", "text": f"No records of {case} in these results "
                           f"(fitbench run --cases {case})."})
            continue
        blocks.append({"kind": "side", "blocks": ([{"kind": "img", "src": png.name, "alt": f"{case} loss curves"}]
                                                  if png else []) + [{"kind": "table", "df": table}]})
    return "Loss curves: Adam(1e-3) vs Adam(5e-5) vs create_optimizer, and overfitting one batch", blocks


# --- throughput and memory -----------------------------------------------------------------------------

def perf_table(records: list[RunRecord]) -> pd.DataFrame:
    rows = []
    for (case, variant, _, env), group in group_records(records).items():
        values = {k: metric(group, k) for k in ("samples_per_s", "mfu", *MEMORY_KEYS)}
        if all(v is None for v in values.values()):
            continue
        rows.append({"case:variant": f"{case}:{variant}", "environment": short_env(env),
                     "samples/s": values["samples_per_s"], "MFU": values["mfu"],
                     **{k.removesuffix("_mib").replace("_", " ") + " MiB": values[k] for k in MEMORY_KEYS},
                     "repeats": len(group), "order": _spec_order((case, variant))})
    frame = pd.DataFrame(rows)
    return frame.sort_values(["order", "environment"]).drop(columns="order") if not frame.empty else frame


def perf_figure(table: pd.DataFrame) -> plt.Figure | None:
    """Throughput (log axis: CPU and GPU rows differ by 100×) and peak memory per case:variant, one bar per
    environment (and memory kind). A row without a value gets an explicit "–" where its bar would be, so an
    empty slot never reads as "not drawn yet"."""
    if table.empty:
        return None
    memory_cols = [c for c in table.columns if c.endswith("MiB") and table[c].notna().any()]
    rows = list(dict.fromkeys(table["case:variant"]))[::-1]  # top to bottom in the chapter's order
    fig, axes = plt.subplots(1, 2, figsize=(15, 0.34 * len(rows) * max(1, len(set(table["environment"])) / 1.5)
                                            + 1.8), sharey=True, layout="constrained")
    for ax, cols, xlabel, log in ((axes[0], ["samples/s"], "samples/s (steady state, median step; log scale)", True),
                                  (axes[1], memory_cols, "peak memory, MiB", False)):
        if not cols or table[cols].isna().all().all():
            ax.text(0.5, 0.5, "– not measured", transform=ax.transAxes, ha="center", color="grey")
            continue
        wide = table.pivot_table(index="case:variant", columns="environment", values=cols, sort=False, dropna=False)
        wide.columns = [f"{short_env(env)} {col}" if len(cols) > 1 else short_env(env) for col, env in wide.columns]
        wide = wide.reindex(rows).dropna(axis=1, how="all")  # e.g. NVML memory of the CPU environment
        wide.plot.barh(ax=ax, width=0.8, logx=log)
        empty_rows = {y for y, (_, row) in enumerate(wide.iterrows()) if row.isna().all()}
        for bars, column in zip(ax.containers, wide.columns):
            ax.bar_label(bars, labels=[_bar_label(v) for v in wide[column]], fontsize=7, padding=2)
            if len(wide.columns) <= 2:  # a "–" in the empty slot, in its colour: which environment lacks it
                for y, (bar, value) in enumerate(zip(bars, wide[column])):
                    if value != value and y not in empty_rows:
                        _dash(ax, bar.get_y() + bar.get_height() / 2, "–", bar.get_facecolor())
        for y in empty_rows:  # one mark for a row with no bar at all
            _dash(ax, y, "– not measured", "dimgrey")
        ax.margins(x=0.06)  # room for the value labels of the longest bars
        ax.set_xlabel(xlabel)
        ax.set_ylabel("")
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    return fig


def _dash(ax: plt.Axes, y: float, text: str, colour: Any) -> None:
    ax.annotate(text, xy=(0, y), xycoords=("axes fraction", "data"), xytext=(4, 0), textcoords="offset points",
                va="center", fontsize=8 if len(text) > 1 else 13, fontweight="bold", color=colour)


def _bar_label(value: Any) -> str:
    """'' for a missing value (the "–" marks it), whole numbers from 10 up, one decimal below."""
    if _number(value) is None or value != value:
        return ""
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.1f}"


def plot_perf(table: pd.DataFrame, out: Path) -> Path | None:
    fig = perf_figure(table)
    if fig is None:
        return None
    path = out / "throughput_memory.png"
    fig.savefig(path, dpi=90, bbox_inches="tight")  # long case:variant labels are not cut
    plt.close(fig)
    return path


def plot_memory_grab(records: list[RunRecord], out: Path) -> Path | None:
    """GPU only: memory the process holds with the default allocator vs with memory growth, per environment."""
    groups = {k: g for k, g in group_records(records).items() if k[0] == "tf_memory_grab"
              and metric(g, "process_mib") is not None}
    if not groups:
        return None
    frame = pd.DataFrame([{"environment": short_env(k[3]), "variant": k[1], "MiB": metric(g, "process_mib")}
                          for k, g in groups.items()])
    wide = frame.pivot_table(index="environment", columns="variant", values="MiB")
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(wide) + 1.6))
    wide.plot.barh(ax=ax, color={"default_allocator": "C3", "fix_memory_growth": "C2"}, logx=True)
    for bars in ax.containers:  # log axis: 590 MiB next to 141,418 MiB is a bar too, and the labels say how much
        ax.bar_label(bars, labels=[_bar_label(v) for v in bars.datavalues], fontsize=7, padding=2)
    total = _median([metric(g, "device_total_mib") for g in groups.values()])
    if total:
        ax.axvline(total, color="grey", ls="--", label=f"card total {total:,.0f} MiB")
    ax.set_xlabel("GPU memory held by the process after trivial work, MiB (NVML; log scale)")
    # a decade below the smallest bar, so that the small one is a bar too, not a sliver at the axis
    ax.set_xlim(left=10 ** (math.floor(math.log10(max(wide.min().min(), 1))) - 1),
                right=(total or wide.max().max()) * 2)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    path = out / "memory_grab.png"
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path


def perf_section(records: list[RunRecord], out: Path) -> Section:
    table = perf_table(records)
    blocks: list[Block] = []
    png = plot_perf(table, out)
    if png:
        blocks.append({"kind": "img", "src": png.name, "alt": "throughput and peak memory"})
    shown = table.copy()
    for col in shown.columns:
        if col.endswith("MiB") or col == "samples/s":
            shown[col] = shown[col].map(lambda v: _num(v, "{:,.0f}"))
    if "MFU" in shown:
        note = ("MFU – : no peak-FLOP/s table for this device (CPU, or an unknown GPU), or no steady step. "
                "A bar or a number missing in the chart is marked –: not measured in that environment.")
        shown["MFU"] = shown["MFU"].map(_percent)
        blocks += [{"kind": "table", "df": shown.astype(str)}, {"kind": "p", "text": note}]
    grab = plot_memory_grab(records, out)
    blocks.append({"kind": "h3", "text": "GPU memory: default allocator (grab) vs memory growth"})
    blocks.append({"kind": "img", "src": grab.name, "alt": "memory grab vs growth"} if grab else
                  {"kind": "p", "text": "No GPU records of tf_memory_grab: the case is not applicable on CPU."})
    return "Throughput, MFU and peak memory", blocks


# --- precision modes -----------------------------------------------------------------------------------

def precision_tables(by_file: dict[Path, list[RunRecord]]) -> list[tuple[str, pd.DataFrame]]:
    """One table per (results file, environment) with precision_modes records: each mode's samples/s and MFU,
    and its samples/s as a ratio to the fp32 record of the same file and environment (a ratio across runs
    or machines would mix in their noise and their cards)."""
    tables = []
    for path, records in by_file.items():
        chosen = [r for r in records if r.case == PRECISION_CASE and r.outcome != "skipped"]
        for env in sorted({env_key(r) for r in chosen}):
            groups = {k[1]: g for k, g in group_records(r for r in chosen if env_key(r) == env).items()}
            base = metric(groups.get(PRECISION_BASE, []), "samples_per_s")
            order = sorted(groups, key=lambda v: (PRECISION_MODES.index(v) if v in PRECISION_MODES else 99, v))
            rows = []
            for variant in order:
                group = groups[variant]
                speed = metric(group, "samples_per_s")
                rows.append({"mode": variant, "observed": group[0].observed,
                             "samples/s": _num(speed, "{:,.0f}"),
                             "× fp32": _num(speed / base if speed is not None and base else None, "×{:.2f}"),
                             "MFU": _percent(metric(group, "mfu")),
                             "compile + warm-up s": _num(metric(group, "compile_and_warmup_s"), "{:.1f}"),
                             "final loss": _num(metric(group, "final_loss"), "{:.3f}"),
                             "repeats": str(len(group))})
            tables.append((f"{env} — {path.name}", pd.DataFrame(rows)))
    return tables


def precision_section(by_file: dict[Path, list[RunRecord]]) -> Section:
    blocks: list[Block] = [{"kind": "p", "text": (
        "Each mode is its own variant (and process), on DistilBERT's shape at batch 32 × 128; '× fp32' is its "
        "samples/s over fp32's in the same results file and environment ('–' where fp32 did not run there). "
        "Compile and warm-up time is reported apart from the steady state.")}]
    tables = precision_tables(by_file)
    for title, frame in tables:
        blocks += [{"kind": "h3", "text": title}, {"kind": "table", "df": frame}]
    if not tables:
        blocks.append({"kind": "p", "text": f"No {PRECISION_CASE} records that ran in these results (the case "
                       f"is GPU-only: fitbench run --device gpu --cases {PRECISION_CASE})."})
    return "Precision modes: fp32, mixed_float16, XLA, tuned", blocks


# --- where the time goes -------------------------------------------------------------------------------

def phases_table(records: list[RunRecord]) -> pd.DataFrame:
    """Seconds per phase (median over repeats) per case:variant and environment; records without phases (older
    fitbench, skipped variants) are left out, and a phase no record of a group reached stays empty."""
    rows = []
    for (case, variant, _, env), group in group_records(records).items():
        phased = [r.metrics["phases"] for r in group if isinstance(r.metrics.get("phases"), dict)
                  and any(_number(v) is not None for v in r.metrics["phases"].values())]
        if not phased:
            continue
        names = {name for p in phased for name in p}
        seconds = {name: _median([p.get(name) for p in phased]) for name in names}
        launcher = next((r.metrics.get("launcher") for r in group if r.metrics.get("launcher")), None)
        rows.append({"case:variant": f"{case}:{variant}", "environment": env, "launcher": launcher or "–",
                     **seconds, "wall s": _median([r.wall_s for r in group]),
                     "order": _spec_order((case, variant))})
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows).sort_values(["environment", "order"]).drop(columns="order")
    phases = [p for p in PHASE_ORDER if p in frame] + sorted(c for c in frame.columns if c not in PHASE_ORDER
                                                             and c not in ("case:variant", "environment",
                                                                           "launcher", "wall s"))
    phases = [p for p in phases if frame[p].notna().any()]  # a phase no record reached is no column
    frame["sum of phases s"] = frame[phases].sum(axis=1, min_count=1)
    return frame[["case:variant", "environment", "launcher", *phases, "sum of phases s", "wall s"]]


def phases_figure(table: pd.DataFrame) -> plt.Figure | None:
    """A horizontal stacked bar per variant (one axes per environment): what each second of its wall time did."""
    if table.empty:
        return None
    phases = [c for c in table.columns if c not in ("case:variant", "environment", "launcher", "sum of phases s",
                                                    "wall s")]
    envs = list(dict.fromkeys(table["environment"]))
    heights = [0.3 * (table["environment"] == e).sum() + 0.9 for e in envs]
    fig, axes = plt.subplots(len(envs), 1, figsize=(13, sum(heights) + 0.8), squeeze=False, layout="constrained",
                             gridspec_kw={"height_ratios": heights})
    colours = {p: plt.get_cmap("tab10")(i % 10) for i, p in enumerate(phases)}
    for ax, env in zip(axes[:, 0], envs):
        part = table[table["environment"] == env].iloc[::-1]  # first variant on top
        left = pd.Series(0.0, index=part.index)
        for phase in phases:
            width = part[phase].fillna(0.0)
            ax.barh(part["case:variant"], width, left=left, color=colours[phase], label=phase, height=0.7)
            left += width
        for y, (total, wall) in enumerate(zip(left, part["wall s"])):
            ax.text(total, y, f" {total:.1f}s" + (f" (wall {wall:.1f}s)" if _number(wall) else ""), va="center",
                    fontsize=7)
        ax.set_title(short_env(env), fontsize=9)
        ax.set_xlabel("seconds")
        ax.grid(axis="x", alpha=0.3)
        ax.margins(x=0.12)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=8, frameon=False, title="phase")
    return fig


def phases_section(records: list[RunRecord], out: Path) -> Section:
    table = phases_table(records)
    text = ("Per-phase wall time of each variant, measured in the worker (imports, data + tokenizer, model build, "
            "compile + first step, steady steps, validation) plus the runner's own spawn and teardown; medians "
            "over repeats. What dominates here is what to cut next.")
    if table.empty:
        return "Where the time goes", [{"kind": "p", "text": text}, {"kind": "p", "text": (
            "No record in these results carries phase times (they were written by a fitbench older than "
            "the phase clock).")}]
    fig = phases_figure(table)
    path = out / "phases.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    shown = table.copy()
    for col in shown.columns:
        if col not in ("case:variant", "environment", "launcher"):
            shown[col] = shown[col].map(lambda v: _num(v, "{:.2f}"))
    shown["environment"] = shown["environment"].map(short_env)
    if shown["environment"].nunique() == 1:
        shown = shown.drop(columns="environment")
    return "Where the time goes", [{"kind": "p", "text": text},
                                   {"kind": "img", "src": path.name, "alt": "phases per variant"},
                                   {"kind": "table", "df": shown}]


# --- the chapter as a reader meets it ------------------------------------------------------------------

def seen_today(record: RunRecord) -> str:
    """What a reader sees at this step: the symptom, then the error's informative line or the loss numbers."""
    if record.outcome == "skipped":
        return f"– not applicable on {record.device}" + (f": {record.notes[0]}" if record.notes else "")
    m = record.metrics
    if record.error:
        detail = error_line(record)
    else:
        numbers = [f"{label} {_num(m.get(key), fmt)}" for key, label, fmt in (
            ("final_loss", "final loss", "{:.3f}"), ("val_accuracy", "val accuracy", "{:.2f}"),
            ("initial_loss", "initial loss", "{:.3f}")) if _number(m.get(key)) is not None]
        detail = ", ".join(numbers[:2])
    return f"{record.observed}: {detail}" if detail else record.observed


def walkthrough_tables(records: list[RunRecord]) -> list[tuple[str, pd.DataFrame, pd.DataFrame]]:
    """Per environment: one row per step (variant) of the chapter's script, in the spec's order (the order of
    the records where the case is not known here), with css classes for the agree column."""
    chosen = [r for r in records if r.case == WALKTHROUGH_CASE]
    first_seen = {r.variant: i for i, r in reversed(list(enumerate(chosen)))}
    tables = []
    for env in sorted({env_key(r) for r in chosen}):
        groups = {k[1]: g for k, g in group_records(r for r in chosen if env_key(r) == env).items()}
        order = sorted(groups, key=lambda v: (_spec_order((WALKTHROUGH_CASE, v))[:2], first_seen[v]))
        rows, css = [], []
        for n, variant in enumerate(order, 1):
            group = groups[variant]
            first = group[0]
            seen = sorted({seen_today(r) for r in group})
            agree = "–" if first.outcome == "skipped" else "✓" if all(r.agrees for r in group) else \
                "~" if any(r.agrees for r in group) else "✗"
            rows.append({"step": f"{n}. {variant}: {first.says}" if first.says else f"{n}. {variant}",
                         "what you see today": " / ".join(seen) + (f" (×{len(group)})" if len(group) > 1 else ""),
                         "what the chapter says": first.claim, "agree": agree})
            css.append({"step": "", "what you see today": "", "what the chapter says": "",
                        "agree": {"✓": "ok", "✗": "bad", "~": "warn"}.get(agree, "na")})
        tables.append((env, pd.DataFrame(rows), pd.DataFrame(css)))
    return tables


def walkthrough_section(records: list[RunRecord]) -> Section:
    blocks: list[Block] = [{"kind": "p", "text": (
        "The chapter's script run from the top, as a reader does, with the chapter's fixes applied one after "
        "another: each row is one state of the script, what it does today, and what the chapter says the reader "
        "sees there.")}]
    tables = walkthrough_tables(records)
    for env, frame, css in tables:
        blocks += [{"kind": "h3", "text": env}, {"kind": "table", "df": frame, "css": css}]
    if not tables:
        blocks.append({"kind": "p", "text": f"No records of {WALKTHROUGH_CASE} in these results "
                       f"(fitbench run --cases {WALKTHROUGH_CASE})."})
    return "Reading the chapter as a reader", blocks


# --- errors, warnings, environments --------------------------------------------------------------------

def errors_section(records: list[RunRecord]) -> Section:
    rows = [{"case:variant": f"{r.case}:{r.variant}", "environment": short_env(env_key(r)),
             "observed": r.observed, "error": error_line(r)} for r in records if r.error]
    frame = pd.DataFrame(rows).drop_duplicates() if rows else pd.DataFrame()
    return "Errors", [{"kind": "table", "df": frame} if rows else {"kind": "p", "text": "No run raised."}]


def normalize_warning(text: str) -> str:
    """The identity of a warning across runs: without glog time/pid prefixes, addresses and line numbers."""
    text = re.sub(r"^[IWEF]\d{4} [\d:.]+\s+\d+ ", "", text.strip())
    text = re.sub(r"0x[0-9a-fA-F]+", "0x…", text)
    return re.sub(r"(\.py|\.cc|\.h):\d+", r"\1", text)


def warnings_by_env(records: list[RunRecord]) -> dict[str, dict[str, int]]:
    """{environment: {warning: number of runs that printed it}}, deprecations first."""
    by_env: dict[str, dict[str, int]] = {}
    for r in records:
        counts = by_env.setdefault(env_key(r), {})
        for w in dict.fromkeys(r.warnings):
            counts[w] = counts.get(w, 0) + 1
    return {env: dict(sorted(c.items(), key=lambda kv: ("deprecat" not in kv[0].lower(), kv[0])))
            for env, c in sorted(by_env.items())}


def read_state(out: Path) -> dict[str, Any] | None:
    """The warnings state file of earlier reports in `out`, None if there is none; CorruptResults if it is
    not one (write_report calls this before writing anything, so a bad one stops the report cleanly)."""
    path = out / STATE_FILE
    if not path.is_file():
        return None
    try:
        state = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptResults(f"{path}: not a fitbench warnings state file ({exc}); delete it to start afresh") \
            from None
    if not (isinstance(state, dict) and isinstance(state.get("warnings", {}), dict)):
        raise CorruptResults(f"{path}: not a fitbench warnings state file; delete it to start afresh")
    return state


def seen_warnings(out: Path, by_env: dict[str, dict[str, int]]) -> tuple[set[str] | None, str]:
    """Warnings of earlier reports in out_dir (None: no earlier report), and the date of the last one;
    then records this report's warnings into the state file."""
    state_path = out / STATE_FILE
    state = read_state(out)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    known: dict[str, str] = dict((state or {}).get("warnings", {}))
    for counts in by_env.values():
        for w in counts:
            known.setdefault(normalize_warning(w), now)
    state_path.write_text(json.dumps({"updated": now, "warnings": known}, indent=1, sort_keys=True))
    if state is None:
        return None, ""
    return set(state.get("warnings", {})), state.get("updated", "")


def warnings_section(records: list[RunRecord], out: Path) -> Section:
    by_env = warnings_by_env(records)
    seen, since = seen_warnings(out, by_env)
    intro = ("First report in this folder: nothing to compare with; later reports mark warnings not seen before as NEW."
             if seen is None else f"NEW = not printed in any report built in this folder before (last: {since}).")
    blocks: list[Block] = [{"kind": "p", "text": intro}]
    for env, counts in by_env.items():
        rows = [{"": "NEW" if seen is not None and normalize_warning(w) not in seen else "",
                 "kind": "deprecation" if "deprecat" in w.lower() else "warning", "warning": w, "runs": str(n)}
                for w, n in counts.items()]
        blocks.append({"kind": "h3", "text": env})
        blocks.append({"kind": "table", "df": pd.DataFrame(rows), "css": pd.DataFrame(
            [{col: ("warn" if row[""] else "") for col in row} for row in rows])} if rows else
            {"kind": "p", "text": "No warnings printed."})
    return "Warnings (deprecations first)", blocks


def merged_envs(envs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], int, list[str]]]:
    """The distinct environments of one column, as (env, number of records, keys some records lack). Two
    descriptions that agree on every key both have are one environment: a skipped record is described by
    the parent process, which has no `tf_build` (it never imports TensorFlow), and must not split it in two."""
    merged: list[tuple[dict[str, Any], int, set[str]]] = []
    counts = Counter(json.dumps(e, sort_keys=True) for e in envs)
    for text, n in sorted(counts.items(), key=lambda kv: (-len(json.loads(kv[0])), kv[0])):  # fullest first
        env = json.loads(text)
        for i, (known, m, lacking) in enumerate(merged):
            if all(known[k] == env[k] for k in known.keys() & env.keys()):
                merged[i] = ({**env, **known}, m + n, lacking | (known.keys() - env.keys()))
                break
        else:
            merged.append((env, n, set()))
    return [(env, n, sorted(lacking)) for env, n, lacking in merged]


def env_section(records: list[RunRecord]) -> Section:
    blocks: list[Block] = []
    for env in sorted({env_key(r) for r in records}):
        blocks.append({"kind": "h3", "text": env})
        for described, n, lacking in merged_envs([r.env for r in records if env_key(r) == env]):
            note = f" (some lack {', '.join(lacking)}: skipped records are described without TensorFlow)" \
                if lacking else ""
            blocks += [{"kind": "p", "text": f"{n} record(s){note}:"},
                       {"kind": "pre", "text": json.dumps(described, indent=1, sort_keys=True)}]
    return "Exact environment of every column", blocks


# --- rendering -----------------------------------------------------------------------------------------

_NUMERIC = re.compile(r"^([-+×]?[\d.,]+(e[-+]?\d+)?\s*(%|s|MiB)?|never|–)$")


def table_view(block: Block) -> dict[str, Any]:
    """A table block as the HTML template takes it: header names and rows of cells {tag, text, cls, title}. The
    index (if the block names one) becomes a first column of <th>; numbers without a class are right-aligned."""
    df: pd.DataFrame = block["df"]
    css, titles, index = block.get("css"), block.get("titles"), block.get("index")
    rows = []
    for i, (label, row) in enumerate(df.iterrows()):
        cells = [{"tag": "th", "text": str(label), "cls": "", "title": ""}] if index else []
        for j, value in enumerate(row):
            text = str(value)
            cls = css.iat[i, j] if css is not None and css.iat[i, j] else ("num" if _NUMERIC.match(text) else "")
            cells.append({"tag": "td", "text": text, "cls": cls,
                          "title": titles.iat[i, j] if titles is not None and titles.iat[i, j] else ""})
        rows.append(cells)
    return {"kind": "table", "header": ([index] if index else []) + [str(c) for c in df.columns], "rows": rows}


def md_text(value: Any) -> str:
    """A string made inert for Markdown: one line, HTML-escaped (no tag survives), pipes escaped (no table
    breaks). Used for every text and every table cell of report.md."""
    return html.escape(" ".join(str(value).split()), quote=False).replace("|", "\\|")


def md_table(block: Block) -> str:
    df: pd.DataFrame = block["df"]
    if df.empty:
        return "(none)"
    if block.get("index"):
        df = df.rename_axis(block["index"]).reset_index()
    cells = df.astype(str).apply(lambda col: col.map(md_text))
    cells.columns = [md_text(c) for c in df.columns]
    # disable_numparse: "1.000" stays "1.000" (tabulate would print 1), "0012" stays a label
    return cells.to_markdown(index=False, tablefmt="pipe", disable_numparse=True)


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                             autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                                                 default_for_string=True),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(md=md_text, md_table=md_table)
    return env


def _for_html(blocks: list[Block]) -> list[Block]:
    return [table_view(b) if b["kind"] == "table" else {**b, "blocks": _for_html(b["blocks"])} if b["kind"] == "side"
            else b for b in blocks]


def render_html(title: str, sections: list[Section]) -> str:
    page = _templates().get_template("report.html.j2")
    return page.render(title=title, sections=[(name, _for_html(blocks)) for name, blocks in sections])


def render_md(title: str, sections: list[Section]) -> str:
    return _templates().get_template("report.md.j2").render(title=title, sections=sections).strip() + "\n"


def summary_section(paths: list[Path], records: list[RunRecord]) -> Section:
    groups = group_records(records)
    ran = [g for g in groups.values() if g[0].outcome != "skipped"]
    holds = sum(all(r.agrees for r in g) for g in ran)
    fixes = [g for g in ran if g[0].role == "fix"]
    text = (f"{len(records)} records ({len(groups)} case × variant × environment groups) from "
            f"{', '.join(str(p) for p in paths)}. The chapter's claim holds in {holds} of {len(ran)} groups that "
            f"ran; {sum(all(r.fix_works for r in g) for g in fixes)} of {len(fixes)} fixes work.")
    return "Summary", [{"kind": "p", "text": text}]


def write_report(paths: list[Path], out_dir: Path) -> list[Path]:
    """Reads the results files and writes index.html, report.md and the PNGs into out_dir; returns their paths."""
    by_file = load_files([Path(p) for p in paths])  # every input checked before anything is written
    records = [r for file_records in by_file.values() for r in file_records]
    read_state(out_dir)
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        from harness.timeline import timeline_section

        sections = [summary_section(paths, records), matrix_section(records), timeline_section(records, out_dir),
                    walkthrough_section(records), curves_section(records, out_dir),
                    perf_section(records, out_dir), precision_section(by_file), phases_section(records, out_dir),
                    errors_section(records), warnings_section(records, out_dir), env_section(records)]
        title = f"fitbench compatibility report — {datetime.now().strftime('%Y-%m-%d %H:%M')}"
        index, md = out_dir / "index.html", out_dir / "report.md"
        index.write_text(render_html(title, sections), encoding="utf-8")
        md.write_text(render_md(title, sections), encoding="utf-8")
    except BaseException:
        if created:  # a half-built report in a new folder helps no one; an existing folder is left as it was
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    pngs = sorted(out_dir / b["src"] for _, blocks in sections for b in _flatten(blocks) if b["kind"] == "img")
    return [index, md, *pngs]


def _flatten(blocks: list[Block]) -> list[Block]:
    return [x for b in blocks for x in (_flatten(b["blocks"]) if b["kind"] == "side" else [b])]
