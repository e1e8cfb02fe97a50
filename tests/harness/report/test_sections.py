"""The report's sections on committed reference records (results/reference/, real fitbench output) and on
hand-made records for what no committed run has yet (phase times, per-mode precision variants, the chapter
walkthrough): no TensorFlow run, so these run in seconds. tests/harness/report/test_report.py covers the report on
freshly generated records."""
from __future__ import annotations

import copy
import html
import re
from pathlib import Path

import matplotlib
import pytest

import cases
from harness.report import write_report
from harness.report.common import Context
from harness.report.load import load_files
from harness.report.render import md_text
from harness.report.sections import environments
from harness.report.sections.curves import curve_table, curves_figure
from harness.report.sections.environments import merged_envs
from harness.report.sections.perf import perf_figure, perf_table
from harness.report.sections.phases import phases_table
from harness.report.sections.ratios import ratio_tables
from harness.report.sections.strip import strip_tables
from harness.results.records import RunRecord
from harness.results.reading import read_records
from tests.conftest import ROOT

REFERENCE = sorted((ROOT / "results" / "reference").glob("cpu-*.jsonl"))[0]
SCRIPT = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def reference() -> list[RunRecord]:
    return read_records([REFERENCE])


def known_cases() -> dict:
    """This fitbench's case specs by id, as the report's context holds them."""
    return {case.id: case for case in cases.all_cases()}


def ctx(records: list[RunRecord], out: Path = Path(".")) -> Context:
    """The context a section is built from, over these records as one results file."""
    return Context([Path("x.jsonl")], {Path("x.jsonl"): records}, out, known_cases())


def _write(path: Path, records: list[RunRecord]) -> Path:
    path.write_text("".join(r.to_json() + "\n" for r in records))
    return path


def _gpu_copy(records: list[RunRecord], drop: set[str] = frozenset()) -> list[RunRecord]:
    """The same records as if from a GPU environment (another column of the report)."""
    out = []
    for r in copy.deepcopy(records):
        if r.variant in drop:
            continue
        r.device, r.env = "gpu", {**r.env, "device": "gpu"}
        out.append(r)
    return out


# --- issue 10: the report's own defects ---------------------------------------------------------------

def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_overfit_legend_stays_outside_the_axes(reference):
    """The legend sat on the fix's curve exactly where it crossed the threshold (lower left)."""
    for records in (reference, reference + _gpu_copy(reference)):
        fig = curves_figure(records, "overfit_one_batch", cases.get("overfit_one_batch"))
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        legends = fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
        assert legends
        for legend in legends:
            for ax in fig.axes:
                assert not _overlaps(legend.get_window_extent(renderer), ax.get_window_extent(renderer))
        matplotlib.pyplot.close(fig)


def test_fit_curve_table_says_what_its_threshold_means(reference):
    """adam_default_lr said "never / never" for both working fixes: a fit's overfit_threshold (0.05) is not
    what its numbers mean. The column names the line (the plateau line), and working fixes get a step."""
    table = curve_table(reference, "adam_default_lr").set_index("variant")
    column = "first step < 0.9"
    assert column in table and "min loss" in table
    assert table.loc["adam_string", column] == "never"
    assert table.loc["fix_adam_5e-5", column].isdigit() and table.loc["fix_create_optimizer", column].isdigit()
    assert "never" not in table.loc["fix_adam_5e-5"].tolist()
    overfit = curve_table(reference, "overfit_one_batch").set_index("variant")
    assert overfit.loc["fix_distilbert_adam_5e-5", "steps < 0.1"] == "24"
    assert overfit.loc["distilbert_adam_string", "steps < 0.1"] == "never"


def test_throughput_is_log_scale_and_every_row_has_a_bar_or_a_dash(reference):
    records = reference + _gpu_copy(reference, drop={"fix_create_optimizer"})
    for r in records:  # a GPU's throughput is ~100× a 2-core CPU's
        if r.device == "gpu" and r.metrics.get("samples_per_s"):
            r.metrics["samples_per_s"] *= 80
    table = perf_table(ctx(records))
    fig = perf_figure(table)
    throughput = fig.axes[0]
    assert throughput.get_xscale() == "log"
    rows = [t.get_text() for t in throughput.get_yticklabels()]
    bars = {}
    for container in throughput.containers:
        for y, value in enumerate(container.datavalues):
            bars.setdefault(y, []).append(value == value)  # NaN: no bar
    dashes = {round(t.xy[1]) for t in throughput.texts if t.get_text().startswith("–")}
    for y, label in enumerate(rows):
        if not all(bars[y]):
            assert y in dashes, f"{label}: a missing bar has no '–'"
    assert len(rows) == len(set(table["case:variant"]))
    matplotlib.pyplot.close(fig)


def test_skipped_records_do_not_split_an_environment(reference, tmp_path):
    """Skipped variants are described by the parent process (no tf_build): still one environment."""
    assert any("tf_build" not in r.env for r in reference) and any("tf_build" in r.env for r in reference)
    merged = merged_envs([r.env for r in reference])
    assert len(merged) == 1
    env, n, lacking = merged[0]
    assert n == len(reference) and lacking == ["tf_build"] and "tf_build" in env
    [(_, blocks, anchor)] = environments.page_sections(ctx(reference, tmp_path))  # it keeps warnings_seen.json
    assert sum(b["kind"] == "table" and "what" in b["df"].columns for b in blocks) == 1 and anchor == "env-1"


def test_a_real_difference_still_splits_an_environment(reference):
    other = copy.deepcopy(reference[:2])
    for r in other:
        r.env["cpu"] = "another CPU"
    assert len(merged_envs([r.env for r in reference + other])) == 2


# --- escaping: now done by Jinja2's autoescape and the md filter ---------------------------------------

def test_anything_a_run_printed_is_escaped_in_html_and_inert_in_markdown(reference, tmp_path):
    records = copy.deepcopy(reference)
    errored = next(r for r in records if r.error)
    errored.error["message"] = f"{SCRIPT} | a pipe\nmore"
    errored.warnings.append(f"UserWarning: {SCRIPT} | \"quoted\"")
    errored.notes.append(f"note {SCRIPT}")
    written = write_report([_write(tmp_path / "x.jsonl", records)], tmp_path / "rep", cases)
    pages = [p for p in written if p.suffix in (".html", ".md")]
    for path in pages:  # every page: the front, the case pages (their tooltips), the environments page
        assert SCRIPT not in path.read_text() and "<script" not in path.read_text(), path.name
    case_page = tmp_path / "rep" / f"case-{errored.case}.html"
    page, md = case_page.read_text(), case_page.with_suffix(".md").read_text()
    for text in (page, md):
        assert html.escape("<script>") in text
    assert 'title="' in page and "&#34;" not in page.split("<style>")[0]
    tables: list[list[str]] = [[]]
    for line in md.splitlines():  # consecutive "|" lines are one table
        if line.startswith("|"):
            tables[-1].append(line)
        elif tables[-1]:
            tables.append([])
    for rows in filter(None, tables):  # every row has as many cells as the header: no pipe broke out
        assert len({len(re.findall(r"(?<!\\)\|", row)) for row in rows}) == 1, rows
    assert any("a pipe" in row for rows in tables for row in rows)


def test_md_text_makes_a_cell_one_inert_line():
    assert md_text("a <b>|c\n d") == "a &lt;b&gt;\\|c d"


# --- issue 9: where the time goes, precision modes -----------------------------------------------------

def _with_phases(records: list[RunRecord]) -> list[RunRecord]:
    out = copy.deepcopy(records)
    for i, r in enumerate(out):
        if r.outcome == "skipped":
            continue
        r.metrics["phases"] = {"spawn": 0.1, "imports": 6.4, "data": 1.2 + i / 10, "model": None,
                               "compile_first_step": 3.0, "steady_steps": r.wall_s / 3, "teardown": 0.05}
        if i % 2:
            del r.metrics["phases"]["data"]  # any phase may be missing
        r.context.launcher = "fork"
    return out


def test_phases_table_and_chart_skip_records_without_phases(reference, tmp_path):
    records = _with_phases(reference)
    del records[0].metrics["phases"]
    table = phases_table(ctx(records))
    ran = {f"{r.case}:{r.variant}" for r in records if "phases" in r.metrics}
    assert set(table["case:variant"]) == ran
    assert list(table.columns[3:9]) == ["spawn", "imports", "data", "compile_first_step", "steady_steps", "teardown"]
    assert "model" not in table  # null in every record: no empty column, no empty legend entry
    written = write_report([_write(tmp_path / "p.jsonl", records)], tmp_path / "rep", cases)
    case = records[1].case  # a chart per case: no picture grows with the whole suite
    assert (tmp_path / "rep" / f"phases-{case}.png") in written
    page = (tmp_path / "rep" / f"case-{case}.html").read_text()
    assert "Where the time goes" in page and "steady_steps" in page
    assert phases_table(ctx(reference)).empty  # the reference predates the phase clock: no section body, no crash


def _precision_records(reference: list[RunRecord], speeds: dict[str, float], device: str = "gpu") -> list[RunRecord]:
    base = next(r for r in reference if r.case == "precision_modes")
    out = []
    for mode, speed in speeds.items():
        r = copy.deepcopy(base)
        r.variant, r.device, r.outcome, r.observed, r.agrees, r.notes = mode, device, "completed", "ok", True, []
        r.env = {**r.env, "device": device}
        r.metrics = {"samples_per_s": speed, "mfu": speed / 10000, "compile_and_warmup_s": 12.0,
                     "final_loss": 0.4}
        out.append(r)
    return out


def test_precision_modes_table_ratios_to_fp32_of_the_same_file_and_environment(reference, tmp_path):
    speeds = {"fp32": 1000.0, "mixed_float16": 1850.0, "xla": 1400.0, "mixed_xla": 2600.0, "tuned": 3300.0}
    first = _write(tmp_path / "a.jsonl", _precision_records(reference, speeds))
    second = _write(tmp_path / "b.jsonl", _precision_records(reference, {"fp32": 500.0, "tuned": 2000.0}))
    lonely = _write(tmp_path / "c.jsonl", _precision_records(reference, {"tuned": 900.0}))
    tables = dict(ratio_tables(load_files([first, second, lonely], cases),
                                cases.get("precision_modes")))
    a = next(t for (_, name), t in tables.items() if name.endswith("a.jsonl")).set_index("variant")
    assert list(a.index) == list(speeds)
    assert a.loc["mixed_float16", "× fp32"] == "×1.85" and a.loc["tuned", "× fp32"] == "×3.30"
    assert a.loc["fp32", "× fp32"] == "×1.00" and a.loc["tuned", "MFU"] == "33%"
    b = next(t for (_, name), t in tables.items() if name.endswith("b.jsonl")).set_index("variant")
    assert b.loc["tuned", "× fp32"] == "×4.00"  # its own file's fp32, not a.jsonl's
    c = next(t for (_, name), t in tables.items() if name.endswith("c.jsonl")).set_index("variant")
    assert c.loc["tuned", "× fp32"] == "–"
    page = write_report([first, second], tmp_path / "rep", cases)[0].read_text()
    assert "×1.85" in page and "Ratios to a baseline" in page  # one case: its sections on the front page


# --- issue 11: the chapter as a reader meets it --------------------------------------------------------

WALK = [  # (variant, says, claim, observed, error message or None, metrics)
    ("script_as_printed", "the script as printed", "no_gradients", "data_error",
     "Column labels not found in dataset!", {}),
    ("collator_pads_and_renames", "the data step made to run", "no_gradients", "plateau", None,
     {"final_loss": 1.1, "val_accuracy": 0.33}),
    ("num_labels_3", "num_labels=3", "plateau", "plateau", None, {"final_loss": 1.09, "val_accuracy": 0.34}),
    ("adam_5e-5", "Adam(5e-5)", "ok", "ok", None, {"final_loss": 0.17, "val_accuracy": 1.0}),
]


def _walkthrough(reference: list[RunRecord], device: str = "cpu") -> list[RunRecord]:
    base = next(r for r in reference if r.case == "labels_in_dict_keras_loss")
    out = []
    for variant, says, claim, observed, message, metrics in WALK:
        r = copy.deepcopy(base)
        r.case, r.variant, r.says, r.claim, r.observed = "chapter_walkthrough", variant, says, claim, observed
        r.agrees, r.device, r.metrics, r.notes = claim == observed, device, metrics, []
        r.error = {"type": "ValueError", "message": message} if message else None
        r.outcome = "error" if message else "completed"
        out.append(r)
    return out


def test_walkthrough_strip_one_row_per_step_in_order(reference, tmp_path, monkeypatch):
    import cases

    # where the report does not know the case (records of a newer fitbench), the steps keep the records' order
    monkeypatch.setattr(cases, "CASE_IDS", tuple(c for c in cases.CASE_IDS if c != "chapter_walkthrough"))
    records = _walkthrough(reference)
    [(env, table, css)] = strip_tables(ctx(records), "chapter_walkthrough")
    assert [row.split(":")[0] for row in table["step"]] == [f"{n}. {v[0]}" for n, v in enumerate(WALK, 1)]
    assert table["step"][0] == "1. script_as_printed: the script as printed"
    assert table["what you see today"][0] == "data_error: ValueError: Column labels not found in dataset!"
    assert table["what you see today"][3] == "ok: final loss 0.170, val accuracy 1.00"
    assert list(table["what the chapter says"]) == [w[2] for w in WALK]
    assert list(table["agree"]) == ["✗", "✗", "✓", "✓"] and list(css["agree"]) == ["bad", "bad", "ok", "ok"]
    monkeypatch.undo()  # the page: a case feeds the strip because its spec says so (sections=("strip",))
    page = write_report([_write(tmp_path / "w.jsonl", records)], tmp_path / "rep", cases)[0].read_text()
    assert "Reading the chapter as a reader" in page and "1. script_as_printed: the script as printed" in page


def test_report_leaves_no_folder_when_its_state_file_is_corrupt(reference, tmp_path):
    from harness.results.records import CorruptResults

    out = tmp_path / "rep"
    out.mkdir()
    (out / "warnings_seen.json").write_text("[1, 2")
    with pytest.raises(CorruptResults, match="warnings_seen.json"):
        write_report([REFERENCE], out, cases)
    assert sorted(p.name for p in out.iterdir()) == ["warnings_seen.json"]



def test_walkthrough_steps_follow_the_spec_not_the_file(reference, monkeypatch):
    import types

    import cases

    spec = types.SimpleNamespace(id="chapter_walkthrough",
                                 variants=[types.SimpleNamespace(name=w[0]) for w in WALK])
    real_get = cases.get
    monkeypatch.setattr(cases, "CASE_IDS", (*[c for c in cases.CASE_IDS if c != "chapter_walkthrough"],
                                            "chapter_walkthrough"))
    monkeypatch.setattr(cases, "get", lambda case_id: spec if case_id == "chapter_walkthrough" else real_get(case_id))
    records = _walkthrough(reference)
    [(_, table, _)] = strip_tables(ctx(records[2:] + records[:2]), "chapter_walkthrough")
    assert [row.split(":")[0] for row in table["step"]] == [f"{n}. {v[0]}" for n, v in enumerate(WALK, 1)]


def test_the_preamble_comes_first_on_the_front_page(reference, tmp_path):
    """The night's news (harness/releases/news.py hands it over as the preamble) is the first thing read."""
    news = ("New releases tonight", [{"kind": "p", "text": "Tonight's releases: tensorflow 2.22.0"}])
    written = write_report([REFERENCE], tmp_path / "rep", cases, preamble=[news])
    page, md = written[0].read_text(), written[1].read_text()
    # the news is the lead (above the contents) and replaces the report's own "What changed"
    assert re.findall(r'<section id="([^"]+)"', page)[:2] == ["new-releases-tonight", "at-a-glance"]
    assert page.index('class="lead"') < page.index('<nav class="toc">')
    assert re.findall(r"^## (.+)$", md, flags=re.M)[:2] == ["New releases tonight", "At a glance"]
    assert "Tonight's releases: tensorflow 2.22.0" in md


# issue 33: readable environments, honest timings, cells to hover

def test_the_environments_page_is_a_table_not_json(reference, tmp_path):
    sections = environments.page_sections(ctx(reference, tmp_path))
    tables = [b for s in sections for b in s[1] if b["kind"] == "table" and "what" in b["df"].columns]
    assert tables and not [b for s in sections for b in s[1] if b["kind"] == "pre"]
    rows = dict(zip(tables[0]["df"]["what"], tables[0]["df"]["value"]))
    versions = reference[0].env["versions"]
    assert rows["tensorflow"] == versions["tensorflow"] and rows["transformers"] == versions["transformers"]
    assert list(tables[0]["df"]["what"])[:2] == ["tensorflow", "tf-keras"]  # the column's libraries first


def test_single_run_timings_are_greyed_and_say_why(reference, tmp_path):
    from harness.report.sections.optimizers import case_section

    spec = next(c for c in cases.all_cases() if "optimizers" in c.sections)
    section = case_section(ctx(reference, tmp_path).subset(spec.id))
    table = next(b for b in section[1] if b["kind"] == "table")
    once = table["df"]["repeats"] == "1"
    assert once.all()  # the reference run: one run of each
    assert (table["css"]["step s (median)"] == "num muted").all()
    assert (table["css"]["variant"] == "").all()  # only the timings
    assert any("not a measurement" in b.get("text", "") for b in section[1])


def test_the_front_matrix_cells_have_a_tooltip(reference, tmp_path):
    from harness.report.sections.matrix import matrix_block

    block, _ = matrix_block(ctx(reference, tmp_path), compact=True)
    failing = [(i, j) for i in range(block["df"].shape[0]) for j in range(block["df"].shape[1])
               if block["css"].iat[i, j] == "bad"]
    assert failing and all(block["titles"].iat[i, j] for i, j in failing)
    assert all(len(t) <= 200 for t in block["titles"].values.ravel())
