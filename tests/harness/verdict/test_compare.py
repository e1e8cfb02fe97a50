"""`fitbench compare` on REAL records: two runs of one environment compare clean; a genuinely broken fix breaks
(exit 1); a 20 % throughput cut is a suspect, never a verdict by itself (exit 0); bad input is one line and exit 2;
the committed matrix and GPU records give the verdicts a team must be able to trust.

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

import cases
from harness.results.records import RunContext, RunRecord
from harness.results.reading import read_records
from harness.verdict.compare import compare_files, compare_records
from harness.verdict.findings import BREAKS, HEALS, NEW, NOT_RUN, RETIRED, SUSPECT
from harness.verdict.render import render
from tests.conftest import ROOT, run_cli

PASSES = {"a": "initial_loss:correct,initial_loss:num_labels_2", "b": "initial_loss:correct,initial_loss:num_labels_2",
          "fit": "string_loss_on_logits"}
BROKEN_FIX = ("string_loss_on_logits", "fix_from_logits", {"shuffle_labels": True})
# what a run does not go through: editing these does not make the cached records stale
NOT_RUN_PATH = ("harness/report/", "harness/releases/", "harness/verdict/", "harness/doctor/",
                "harness/commands/report.py", "harness/commands/compare.py", "harness/commands/nightly.py",
                "harness/commands/bisect.py", "harness/commands/doctor.py")
MATRIX = ROOT / "results" / "asv-matrix" / "records-all"


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


REAL_RUNS = pytest.StashKey[dict[str, Path]]()


def real_runs(request) -> dict[str, Path]:
    """{"a", "b", "fit", "broken_fix"}: files of real records, generated once and cached. Once a session even
    without pytest's cache (`-p no:cacheprovider`, a fresh clone's CI): four modules read them (compare, report,
    confirm, the nightly), and each made its own before, ~1.5 min of training apiece."""
    made = request.config.stash.get(REAL_RUNS, None)
    if made is not None and all(p.is_file() for p in made.values()):
        return made
    request.config.stash[REAL_RUNS] = paths = _make_real_runs(request)
    return paths


def _make_real_runs(request) -> dict[str, Path]:
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


def test_the_real_runs_are_made_once_a_session(runs, request):
    """Another module's call (report, confirm, the nightly) gets these very files, not a training of its own."""
    again = real_runs(request)
    assert again is runs and all(p.is_file() and p.stat().st_size for p in again.values())


def test_two_real_runs_of_one_environment_compare_clean(runs):
    proc = run_cli("compare", str(runs["a"]), str(runs["b"]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "BEHAVIOUR" not in proc.stdout and "COVERAGE" not in proc.stdout
    assert proc.stdout.strip().splitlines()[-1].startswith("verdict: exit 0: nothing regressed")
    assert compare_files(runs["a"], runs["b"]).noise["compared"] > 0  # numbers were compared, not skipped


def test_a_genuinely_broken_fix_breaks_and_fails_with_its_reason(runs, tmp_path):
    broken = read_records([runs["broken_fix"]])[0]
    assert broken.fix_works is False and broken.observed != "ok"  # the run really failed to train
    current = [broken if (r.case, r.variant) == BROKEN_FIX[:2] else r for r in read_records([runs["fit"]])]
    proc = run_cli("compare", str(runs["fit"]), str(_write(tmp_path / "cur.jsonl", current)), "--json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    result = json.loads(proc.stdout)
    [item] = result["behaviour"]
    assert item["direction"] == BREAKS and item["variants"] == ["string_loss_on_logits:fix_from_logits"]
    assert item["what"] == f"ok → {broken.observed}" and item["regression"] is True
    assert "the fix stops working" in item["chapter"] and "final loss" in item["reason"]
    assert result["exit_code"] == 1 and result["summary"].startswith("exit 1: 1 behaviour regression")


def test_a_throughput_cut_is_a_suspect_never_a_verdict_by_itself(runs, tmp_path):
    current = read_records([runs["fit"]])
    for r in current:
        if r.metrics.get("samples_per_s"):
            r.metrics["samples_per_s"] *= 0.8
    proc = run_cli("compare", str(runs["fit"]), str(_write(tmp_path / "slow.jsonl", current)))
    assert proc.returncode == 0, proc.stdout
    line = next(x for x in proc.stdout.splitlines() if "samples_per_s" in x)
    assert line.strip().startswith("suspect") and "-20.0%" in line and "regression" in line


@pytest.mark.parametrize("problem", ["missing", "corrupt", "empty", "folder without records"])
def test_bad_input_is_one_line_on_stderr_and_exit_2(runs, tmp_path, problem):
    bad = tmp_path / "bad.jsonl"
    if problem == "corrupt":
        bad.write_text(runs["a"].read_text().splitlines()[0] + "\n{not json\n")
    elif problem == "empty":
        bad.write_text("")
    elif problem == "folder without records":
        bad = tmp_path / "asv-results"
        bad.mkdir()
        (bad / "machine.json").write_text("{}")
    proc = run_cli("compare", str(runs["a"]), str(bad))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0], proc.stderr
    assert (":2:" in lines[0]) if problem == "corrupt" else True


@pytest.mark.parametrize("option", [["--k", "-1"], ["--k", "nan"], ["--rounds", "2"], ["--budget", "0"],
                                    ["--max-variants", "0"], ["--confirm-target", "0"], ["--confirm-target", "2"],
                                    ["--confirm-budget", "inf"], ["--confirm-rounds", "51"]])
def test_options_out_of_range_are_exit_2_before_anything_runs(runs, option):
    proc = run_cli("compare", str(runs["a"]), str(runs["b"]), *option)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert option[0] in proc.stderr and not proc.stdout


def test_a_folder_of_records_is_read_and_two_unrelated_files_are_exit_2(runs, tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "machine.json").write_text("{}")  # an asv results folder's own files are not records
    (folder / "a.jsonl").write_text(runs["a"].read_text())
    assert run_cli("compare", str(folder), str(runs["b"])).returncode == 0
    proc = run_cli("compare", str(runs["a"]), str(runs["fit"]))
    assert proc.returncode == 2 and "share no (case, variant, device)" in proc.stderr


def test_noise_is_measured_from_repeats_of_both_files(runs):
    fit = next(r for r in read_records([runs["fit"]]) if r.metrics.get("samples_per_s"))
    base, cur = [], []
    for scale, side in ((1.0, base), (1.3, base), (1.0, cur), (0.75, cur)):  # ±15 % spread in each file
        r = copy.deepcopy(fit)
        r.metrics["samples_per_s"] = fit.metrics["samples_per_s"] * scale
        side.append(r)
    verdict = compare_records(base, cur)
    assert not [f for f in verdict.performance if f.metric == "samples_per_s"]  # within 3 × the measured MAD


def test_broken_variants_quality_numbers_are_changes_not_regressions(runs):
    a = read_records([runs["fit"]])
    cur = copy.deepcopy(a)
    for r in cur:
        if r.role == "broken" and r.metrics.get("final_loss"):
            r.metrics["final_loss"] *= 1.5
    verdict = compare_records(a, cur)
    [f] = [f for f in verdict.performance if f.metric == "final_loss"]
    assert f.direction == "change" and not f.regression and verdict.exit_code == 0


def test_the_users_direction_and_the_chapters_side_by_side(runs):
    """A claim that starts or stops holding is said beside what it means for code written that way."""
    a = read_records([runs["a"]])
    cur = copy.deepcopy(a)
    for r in cur:
        r.env["versions"]["transformers"] = "9.9.9"
        if r.variant == "num_labels_2":  # the bug no longer bites: the broken variant trains
            r.observed, r.agrees, r.error = "ok", False, None
    verdict = compare_records(a, cur)
    assert verdict.environments and "transformers 9.9.9" in verdict.environments[0][1]
    [f] = verdict.behaviour
    assert f.direction == HEALS and f.variants == ["initial_loss:num_labels_2"] and not f.regression
    assert f.chapter == "the bug no longer bites; the chapter's claim (label_out_of_range) no longer holds"
    assert f.reason.startswith("it failed with: InvalidArgumentError") and verdict.exit_code == 0


def test_one_root_cause_is_one_finding_with_its_line(runs):
    a = read_records([runs["a"]]) + read_records([runs["fit"]])
    cur = copy.deepcopy(a)
    for r in cur:
        r.observed, r.agrees, r.outcome = "error", False, "error"
        r.error = {"type": "RuntimeError", "message": "Failed to import transformers.models.distilbert: No module "
                                                      "named 'keras.saving.hdf5_format'"}
    verdict = compare_records(a, cur)
    [f] = verdict.behaviour
    assert f.direction == BREAKS and len(f.variants) == 4
    assert f.reason == "RuntimeError: Failed to import transformers.models.distilbert: No module named " \
                       "'keras.saving.hdf5_format'"
    assert render(verdict).count("hdf5_format") == 1


def test_coverage_lost_is_a_regression_and_a_selection_compares_only_itself(runs):
    a = read_records([runs["fit"]])
    fewer = [r for r in a if r.variant != "fix_from_logits"]
    verdict = compare_records(a, fewer, defined=cases.defines)
    [f] = verdict.coverage
    assert (f.direction, f.variants) == (NOT_RUN, ["string_loss_on_logits:fix_from_logits"])
    assert verdict.exit_code == 1 and "COVERAGE LOST (1 variants)" in render(verdict)
    assert verdict.summary() == "exit 1: coverage lost (1 variant not run)"  # counted as coverage, not behaviour
    assert compare_records(a, fewer, defined=cases.defines, only=[("string_loss_on_logits", "string_loss")]
                           ).exit_code == 0
    retired = compare_records(a, fewer, defined=lambda c, v: v != "fix_from_logits")
    assert [f.direction for f in retired.coverage] == [RETIRED] and retired.exit_code == 0
    assert [f.direction for f in compare_records(fewer, a).coverage] == [NEW]


def test_hardware_is_part_of_identity_gpu_records_of_two_cards(runs):
    h200 = [p for p in (ROOT / "results/reference/gpu-h200-2026-11-26").glob("*.jsonl")]
    h100 = ROOT / "results/reference/gpu-h100-2026-11-27/gpu.jsonl"
    verdict = compare_records(read_records(h200), read_records([h100]))
    assert not verdict.performance  # H200 vs H100: no timing or memory finding
    assert verdict.hardware.startswith("hardware differs (NVIDIA H200 140 GiB vs NVIDIA H100 80GB HBM3 80 GiB)")
    assert render(verdict).count("hardware differs") == 1


def test_the_committed_matrix_pairs(runs):
    """TF 2.18.1 → 2.21.0: single-repeat timings and memory only, no behaviour change: exit 0. transformers
    4.30.2 → 4.24.0 on TF 2.12.1: one root cause for every variant, said once with the error's line."""
    newer = compare_files(next(MATRIX.glob("*tensorflow2.18.1*")),
                          next(MATRIX.glob("*pyarrow21.0.0-tensorflow2.21.0-tf-keras2.21.0-transformers4.57.6*")))
    assert newer.exit_code == 0 and not newer.behaviour and {f.status for f in newer.performance} == {SUSPECT}
    older = compare_files(next(MATRIX.glob("*tensorflow2.12.1-transformers4.30.2*")),
                          next(MATRIX.glob("*tensorflow2.12.1-transformers4.24.0*")))
    [f] = older.behaviour
    assert f.direction == BREAKS and len(f.variants) > 30 and "keras.saving.hdf5_format" in f.reason


def test_timings_of_runs_that_shared_the_machine_are_not_compared():
    """--jobs: a variant that ran beside others has a neighbour's work in its timings; compare leaves those
    out (and says how many), and still compares everything else."""
    def rec(samples, loss, alone):
        return RunRecord(case="c", variant="v", role="fix", device="cpu", claim="ok", says="", observed="ok",
                         agrees=True, fix_works=True, outcome="completed",
                         metrics={"samples_per_s": samples, "final_loss": loss},
                         context=RunContext(ran_alone=alone))

    shared = compare_records([rec(1000.0, 0.30, True)], [rec(400.0, 0.90, False)])
    assert [f.metric for f in shared.performance] == ["final_loss"]  # quality is still compared
    assert shared.noise["beside_others"] == 1
    alone = compare_records([rec(1000.0, 0.30, True)], [rec(400.0, 0.30, True)])
    assert [f.metric for f in alone.performance] == ["samples_per_s"]
    assert "left out: those runs shared the machine" in render(shared)


def test_run_conditions_that_differ_are_said(runs):
    a = read_records([runs["a"]])
    assert all(r.env["conditions"]["affinity"] for r in a)  # the real worker recorded its CPUs
    pinned = copy.deepcopy(a)
    for r in pinned:
        r.env["conditions"] = {"affinity": [0], "threads": {"TF_NUM_INTRAOP_THREADS": "1"}}
    note = compare_records(a, pinned).notes
    assert note and note[0].startswith("run conditions differ") and "1 CPUs, TF_NUM_INTRAOP_THREADS=1" in note[0]


def test_records_name_their_fitbench_and_compare_says_when_the_two_sides_differ(runs):
    """A moved timing between two fitbench versions may be fitbench's own: every record names its code, and
    compare says so where the sides differ — and says nothing where they are the same."""
    a = read_records([runs["a"]])
    assert all(len(r.env["fitbench"]["code"]) == 12 for r in a)  # the real worker wrote it
    assert compare_records(a, copy.deepcopy(a)).code is None
    other = copy.deepcopy(a)
    for r in other:
        r.env["fitbench"] = {"code": "0123456789ab", "commit": "abc1234", "dirty": True}
    verdict = compare_records(a, other)
    assert verdict.code["current"] == ["abc1234+edits (code 0123456789ab)"]
    assert "fitbench itself differs" in render(verdict) and "abc1234+edits" in render(verdict)
    for r in other:
        del r.env["fitbench"]  # records written before they named their fitbench
    assert compare_records(a, other).code["current"][0].startswith("unknown")


def test_confirmation_never_appends_to_earlier_records(runs, tmp_path):
    folder = tmp_path / "confirm"
    folder.mkdir()
    (folder / "baseline-1.jsonl").write_text(runs["a"].read_text())
    proc = run_cli("compare", str(runs["a"]), str(runs["b"]), "--confirm", "--confirm-dir", str(folder))
    assert proc.returncode == 2 and "already holds records" in proc.stderr and not proc.stdout
    assert (folder / "baseline-1.jsonl").read_text() == runs["a"].read_text()


def test_a_fix_that_now_fails_in_some_repeats_breaks(runs):
    """Code that worked every time and now fails some of the time breaks; repeats that disagree the same way on
    both sides are said, and fail nothing."""
    fit = read_records([runs["fit"]])
    broken = read_records([runs["broken_fix"]])
    verdict = compare_records(fit + fit, fit + broken)
    [f] = verdict.behaviour
    assert f.direction == BREAKS and f.what == f"ok → ok ×1, {broken[0].observed} ×1" and verdict.exit_code == 1
    again = compare_records(fit + broken, fit + broken)
    assert [(g.direction, g.what) for g in again.behaviour] == [("changes", "repeats disagree")]
    assert again.exit_code == 0
