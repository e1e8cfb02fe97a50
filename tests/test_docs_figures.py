"""Every figure in README.md and docs/ points at the committed file that backs it: this walks the docs for the
files they cite — paths written as `results/...`, `benchmarks/...`, `docs/...` (in prose, code spans or code
blocks) and relative links — and fails on one that is not in the checkout.

A path with a wildcard (`*`, `…`) or a placeholder (`gpu-<card>-<date>/`) must match at least one file. Places
fitbench writes to at run time (git-ignored, like `results/runs/`, or named below) are outputs, not evidence."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# a path starts at a word boundary (not inside /tmp/x/results/..., not in a URL) and ends at space, quote, bracket
PATH = re.compile(r"(?<![\w/.~-])((?:results|benchmarks|docs)/[^\s`'\"()\[\]<>{},;:|]*)")
LINK = re.compile(r"\]\(([^)\s]+)\)")
# what `fitbench nightly` writes where a team's checkout keeps it, not committed files (docs/nightly.md)
RUNTIME_FILES = {"results/baseline.jsonl", "results/nightly.log"}


def references(text: str) -> list[tuple[int, str]]:
    """(line number, path or glob relative to the root) for each `results|benchmarks|docs/...` path in `text`."""
    found = []
    for n, line in enumerate(text.splitlines(), 1):
        for m in PATH.finditer(line):
            path = m.group(1).rstrip(".").replace("…", "*")
            rest = line[m.end():]
            # a placeholder (`gpu-<card>`) or a path wrapped onto the next line inside a code span: a prefix
            if rest.startswith(("<", "{")) or (not rest.strip() and line[:m.start()].count("`") % 2 == 1):
                path += "*"
            found.append((n, path))
    return found


def links(text: str) -> list[tuple[int, str]]:
    """(line number, target) of each relative Markdown link (no URL, no in-page anchor)."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        for m in LINK.finditer(line):
            target = m.group(1).split("#")[0]
            if target and not re.match(r"[a-z]+:", target):
                out.append((n, target))
    return out


def _ignored(path: str) -> bool:
    plain = path.split("*")[0].rstrip("/") or path
    # a folder's own pattern (`/results/runs/`) matches what is inside it, whether or not it exists here
    probe = subprocess.run(["git", "check-ignore", "--no-index", plain, f"{plain}/x"], cwd=ROOT,
                           capture_output=True)
    return probe.returncode == 0 or plain in RUNTIME_FILES


def _exists(base: Path, path: str) -> bool:
    if "*" in path:
        return any(base.glob(path.rstrip("/")))
    return (base / path).exists()


def missing(doc: Path, root: Path = ROOT) -> list[str]:
    """Each cited path of `doc` that is not in the checkout under `root`, as 'doc:line: path'."""
    text = doc.read_text()
    out = [f"{doc.name}:{n}: {p}" for n, p in references(text) if not _exists(root, p) and not _ignored(p)]
    out += [f"{doc.name}:{n}: link {t}" for n, t in links(text) if not _exists(doc.parent, t)]
    return out


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.relative_to(ROOT).as_posix())
def test_every_cited_file_is_committed(doc):
    assert missing(doc) == []


def test_the_walk_finds_paths_in_prose_spans_blocks_and_links_and_names_the_missing_ones(tmp_path):
    (tmp_path / "results/run-1").mkdir(parents=True)
    (tmp_path / "results/run-1/a.jsonl").write_text("{}\n")
    (tmp_path / "docs").mkdir()
    doc = tmp_path / "docs/page.md"
    doc.write_text("\n".join([
        "measured in `results/run-1/a.jsonl` and results/run-1/gone.jsonl.",   # 1: one missing, in prose
        "```bash",
        "python benchmarks/scripts/nothing.py results/run-1/a.jsonl --out /tmp/x/results/ignored",  # 3
        "```",
        "see [the records](../results/run-1/) and [that](../results/run-2/README.md), "
        "[web](https://example.org/docs/x.md), [here](#top)",               # 5: one missing link
        "the runs `results/run-*/a.jsonl`, `results/run-<n>/`, not `results/other-*/`",   # 6: one glob unmatched
        "written to `results/runs/latest.jsonl` (an output)",
    ]))
    assert missing(doc, root=tmp_path) == [
        "page.md:1: results/run-1/gone.jsonl", "page.md:3: benchmarks/scripts/nothing.py",
        "page.md:6: results/other-*/", "page.md:5: link ../results/run-2/README.md"]
