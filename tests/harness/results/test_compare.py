"""`fitbench compare` on REAL records: two runs of one environment compare clean, a genuinely broken fix and a
20 % throughput cut are flagged (exit 1), bad input is one line and exit 2; noise is measured from repeats.

The real records come from `real_runs()`, through the real CLI: "a" and "b" are two passes of two initial_loss
variants (a check and a crash-free error record; symptoms and losses only, no timings), "fit" is one pass of
string_loss_on_logits (a broken variant and its fix, with throughput and memory), and "broken_fix" is that fix
run with shuffled labels: a fix that genuinely stops working. Two passes are compared for the "clean" test
on symptoms and loss numbers only, because single-run timings on a shared machine are not stable (the measured
false-alarm rate of timings is in the README). Everything is cached in pytest's cache
directory, keyed on the library versions and the source of cases/ and the run path of harness/, so only the
first session (or one after such a change) pays the ~1.5 minutes.
"""
from __future__ import annotations

import copy
import hashlib
import json
import shutil
from importlib import metadata
from pathlib import Path

import pytest

from harness.results.compare import compare_files, compare_records, render
from harness.results.noise import noise_threshold
from harness.results.records import RunRecord, read_records
from tests.conftest import ROOT, run_cli

PASSES = {"a": "initial_loss:correct,initial_loss:num_labels_2", "b": "initial_loss:correct,initial_loss:num_labels_2",
          "fit": "string_loss_on_logits"}
BROKEN_FIX = ("string_loss_on_logits", "fix_from_logits", {"shuffle_labels": True})
# what a run does not go through: editing these does not make the cached records stale
NOT_RUN_PATH = ("harness/report/", "harness/releases/", "harness/results/compare.py", "harness/results/noise.py",
                "harness/commands/report.py", "harness/commands/compare.py", "harness/commands/nightly.py",
                "harness/commands/bisect.py")


def _cache_key() -> str:
    h = hashlib.sha256(json.dumps(PASSES).encode())
    for name in ("tensorflow", "tf-keras", "transformers", "datasets"):
        h.update(f"{name}={metadata.version(name)}".encode())
    for path in sorted([*ROOT.glob("cases/*.py"), *ROOT.glob("harness/**/*.py")]):
        if not str(path.relative_to(ROOT)).startswith(NOT_RUN_PATH):
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _broken_fix_record(out: Path) -> None:
    """A fix that genuinely stops working: fix_from_logits trained on shuffled labels (plateau)."""
    import cases
    from harness.launch.runner import run_variant

    case_id, variant, overrides = BROKEN_FIX
    case = cases.get(case_id)
    record = run_variant(case, case.variant(variant), "cpu", overrides)
    out.write_text(record.to_json() + "\n")


def real_runs(request) -> dict[str, Path]:
    """{"a", "b", "fit", "broken_fix"}: files of real records, generated once and cached."""
    cache = getattr(request.config, "cache", None)
    base = Path(cache.mkdir("fitbench-real-records")) if cache else request.getfixturevalue("tmp_path_factory").mktemp("r")
    folder = base / _cache_key()
    paths = {name: folder / f"{name}.jsonl" for name in (*PASSES, "broken_fix")}
    if all(p.is_file() for p in paths.values()):
        return paths
    for stale in base.iterdir():  # records of older code or libraries: never read again
        if stale.is_dir() and stale != folder:
            shutil.rmtree(stale, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    for name, selection in PASSES.items():
        tmp = folder / f"{name}.partial"
        tmp.unlink(missing_ok=True)
        proc = run_cli("run", "--json", "--device", "cpu", "--cases", selection, "--out", str(tmp))
        assert proc.returncode == 0, proc.stderr[-2000:]
        tmp.rename(paths[name])
    _broken_fix_record(paths["broken_fix"])
    return paths


@pytest.fixture(scope="module")
def runs(request) -> dict[str, Path]:
    return real_runs(request)


def _write(path: Path, records: list[RunRecord]) -> Path:
    path.write_text("".join(r.to_json() + "\n" for r in records))
    return path


def test_two_real_runs_of_one_environment_compare_clean(runs):
    proc = run_cli("compare", str(runs["a"]), str(runs["b"]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "REGRESSIONS (0)" in proc.stdout and "changes (0)" in proc.stdout and "single repeat" in proc.stdout
    assert "initial_loss" in {m["metric"] for m in compare_files(runs["a"], runs["b"])["noise"]["metrics"]}


def test_a_genuinely_broken_fix_is_flagged(runs, tmp_path):
    broken = read_records([runs["broken_fix"]])[0]
    assert broken.fix_works is False and broken.observed != "ok"  # the run really failed to train
    current = [broken if (r.case, r.variant) == BROKEN_FIX[:2] else r for r in read_records([runs["fit"]])]
    proc = run_cli("compare", str(runs["fit"]), str(_write(tmp_path / "cur.jsonl", current)), "--json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    result = json.loads(proc.stdout)
    [item] = [i for i in result["regressions"] if i["variant"] == "fix_from_logits"]
    assert item["what"].startswith("fix stopped working") and item["baseline"] == "ok"
    assert item["current"] == broken.observed


def test_throughput_cut_by_20_percent_is_flagged(runs, tmp_path):
    current = read_records([runs["fit"]])
    for r in current:
        if r.metrics.get("samples_per_s"):
            r.metrics["samples_per_s"] *= 0.8
    proc = run_cli("compare", str(runs["fit"]), str(_write(tmp_path / "slow.jsonl", current)))
    assert proc.returncode == 1
    assert "samples_per_s" in proc.stdout and "-20.0%" in proc.stdout, proc.stdout


@pytest.mark.parametrize("problem", ["missing", "corrupt", "empty"])
def test_bad_input_is_one_line_on_stderr_and_exit_2(runs, tmp_path, problem):
    bad = tmp_path / "bad.jsonl"
    if problem == "corrupt":
        bad.write_text(runs["a"].read_text().splitlines()[0] + "\n{not json\n")
    elif problem == "empty":
        bad.write_text("")
    proc = run_cli("compare", str(runs["a"]), str(bad))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0], proc.stderr
    assert (":2:" in lines[0]) if problem == "corrupt" else True


def test_noise_is_measured_from_repeats_of_both_files(runs):
    fit = next(r for r in read_records([runs["fit"]]) if r.metrics.get("samples_per_s"))
    base, cur = [], []
    for scale, side in ((1.0, base), (1.3, base), (1.0, cur), (0.75, cur)):  # ±15 % spread in each file
        r = copy.deepcopy(fit)
        r.metrics["samples_per_s"] = fit.metrics["samples_per_s"] * scale
        side.append(r)
    result = compare_records(base, cur)
    [noise] = [m for m in result["noise"]["metrics"] if m["metric"] == "samples_per_s"]
    assert noise["n_baseline"] == noise["n_current"] == 2 and noise["mad_rel"] > 0.1
    assert noise["threshold"] > 0.3  # k=3 × MAD: the 24 % drop of the medians is within the measured noise
    assert not [i for i in result["regressions"] if i["what"] == "samples_per_s"]


def test_single_repeat_uses_the_floor_and_says_so():
    assert noise_threshold([100.0], [93.0]) == (0.05, None)
    assert noise_threshold([100.0], [93.0], floor=0.15) == (0.15, None)
    threshold, mad = noise_threshold([100.0, 102.0], [101.0, 99.0], k=3)
    assert mad is not None and threshold == pytest.approx(max(0.05, 3 * mad))


def test_broken_variants_quality_numbers_are_changes_not_regressions(runs):
    a = read_records([runs["fit"]])
    cur = copy.deepcopy(a)
    for r in cur:
        if r.role == "broken" and r.metrics.get("final_loss"):
            r.metrics["final_loss"] *= 1.5
    result = compare_records(a, cur)
    assert not result["regressions"]
    assert any(i["what"] == "final_loss" for i in result["changes"]), render(result)


def test_claim_that_stops_holding_and_environment_change(runs):
    a = read_records([runs["a"]])
    cur = copy.deepcopy(a)
    for r in cur:
        r.env["versions"]["transformers"] = "9.9.9"
        if r.variant == "num_labels_2":
            r.observed, r.agrees = "ok", False
    result = compare_records(a, cur)
    assert [i["what"] for i in result["changes"]][0] == "environment"
    [item] = result["regressions"]
    assert item["variant"] == "num_labels_2" and "claim stopped holding" in item["what"]


def test_lone_timing_within_the_unmeasured_timing_floor_is_not_a_regression(runs, tmp_path):
    """Single runs: samples/s 10 % lower is within the 15 % floor for timings (not measured), a loss is not."""
    current = read_records([runs["fit"]])
    for r in current:
        if r.metrics.get("samples_per_s"):
            r.metrics["samples_per_s"] *= 0.9
    result = compare_files(runs["fit"], _write(tmp_path / "slower.jsonl", current))
    assert not result["regressions"], result["regressions"]


def test_timings_of_runs_that_shared_the_machine_are_not_compared():
    """--jobs: a variant that ran beside others has a neighbour's work in its timings; compare leaves those
    out (and says how many), and still compares everything else."""
    def rec(samples, loss, alone):
        return RunRecord(case="c", variant="v", role="fix", device="cpu", claim="ok", says="", observed="ok",
                         agrees=True, fix_works=True, outcome="completed",
                         metrics={"samples_per_s": samples, "final_loss": loss, "ran_alone": alone})

    shared = compare_records([rec(1000.0, 0.30, True)], [rec(400.0, 0.90, False)])
    assert [i["what"] for i in shared["regressions"]] == ["final_loss"]  # quality is still compared
    assert shared["noise"]["beside_others"] == 1 and "beside_others" not in compare_records(
        [rec(1000.0, 0.3, True)], [rec(1000.0, 0.3, True)])["noise"]
    alone = compare_records([rec(1000.0, 0.30, True)], [rec(400.0, 0.30, True)])
    assert [i["what"] for i in alone["regressions"]] == ["samples_per_s"]
    assert "left out: those runs shared the machine" in render(shared)


def test_records_name_their_fitbench_and_compare_says_when_the_two_sides_differ(runs):
    """A moved timing between two fitbench versions may be fitbench's own: every record names its code, and
    compare says so where the sides differ — and says nothing where they are the same."""
    a = read_records([runs["a"]])
    assert all(len(r.env["fitbench"]["code"]) == 12 for r in a)  # the real worker wrote it
    assert "code" not in compare_records(a, copy.deepcopy(a))
    other = copy.deepcopy(a)
    for r in other:
        r.env["fitbench"] = {"code": "0123456789ab", "commit": "abc1234", "dirty": True}
    result = compare_records(a, other)
    assert result["code"]["current"] == ["abc1234+edits (code 0123456789ab)"]
    assert "fitbench itself differs" in render(result) and "abc1234+edits" in render(result)
    for r in other:
        del r.env["fitbench"]  # records written before they named their fitbench
    assert compare_records(a, other)["code"]["current"][0].startswith("unknown")
