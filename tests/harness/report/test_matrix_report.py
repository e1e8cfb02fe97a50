"""The report at matrix scale, rendered from the committed records of the 10-environment matrix
(results/asv-matrix/records-all/) and of the GPU runs (H200, H100): a front page and a Markdown summary that stay
small, no picture beyond 2,500 px, a table of contents, anchors per case and per environment that the matrix's links
reach, every column titled with its whole identity, environments that cannot run fitbench apart and counted
nowhere, errors said once; and a report over one case that is about that case only. Rendered once per module (no
TensorFlow): the matrix takes about half a minute."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

import cases
from harness.report import write_report
from harness.report.names import short_hardware
from harness.results.groups import hardware, keras_part
from harness.results.reading import read_records
from tests.conftest import ROOT

MATRIX = sorted((ROOT / "results" / "asv-matrix" / "records-all").glob("*.jsonl"))
GPU = [*sorted((ROOT / "results" / "reference" / "gpu-h200-2026-11-26").glob("*.jsonl")),
       ROOT / "results" / "reference" / "gpu-h100-2026-11-27" / "gpu.jsonl"]
LIMIT_KB, MAX_PX = 100, 2500


@pytest.fixture(scope="module")
def matrix(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("matrix") / "report"
    return out, write_report(MATRIX, out, cases)


@pytest.fixture(scope="module")
def gpu(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("gpu") / "report"
    return out, write_report(GPU, out, cases)


def _ids(html: str) -> set[str]:
    return set(re.findall(r' id="([^"]+)"', html))


def test_front_page_and_summary_stay_small_and_no_picture_is_huge(matrix, gpu):
    for out, written in (matrix, gpu):
        assert (out / "index.html").stat().st_size <= LIMIT_KB * 1024
        assert (out / "report.md").stat().st_size <= LIMIT_KB * 1024
        pngs = [p for p in written if p.suffix == ".png"]
        assert pngs
        for png in pngs:
            width, height = Image.open(png).size
            assert width <= MAX_PX and height <= MAX_PX, (png.name, width, height)


def test_table_of_contents_and_anchors_that_links_reach(matrix):
    out, written = matrix
    front = (out / "index.html").read_text()
    toc = front[front.index('<nav class="toc">'):front.index("</nav>")]
    for anchor in re.findall(r'<h2 id="([^"]+)"', front):
        assert f'href="#{anchor}"' in toc
    cases = {r.case for r in read_records(MATRIX)}
    assert {f"case-{c}.html" for c in cases} <= {p.name for p in written}
    pages = {p.name: p.read_text() for p in written if p.suffix in (".html", ".md")}
    for page, text in pages.items():  # every link into this report reaches an anchor that exists there
        for target, anchor in re.findall(r'(?:href="|\]\()((?:case-[\w-]+|environments|index)\.(?:html|md))#([\w-]+)',
                                         text):
            assert anchor in _ids(pages[target]) | set(re.findall(r'<a id="([^"]+)"', pages[target])), \
                (page, target, anchor)
    assert {f"env-{n}" for n in range(1, 11)} <= _ids(front) and {f"env-{n}" for n in range(1, 11)} <= \
        _ids(pages["environments.html"])
    summary = pages["report.md"]
    assert summary.count("<a id=") >= 10 and "**Contents:**" in summary and "(#at-a-glance)" in summary


def test_every_column_title_carries_the_whole_identity(matrix):
    out, _ = matrix
    front = (out / "index.html").read_text()
    matrix_table = front[front.index('id="compatibility-matrix"'):]
    headers = re.findall(r"<th>([^<]*)</th>", matrix_table[:matrix_table.index("</tr>")])[1:]
    identities = {}
    for r in read_records(MATRIX):
        v = r.env["versions"]
        identities[(v["tensorflow"], keras_part(v), v["transformers"])] = (
            f"TF {v['tensorflow']}", keras_part(v), f"tr {v['transformers']}", r.device,
            short_hardware(hardware(r)))
    assert len(headers) == 7  # the 7 environments where fitbench runs
    for header in headers:
        assert sum(all(part in header for part in parts) for parts in identities.values()) == 1, header
    assert len({h.split(" · ", 1)[1] for h in headers}) == len(headers)  # no two titled alike


def test_environments_that_cannot_run_are_apart_and_counted_nowhere(matrix):
    out, _ = matrix
    front = (out / "index.html").read_text()
    glance = front[front.index('id="at-a-glance"'):front.index('id="compatibility-matrix"')]
    apart = glance[glance.index("Environments where fitbench cannot run"):]
    for label, why in (("E1", "keras.saving.hdf5_format"), ("E6", "Keras cannot be imported"),
                       ("E10", "no attribute TFDistilBertForSequenceClassification")):
        assert re.search(rf'<tr id="env-{label[1:]}"><td>{label}</td>.*{re.escape(why)}', apart), label
        assert f"<td>{label}</td>" not in glance[:glance.index("Environments where fitbench cannot run")]
    assert "112 of 118 fixes work" in glance and "3 cannot run fitbench" in glance
    assert "fix fails: unsupported" not in front  # was 68 cells, and "112 of 180 fixes work"
    matrix_head = front[front.index('id="compatibility-matrix"'):]
    matrix_head = matrix_head[:matrix_head.index("</tr>")]
    assert not re.search(r"<th>E(1|6|10) · ", matrix_head)


def test_errors_are_said_once_with_their_informative_line(matrix):
    out, _ = matrix
    front = (out / "index.html").read_text()
    errors = front[front.index("<table>", front.index('id="errors-by-root-cause"')):]
    rows = re.findall(r"<tr><td>([^<]+)</td>", errors)
    assert rows and len(rows) == len(set(rows))
    assert "Graph execution error" not in errors and "Received a label value of 2" in errors


def test_gpu_records_of_two_cards_are_two_columns(gpu):
    out, _ = gpu
    front = (out / "index.html").read_text()
    glance = front[front.index('id="at-a-glance"'):front.index("</table>", front.index('id="at-a-glance"'))]
    assert "gpu · NVIDIA H200 140 GiB" in glance and "gpu · NVIDIA H100 80GB HBM3 80 GiB" in glance
    assert "oom ×2" not in front


def test_a_report_over_one_case_is_about_that_case(tmp_path):
    lines = [line for path in MATRIX for line in path.read_text().splitlines() if '"case": "initial_loss"' in line]
    path = tmp_path / "initial_loss.jsonl"
    path.write_text("\n".join(lines) + "\n")
    written = write_report([path], tmp_path / "rep", cases)
    assert not [p for p in written if p.name.startswith("case-")]  # one page: nothing to link away to
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "init 1.101 vs ln 3 1.099" in md  # the case's key number, as the terminal shows it
    sections = re.findall(r"^## (.+)$", md, flags=re.M)
    assert sections[:4] == ["What changed", "At a glance", "What happened", "Every record: key numbers, error, notes"]
    for absent in ("No records of", "Loss curves", "Optimizers", "Ratios", "Reading the chapter", "adam_default_lr"):
        assert absent not in md
