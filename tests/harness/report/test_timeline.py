"""The report's timeline: symptom by library version, one band per other-library pin (and hardware); its picture
is the case's symptom grid (cells, not lines across categories)."""
from __future__ import annotations

from pathlib import Path

import cases
from harness.report.common import Context
from harness.report.grid import grid_cells, grid_figure
from harness.report.sections.timeline import band, case_section, pick_axis, table_block
from harness.results.records import RunRecord


def context(records: list[RunRecord], out: Path) -> Context:
    return Context([Path("x.jsonl")], {Path("x.jsonl"): records}, out)


def rec(transformers: str, tf: str, observed: str, keras: str | None = None, variant: str = "labels_in_dict"):
    env = {"versions": {"transformers": transformers, "tensorflow": tf}}
    if keras:
        env["keras"] = {"driven": keras}
    error = {"type": "AttributeError", "message": "no expand_1d"} if observed == "error" else None
    return RunRecord(case="labels_in_dict_keras_loss", variant=variant, role="broken", device="cpu",
                     claim="no_gradients", says="", observed=observed, agrees=False, fix_works=None,
                     outcome="completed", env=env, error=error)


RECORDS = [rec("4.24.0", "2.12.1", "error", "tf.keras (keras 2.12.0)"),
           rec("4.30.0", "2.12.1", "plateau", "tf.keras (keras 2.12.0)"),
           rec("4.27.0", "2.12.1", "plateau", "tf.keras (keras 2.12.0)"),
           rec("4.57.6", "2.21.0", "plateau", "tf-keras 2.21.0")]


def test_axis_is_the_library_that_varies_most():
    assert pick_axis(RECORDS) == "transformers"
    assert pick_axis(RECORDS[:1]) is None


def test_band_names_the_pin_and_the_keras_it_drives():
    assert band(RECORDS[0], "transformers") == "TF 2.12.1 (Keras 2 inside TF) · cpu · unknown"
    tf216 = rec("4.40.2", "2.16.1", "unsupported")
    assert band(tf216, "transformers") == "TF 2.16.1 without tf-keras · cpu · unknown"
    tf216.env["versions"]["tf-keras"] = "2.16.0"
    tf216.env["cpu"] = "Intel(R) Xeon(R) CPU @ 2.20GHz"
    assert band(tf216, "transformers") == "TF 2.16.1 + tf-keras 2.16.0 · cpu · Intel Xeon @ 2.20GHz"
    assert band(RECORDS[0], "tensorflow") == "transformers 4.24.0 · cpu · unknown"


def test_table_orders_versions_and_marks_changes():
    block = table_block(RECORDS, "transformers", "labels_in_dict_keras_loss")
    df = block["df"]
    assert list(df.columns) == ["transformers 4.24.0", "transformers 4.27.0", "transformers 4.30.0",
                                "transformers 4.57.6"]
    row = df.loc["labels_in_dict · TF 2.12.1 (Keras 2 inside TF) · cpu · unknown"]
    assert list(row) == ["error (AttributeError)", "→ plateau", "plateau", ""]
    assert block["css"].loc["labels_in_dict · TF 2.12.1 (Keras 2 inside TF) · cpu · unknown"].iloc[0] == "bad"


def test_the_section_is_a_table_and_its_picture_a_grid_of_cells(tmp_path):
    name, blocks = case_section(context(RECORDS, tmp_path))
    assert name == "Timeline by transformers version"
    assert [b["kind"] for b in blocks] == ["p", "table"]
    assert case_section(context(RECORDS[:1], tmp_path)) is None  # one version of everything: no timeline
    variants, columns, cells = grid_cells(context(RECORDS, tmp_path), "labels_in_dict_keras_loss")
    assert variants == ["labels_in_dict"] and len(columns) == 4
    assert cells[("labels_in_dict", columns[0].key)] == ("error", "✗", "bad")  # symptom, mark, the verdict's colour
    fig = grid_figure(context(RECORDS, tmp_path), "labels_in_dict_keras_loss")
    assert not fig.axes[0].lines and not fig.axes[0].get_legend()  # cells with text, no lines, no legend
    assert any("plateau" in t.get_text() for t in fig.axes[0].texts)


def test_the_report_has_the_timeline_section(tmp_path):
    from harness.report import write_report

    path = tmp_path / "bisect.jsonl"
    path.write_text("".join(r.to_json() + "\n" for r in RECORDS))
    written = write_report([path], tmp_path / "rep", cases)
    md = (tmp_path / "rep" / "report.md").read_text()  # one case: its sections are on the front page
    assert "Timeline by transformers version" in md and "→ plateau" in md
    assert tmp_path / "rep" / "grid-labels_in_dict_keras_loss.png" in written
