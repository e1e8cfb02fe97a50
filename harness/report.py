"""The nightly compatibility report: results files in, out_dir/index.html + out_dir/report.md + PNG plots out.

Sections: the compatibility matrix (case × variant rows, one column per TF / tf-keras / transformers / device
environment; each cell says in words *and* colour what was observed and whether the chapter holds), loss
curves of the optimizer comparison and the overfit check, throughput and memory, the memory grab on GPU,
errors, warnings (what is new since the previous report, via out_dir/warnings_seen.json), and the exact
environment of every column. The report is built as a list of blocks that two small renderers turn into
HTML and Markdown; every user-visible string goes through html.escape there, since error messages land
in the page. asv results JSON (benchmarks/benchmarks.py's tracks) is read too, as records without curves.
"""
from __future__ import annotations

import html
import json
import re
import statistics
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from harness.compare import env_key, group_records  # noqa: E402
from harness.records import CorruptResults, RunRecord, read_records  # noqa: E402

Block = dict[str, Any]
Section = tuple[str, list[Block]]
CURVE_CASES = {"adam_default_lr": ("adam_string", "fix_adam_5e-5", "fix_create_optimizer"),
               "overfit_one_batch": ("tiny_adam", "distilbert_adam_string", "fix_distilbert_adam_5e-5")}
MEMORY_KEYS = ("rss_peak_mib", "nvml_process_peak_mib", "tf_peak_mib")
STATE_FILE = "warnings_seen.json"


ASV_TRACKS = {"track_observed_symptom": "observed", "track_agrees": "agrees", "track_fix_works": "fix_works",
              "track_steps_to_threshold": "steps_to_threshold", "track_seconds_to_threshold": "seconds_to_threshold",
              "track_final_loss": "final_loss", "track_samples_per_s": "samples_per_s",
              "track_time_to_first_step_s": "time_to_first_step_s", "track_peak_vram_mib": "nvml_process_peak_mib",
              "track_rss_peak_mib": "rss_peak_mib"}


def load(paths: list[Path]) -> list[RunRecord]:
    """fitbench JSON lines, and asv results JSON (results/asv/<machine>/<commit>-<env>.json) turned into records."""
    records: list[RunRecord] = []
    for path in map(Path, paths):
        data = _asv_json(path)
        records += asv_records(path, data) if data is not None else read_records([path])
    if not records:
        raise CorruptResults(f"{', '.join(map(str, paths))}: no records")
    return records


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
        if key is None or not row or not isinstance(row[0], list) or len(row) < 2:
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
    env = {"versions": {k: data["params"].get(k) for k in ("tensorflow", "tf-keras", "transformers", "datasets",
                                                           "numpy", "python")},
           "device": device, "asv": {k: data.get(k) for k in ("commit_hash", "env_name", "date")},
           "machine": {k: data["params"].get(k) for k in ("machine", "cpu", "num_cpu", "os", "arch")}}
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
    tip = "; ".join(_error_line(r) for r in group if r.error) or "; ".join(first.notes)
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


def _error_line(record: RunRecord) -> str:
    """Type and first line of the message; after a header such as "Graph execution error:", the first line
    that is not traceback (TF puts the real message below the frames)."""
    error = record.error or {}
    lines = [line for line in str(error.get("message", "")).splitlines() if line.strip()]
    text = lines[0].strip() if lines else ""
    if text.endswith(":"):
        body = [line.strip() for line in lines[1:] if not line[0].isspace()
                and not line.startswith(("Detected at node", "File ", "[["))]
        text = f"{text} {body[0]}" if body else text
    return f"{error.get('type', 'error')}: {text}"[:300]


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

def plot_curves(records: list[RunRecord], case: str, out: Path) -> Path | None:
    """One axes per environment, every variant (and every repeat, thinner) of `case` on it."""
    chosen = [r for r in records if r.case == case and r.metrics.get("loss_per_step")]
    if not chosen:
        return None
    envs = sorted({env_key(r) for r in chosen})
    variants = list(dict.fromkeys(v for v in CURVE_CASES.get(case, ()) if any(r.variant == v for r in chosen)))
    variants += sorted({r.variant for r in chosen} - set(variants))
    fig, axes = plt.subplots(1, len(envs), figsize=(5.6 * len(envs), 3.6), sharey=True, squeeze=False)
    for ax, env in zip(axes[0], envs):
        for i, variant in enumerate(variants):
            runs = [r for r in chosen if env_key(r) == env and r.variant == variant]
            for j, r in enumerate(runs):
                losses = r.metrics["loss_per_step"]
                ax.plot(range(1, len(losses) + 1), losses, color=f"C{i}", lw=1.8 if j == 0 else 0.8,
                        alpha=1.0 if j == 0 else 0.5, label=f"{variant} ({r.observed})" if j == 0 else None)
        threshold = next((r.metrics.get("overfit_threshold") for r in chosen if r.config.get("procedure") == "overfit"),
                         None)
        if threshold:
            ax.axhline(threshold, color="grey", ls="--", lw=1, label=f"threshold {threshold:g}")
            ax.set_yscale("log")
        ax.set_title(env, fontsize=9)
        ax.set_xlabel("optimizer step")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0][0].set_ylabel("training loss")
    fig.suptitle(f"{case}: loss per step", fontsize=11)
    fig.tight_layout()
    path = out / f"curves_{case}.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def curve_table(records: list[RunRecord], case: str) -> pd.DataFrame:
    rows = []
    for (c, variant, _, env), group in group_records(records).items():
        if c != case or group[0].outcome == "skipped":
            continue
        never = "never" if all(r.outcome == "completed" for r in group) else "–"
        rows.append({"variant": variant, "environment": short_env(env), "observed": group[0].observed,
                     "steps to thr.": _num(metric(group, "steps_to_threshold"), "{:.0f}", never),
                     "s to thr.": _num(metric(group, "seconds_to_threshold"), "{:.1f}", never),
                     "val acc.": _num(metric(group, "val_accuracy"), "{:.3f}"),
                     "final loss": _num(metric(group, "final_loss"), "{:.3f}"), "repeats": str(len(group))})
    frame = pd.DataFrame(rows)
    if not frame.empty and frame["environment"].nunique() == 1:  # the plot's title names it
        frame = frame.drop(columns="environment")
    return frame


def curves_section(records: list[RunRecord], out: Path) -> Section:
    blocks: list[Block] = [{"kind": "p", "text": "Same data, seed and step budget for every variant; thin lines "
                            "are repeats. Table values are medians over repeats; 'never' = the loss did not go "
                            "under the overfit threshold within the budget."}]
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
        rows.append({"case:variant": f"{case}:{variant}", "environment": env,
                     "samples/s": values["samples_per_s"], "MFU": values["mfu"],
                     **{k.removesuffix("_mib").replace("_", " ") + " MiB": values[k] for k in MEMORY_KEYS},
                     "repeats": len(group), "order": _spec_order((case, variant))})
    frame = pd.DataFrame(rows)
    return frame.sort_values(["order", "environment"]).drop(columns="order") if not frame.empty else frame


def plot_perf(table: pd.DataFrame, out: Path) -> Path | None:
    """Throughput and peak memory per case:variant, one bar per environment (and memory kind)."""
    if table.empty:
        return None
    memory_cols = [c for c in table.columns if c.endswith("MiB") and table[c].notna().any()]
    rows = list(dict.fromkeys(table["case:variant"]))[::-1]  # top to bottom in the chapter's order
    fig, axes = plt.subplots(1, 2, figsize=(14, 0.32 * len(rows) + 1.6), sharey=True)
    for ax, cols, xlabel in ((axes[0], ["samples/s"], "samples/s (steady state, median step)"),
                             (axes[1], memory_cols, "peak memory, MiB")):
        wide = table.pivot_table(index="case:variant", columns="environment", values=cols, sort=False)
        wide.columns = [f"{short_env(env)} {col}" if len(cols) > 1 else short_env(env) for col, env in wide.columns]
        wide.reindex(rows).plot.barh(ax=ax, width=0.8, logx=cols == ["samples/s"])
        for bars in ax.containers:
            ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=2)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("")
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    path = out / "throughput_memory.png"
    fig.savefig(path, dpi=90)
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
    wide.plot.barh(ax=ax, color={"default_allocator": "C3", "fix_memory_growth": "C2"})
    total = _median([metric(g, "device_total_mib") for g in groups.values()])
    if total:
        ax.axvline(total, color="grey", ls="--", label=f"card total {total:.0f} MiB")
    ax.set_xlabel("GPU memory held by the process after trivial work, MiB (NVML)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = out / "memory_grab.png"
    fig.savefig(path, dpi=90)
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
            shown[col] = shown[col].map(lambda v: _num(v, "{:.0f}"))
    if "MFU" in shown:
        note = "MFU – : no peak-FLOP/s table for this device (CPU, or an unknown GPU)."
        shown["MFU"] = shown["MFU"].map(lambda v: _num(v, "{:.1%}"))
        blocks += [{"kind": "table", "df": shown.astype(str)}, {"kind": "p", "text": note}]
    grab = plot_memory_grab(records, out)
    blocks.append({"kind": "h3", "text": "GPU memory: default allocator (grab) vs memory growth"})
    blocks.append({"kind": "img", "src": grab.name, "alt": "memory grab vs growth"} if grab else
                  {"kind": "p", "text": "No GPU records of tf_memory_grab: the case is not applicable on CPU."})
    return "Throughput, MFU and peak memory", blocks


# --- errors, warnings, environments --------------------------------------------------------------------

def errors_section(records: list[RunRecord]) -> Section:
    rows = [{"case:variant": f"{r.case}:{r.variant}", "environment": short_env(env_key(r)),
             "observed": r.observed, "error": _error_line(r)} for r in records if r.error]
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


def seen_warnings(out: Path, by_env: dict[str, dict[str, int]]) -> tuple[set[str] | None, str]:
    """Warnings of earlier reports in out_dir (None: no earlier report), and the date of the last one;
    then records this report's warnings into the state file."""
    state_path = out / STATE_FILE
    state = json.loads(state_path.read_text()) if state_path.is_file() else None
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


def env_section(records: list[RunRecord]) -> Section:
    blocks: list[Block] = []
    for env in sorted({env_key(r) for r in records}):
        distinct = Counter(json.dumps(r.env, indent=1, sort_keys=True) for r in records if env_key(r) == env)
        blocks.append({"kind": "h3", "text": env})
        for text, n in sorted(distinct.items()):
            blocks += [{"kind": "p", "text": f"{n} record(s):"}, {"kind": "pre", "text": text}]
    return "Exact environment of every column", blocks


# --- rendering -----------------------------------------------------------------------------------------

CSS = """body{font-family:system-ui,sans-serif;margin:1.5em;color:#222} table{border-collapse:collapse;margin:.5em 0;
font-size:13px} th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top} th{background:#f2f2f2}
td.ok{background:#d6f5d6} td.bad{background:#f8cccc} td.warn{background:#fff0c0} td.na{background:#eee;color:#666}
pre{background:#f6f6f6;padding:.5em;font-size:12px;overflow-x:auto} .side{display:flex;gap:1em;align-items:flex-start;
flex-wrap:nowrap;overflow-x:auto} .side>div{flex:0 0 auto} img{max-width:100%;border:1px solid #ddd} h2{border-bottom:2px solid #ccc;margin-top:1.6em}"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def html_table(block: Block) -> str:
    df: pd.DataFrame = block["df"]
    css, titles = block.get("css"), block.get("titles")
    index = block.get("index")
    head = ([f"<th>{_esc(index)}</th>"] if index else []) + [f"<th>{_esc(c)}</th>" for c in df.columns]
    rows = []
    for i, (label, row) in enumerate(df.iterrows()):
        cells = [f"<th>{_esc(label)}</th>"] if index else []
        for j, value in enumerate(row):
            cls = f' class="{_esc(css.iat[i, j])}"' if css is not None and css.iat[i, j] else ""
            tip = f' title="{_esc(titles.iat[i, j])}"' if titles is not None and titles.iat[i, j] else ""
            cells.append(f"<td{cls}{tip}>{_esc(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{''.join(head)}</tr>{''.join(rows)}</table>"


def html_block(block: Block) -> str:
    kind = block["kind"]
    if kind == "table":
        return html_table(block) if not block["df"].empty else "<p>(none)</p>"
    if kind == "img":
        return f'<img src="{_esc(block["src"])}" alt="{_esc(block["alt"])}">'
    if kind == "side":
        return '<div class="side">' + "".join(f"<div>{html_block(b)}</div>" for b in block["blocks"]) + "</div>"
    tag = {"p": "p", "pre": "pre", "h3": "h3"}[kind]
    return f"<{tag}>{_esc(block['text'])}</{tag}>"


def render_html(title: str, sections: list[Section]) -> str:
    body = "".join(f"<h2>{_esc(name)}</h2>" + "".join(html_block(b) for b in blocks) for name, blocks in sections)
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{_esc(title)}</title>'
            f"<style>{CSS}</style></head><body><h1>{_esc(title)}</h1>{body}</body></html>\n")


def _md_cell(value: Any) -> str:
    return html.escape(" ".join(str(value).split()), quote=False).replace("|", "\\|")


def md_block(block: Block) -> str:
    kind = block["kind"]
    if kind == "table":
        df: pd.DataFrame = block["df"]
        if df.empty:
            return "(none)"
        index = block.get("index")
        cols = ([index] if index else []) + list(df.columns)
        lines = ["| " + " | ".join(_md_cell(c) for c in cols) + " |", "|" + "---|" * len(cols)]
        for label, row in df.iterrows():
            values = ([label] if index else []) + list(row)
            lines.append("| " + " | ".join(_md_cell(v) for v in values) + " |")
        return "\n".join(lines)
    if kind == "img":
        return f"![{_md_cell(block['alt'])}]({block['src']})"
    if kind == "side":
        return "\n\n".join(md_block(b) for b in block["blocks"])
    if kind == "pre":
        return "```\n" + block["text"].replace("```", "'''") + "\n```"
    return ("### " if kind == "h3" else "") + _md_cell(block["text"])


def render_md(title: str, sections: list[Section]) -> str:
    parts = [f"# {_md_cell(title)}"]
    for name, blocks in sections:
        parts.append(f"## {_md_cell(name)}")
        parts.extend(md_block(b) for b in blocks)
    return "\n\n".join(parts) + "\n"


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
    records = load([Path(p) for p in paths])
    out_dir.mkdir(parents=True, exist_ok=True)
    sections = [summary_section(paths, records), matrix_section(records), curves_section(records, out_dir),
                perf_section(records, out_dir), errors_section(records), warnings_section(records, out_dir),
                env_section(records)]
    title = f"fitbench compatibility report — {datetime.now().strftime('%Y-%m-%d %H:%M')}"
    index, md = out_dir / "index.html", out_dir / "report.md"
    index.write_text(render_html(title, sections), encoding="utf-8")
    md.write_text(render_md(title, sections), encoding="utf-8")
    pngs = sorted(out_dir / b["src"] for _, blocks in sections for b in _flatten(blocks) if b["kind"] == "img")
    return [index, md, *pngs]


def _flatten(blocks: list[Block]) -> list[Block]:
    return [x for b in blocks for x in (_flatten(b["blocks"]) if b["kind"] == "side" else [b])]
