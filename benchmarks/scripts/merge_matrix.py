"""One report and one asv site from the results of several machines (the matrix's CI jobs, or `--shard`s).

    python benchmarks/scripts/merge_matrix.py SHARD_DIR... --out DIR [--publish]

Each SHARD_DIR is what one job uploaded: `records/*.jsonl` (FITBENCH_ASV_RECORDS) and `asv/<machine>/*.json`
(asv's results). The records are copied to DIR/records/<shard>/, asv's results into one DIR/asv/ (asv keeps
them per machine: two machines never write the same file), and `fitbench report` is built over every record
(DIR/report/): the report keeps each machine's environments apart, by versions, device and, where the records
name one, the machine (FITBENCH_MACHINE). With --publish, `asv publish` builds the dashboard in DIR/html/.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def merge(shards: list[Path], out: Path) -> list[Path]:
    """Copy every shard's records and asv results under `out`; returns the records files."""
    records = []
    for shard in shards:
        for path in sorted((shard / "records").glob("*.jsonl")):
            dest = out / "records" / shard.name / path.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
            records.append(dest)
        for path in sorted((shard / "asv").rglob("*.json")):
            dest = out / "asv" / path.relative_to(shard / "asv")
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.exists() and dest.read_bytes() != path.read_bytes() and path.name != "benchmarks.json":
                raise SystemExit(f"merge_matrix: {dest.relative_to(out)} differs between two shards: two machines "
                                 f"with one name ran the same environment (name them apart: asv machine --machine)")
            shutil.copyfile(path, dest)
    return records


def publish(out: Path) -> int:
    """`asv publish` over the merged results, with the matrix's config pointed at them."""
    from benchmarks.scripts import asv_matrix

    conf = asv_matrix.config(list(asv_matrix.ENVIRONMENTS), gpu=False, relative_to=ROOT)
    conf.update(results_dir=str((out / "asv").resolve()), html_dir=str((out / "html").resolve()))
    with tempfile.NamedTemporaryFile("w", suffix=".conf.json", dir=ROOT, delete=False) as f:
        json.dump(conf, f)
    try:
        return subprocess.call([sys.executable, "-m", "asv", "publish", "--config", f.name], cwd=ROOT)
    finally:
        Path(f.name).unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shards", nargs="+", type=Path, help="folders of the jobs' results")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--publish", action="store_true", help="also build asv's dashboard (DIR/html)")
    args = parser.parse_args(argv)
    missing = [s for s in args.shards if not s.is_dir()]
    if missing:
        parser.error(f"no such folder: {missing[0]}")
    records = merge(args.shards, args.out)
    if not records:
        parser.error("no records in these folders (records/*.jsonl)")
    from harness.report import write_report

    import cases

    for path in write_report(records, args.out / "report", cases):
        print(path)
    return publish(args.out) if args.publish else 0


if __name__ == "__main__":
    raise SystemExit(main())
