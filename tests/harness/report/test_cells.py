"""The report's one colour language (harness/report/cells.py): a cell's colour is its verdict in the matrix, the
symptom grid (a picture) and the timeline alike. Issue 33: grid-keras3_optimizer_import.png showed green "✗ ok"
cells (colour = symptom) that the matrix beneath coloured red."""
from __future__ import annotations

from pathlib import Path

import matplotlib.colors as mcolors
import pytest

import cases
from harness.report.cells import COLOURS, cell
from harness.report.common import Context
from harness.report.load import load_files
from harness.report.grid import grid_cells, grid_figure
from harness.report.sections.timeline import table_block, timeline
from harness.results.groups import group_records
from tests.conftest import ROOT

MATRIX = sorted((ROOT / "results" / "asv-matrix" / "records-all").glob("*.jsonl"))
CASE = "keras3_optimizer_import"


@pytest.fixture(scope="module")
def ctx(tmp_path_factory) -> Context:
    paths = MATRIX
    return Context(paths, load_files(paths, cases), tmp_path_factory.mktemp("c"), {c.id: c for c in cases.all_cases()})


def test_the_grid_picture_colours_each_cell_as_the_matrix_does(ctx):
    groups = {(k[1], k[3]): g for k, g in group_records(r for r in ctx.records if r.case == CASE).items()}
    variants, columns, cells = grid_cells(ctx, CASE)
    fig = grid_figure(ctx, CASE)
    patches = {(round(p.get_x()), round(p.get_y())): p.get_facecolor() for p in fig.axes[0].patches}
    checked = 0
    for y, variant in enumerate(variants):
        for x, column in enumerate(columns):
            if (variant, column.key) not in groups:
                continue
            css = cell(groups[(variant, column.key)])[1]
            assert mcolors.to_hex(patches[(x, y)]) == COLOURS[css], (variant, column.label)
            checked += 1
    # the cells: "ok" observed where the chapter says otherwise is a red cell, not a green one
    red_ok = [k for k, (symptom, mark, css) in cells.items() if symptom == "ok" and mark == "✗"]
    assert red_ok and all(cells[k][2] == "bad" for k in red_ok)
    assert checked > 10


def test_the_timeline_colours_by_verdict_too(ctx):
    """Each timeline cell has its group's matrix class: a plateau the chapter predicts is green (it was amber: the
    colour of the symptom), an `ok` the chapter does not predict red."""
    records = [r for r in ctx.records if r.case == CASE]
    block = table_block(records, "transformers", CASE)
    lines = sorted((k, v) for k, v in timeline(records, "transformers").items() if k[0] == CASE)
    versions = [c.removeprefix("transformers ") for c in block["df"].columns]
    compared = 0
    for row, ((_, variant, pin), by_version) in enumerate(lines):
        for col, version in enumerate(versions):
            if version in by_version:
                assert block["css"].iat[row, col] == cell(by_version[version])[1], (variant, pin, version)
                compared += 1
    assert compared > 10
    assert any(cell(g)[1] == "bad" and g[0].observed == "ok" for v in dict(lines).values() for g in v.values())
