"""`fitbench nightly --latest` end to end with fakes: an index that lists a new release, environments that are only
paths, and a runner whose behaviour changes at that release. Detection → bisect → report, resume, lock, an
uninstallable release and an unreachable index; no download, no TensorFlow."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from harness.commands.common import UsageError

import cases
from harness.commands import main
from harness.commands import nightly as nightly_command
from harness.env.index import IndexUnreachable
from harness.env.environment import Environment
from harness.env.packages import version_key
from harness.results.lock import results_lock
from harness.results.records import JsonlWriter, RunRecord
from harness.results.reading import read_records
from harness.verdict.history import stored_nights
from tests.harness.env.fake_environment import fake_factory

PAIRS = "string_loss_on_logits"
BREAKS_AT = "4.58.1"  # from this transformers on, the chapter's fix raises


class Fakes:
    def __init__(self, transformers=("4.57.6",), broken_installs=(), unreachable=False):
        self.index = {"tensorflow": ["2.21.0", "2.20.0"], "tf-keras": ["2.21.0", "2.20.0"], "keras": ["3.15.1"],
                      "transformers": list(transformers) + ["5.0.0"]}
        self.broken, self.unreachable = set(broken_installs), unreachable
        self.suites: list[list[tuple[str, str]]] = []
        self.bisected: list[str] = []

    def list_versions(self, package, pre=False):
        if self.unreachable:
            raise IndexUnreachable(f"{package}: not found on the package index (no network)")
        return list(self.index[package])

    def build_env(self, requirements):
        version = next(r.split("==")[1] for r in requirements if r.startswith("transformers=="))
        if version in self.broken:
            return None, "error: No solution found when resolving dependencies:\n  cause: tokenizers has no wheel"
        return Path(f"/fake/{version}/bin/python"), None

    def record(self, case_id, variant, transformers, device="cpu"):
        spec = cases.get(case_id).variant(variant)
        broken = variant == "fix_from_logits" and version_key(transformers) >= version_key(BREAKS_AT)
        observed = "error" if broken else spec.claims["cpu"]
        return RunRecord(case=case_id, variant=variant, role=spec.role, device=device, claim=spec.claims["cpu"],
                         says=spec.says, observed=observed, agrees=observed == spec.claims["cpu"],
                         fix_works=(observed == "ok") if spec.role == "fix" else None,
                         outcome="error" if broken else "completed", metrics={"final_loss": 0.38},
                         error={"type": "AttributeError", "message": "module 'keras' has no attribute 'losses'"}
                         if broken else None,
                         env={"versions": {"tensorflow": "2.21.0", "tf-keras": "2.21.0", "transformers": transformers}})

    def run_suite(self, python, pairs, device, out):
        self.suites.append(list(pairs))
        writer = JsonlWriter(out)
        for case_id, variant in pairs:
            writer.write(self.record(case_id, variant, python.parts[2], device))
        return 0

    def run_variant(self, python, case_variant, device, out):
        self.bisected.append(python.parts[2])
        return self.record(*case_variant.split(":"), python.parts[2], device)

    def kwargs(self):
        environment = fake_factory(build=self.build_env, run_suite=self.run_suite, run_variant=self.run_variant,
                                   resolvable=lambda reqs: None)
        return dict(list_versions=self.list_versions, environment=environment,
                    release_notes=lambda p: f"https://example.invalid/{p}/releases/v{{version}}", light=["rich"],
                    log=lambda line: None)


def news(report_dir: Path) -> str:
    """The report's first section, the night's news (what breaks leads it)."""
    text = (report_dir / "report.md").read_text()
    start = text.index("## New releases tonight")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def parse(*argv: str) -> argparse.Namespace:
    from harness.commands import build_parser

    return build_parser().parse_args(["nightly", *argv])


def night(tmp_path, fakes, *more: str):
    args = parse("--latest", "--cases", PAIRS, "--device", "cpu", "--results", str(tmp_path / "nightly"),
                 "--report-dir", str(tmp_path / "report"), "--compare-with", str(tmp_path / "none-*.jsonl"), *more)
    return nightly_command.run(args, **fakes.kwargs())


def test_a_new_release_is_found_run_compared_bisected_and_reported(tmp_path, capsys):
    first = Fakes(transformers=("4.57.6",))
    assert night(tmp_path, first) == 0 and len(first.suites) == 1  # the first night: nothing to compare
    assert "the first night" in (tmp_path / "report" / "report.md").read_text()

    second = Fakes(transformers=("4.57.6", "4.58.0", "4.58.1"))
    assert night(tmp_path, second) == 1  # the fix stopped working: a regression
    out = capsys.readouterr().out
    assert "transformers 4.58.1" in out and "bisect transformers 4.57.6 → 4.58.1" in out
    assert "changed between transformers 4.58.0 and 4.58.1" in out
    assert set(second.bisected) >= {"4.57.6", "4.58.0", "4.58.1"}  # one package at a time, releases in between
    head = news(tmp_path / "report")  # the news come first, and what breaks leads them
    assert "new since last night: transformers 4.57.6 → 4.58.1" in head
    assert "exit 1: 1 behaviour regression" in head
    first = head.index("What breaks (1)")
    assert head.index("breaks: string_loss_on_logits:fix_from_logits [cpu]: ok → error (AttributeError) "
                      "(transformers 4.58.0 → 4.58.1)") > first  # the bisected boundary on the finding itself
    assert "why: AttributeError: module 'keras' has no attribute 'losses'" in head
    assert "https://example.invalid/transformers/releases/v4.58.1" in head
    assert "the fix stops working" in head and "held: tensorflow==2.21.0, tf-keras==2.21.0, keras==3.15.1" in head
    compare = (tmp_path / "report" / "compare.txt").read_text()
    assert compare.index("BEHAVIOUR REGRESSIONS (1)") < compare.index("BREAKS  string_loss_on_logits:fix_from_logits")
    records = read_records([tmp_path / "nightly" / "tf2.21.0-tfk2.21.0-k3.15.1-tr4.58.1-cpu.jsonl"])
    assert {r.variant: r.observed for r in records} == {"string_loss": "plateau", "fix_from_logits": "error"}

    third = Fakes(transformers=("4.57.6", "4.58.0", "4.58.1"))
    assert night(tmp_path, third) == 0 and third.suites == []  # nothing new, nothing missing: nothing to run
    assert "nothing new since last night" in news(tmp_path / "report")
    kept = stored_nights(tmp_path / "nightly")  # every night is in the one store, oldest first, with its file
    assert [(n.releases["transformers"], n.file.name) for n in kept] == [
        ("4.57.6", "tf2.21.0-tfk2.21.0-k3.15.1-tr4.57.6-cpu.jsonl"),
        *[("4.58.1", "tf2.21.0-tfk2.21.0-k3.15.1-tr4.58.1-cpu.jsonl")] * 2]


def test_an_interrupted_night_is_resumed_where_it_stopped(tmp_path):
    fakes = Fakes()
    real = fakes.run_suite

    def cut(python, pairs, device, out):
        real(python, pairs[:1], device, out)
        raise KeyboardInterrupt

    fakes.run_suite = cut
    with pytest.raises(KeyboardInterrupt):
        night(tmp_path, fakes)
    again = Fakes()
    assert night(tmp_path, again) == 0
    assert again.suites == [[("string_loss_on_logits", "fix_from_logits")]]  # only what was missing
    assert len(read_records(list((tmp_path / "nightly").glob("*.jsonl")))) == 2


def test_a_release_that_does_not_install_is_unsupported_records_not_a_failed_night(tmp_path):
    assert night(tmp_path, Fakes(transformers=("4.57.6",))) == 0
    code = night(tmp_path, Fakes(transformers=("4.57.6", "4.58.0"), broken_installs={"4.58.0"}))
    assert code == 1  # every fix stopped working in tonight's environment: the team must hear of it
    records = read_records([tmp_path / "nightly" / "tf2.21.0-tfk2.21.0-k3.15.1-tr4.58.0-cpu.jsonl"])
    assert {r.observed for r in records} == {"unsupported"}
    assert all("tokenizers has no wheel" in r.error["message"] for r in records)
    assert "does not install" in (tmp_path / "report" / "report.md").read_text()


def test_an_unreachable_index_is_one_line_and_exit_2_before_anything_runs(tmp_path, capsys, monkeypatch):
    fakes = Fakes(unreachable=True)
    real = nightly_command.run
    monkeypatch.setattr(nightly_command, "run", lambda args: real(args, **fakes.kwargs()))
    code = main(["nightly", "--latest", "--cases", PAIRS, "--results", str(tmp_path / "n"),
                 "--report-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "cannot resolve the newest releases" in err[0] and "no network" in err[0]
    assert not (tmp_path / "n").exists() and not (tmp_path / "r").exists() and fakes.suites == []


def test_two_nights_never_write_the_same_results_at_once(tmp_path, capsys, monkeypatch):
    fakes = Fakes()
    real = nightly_command.run
    monkeypatch.setattr(nightly_command, "run", lambda args: real(args, **fakes.kwargs()))
    out = tmp_path / "n" / "tf2.21.0-tfk2.21.0-k3.15.1-tr4.57.6-cpu.jsonl"
    with results_lock(out):  # another night holds tonight's file
        code = main(["nightly", "--latest", "--cases", PAIRS, "--device", "cpu", "--results", str(tmp_path / "n"),
                     "--report-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and "is being written by fitbench pid" in err[-1] and fakes.suites == []


def test_the_newest_releases_keep_the_ties_and_the_bounds():
    from harness.releases.latest import resolve

    fakes = Fakes(transformers=("4.57.6", "4.58.0rc1"))
    fakes.index["tf-keras"] = ["2.22.0", "2.21.1", "2.21.0"]  # a tf-keras of a TF minor not out yet
    releases = resolve(fakes.list_versions)
    assert releases.versions == {"tensorflow": "2.21.0", "tf-keras": "2.21.1", "keras": "3.15.1",
                                 "transformers": "4.57.6"}  # no 5.0.0 (bounded), no rc (not --pre)
    assert resolve(fakes.list_versions, pre=True).versions["transformers"] == "4.58.0rc1"
    assert "TensorFlow's minor 2.21" in releases.why["tf-keras"]


def test_the_first_night_compares_with_the_newest_environment_already_in_the_results(tmp_path):
    """No night has run yet: the newest environment among the results files already there is last night."""
    old = Fakes()
    known = tmp_path / "known"
    for name, version in (("older", "4.50.0"), ("newest", "4.57.0"), ("gpu", "4.57.6"), ("out-of-bounds", "5.0.0")):
        device = "gpu" if name == "gpu" else "cpu"  # another device's results do not count
        record = old.record("string_loss_on_logits", "string_loss", version, device)
        record.env["fitbench"] = {"code": "aaaaaaaaaaaa", "commit": "1234567", "dirty": False}  # an older fitbench
        JsonlWriter(known / f"{name}.jsonl").write(record)
    from harness.releases.night import newest_environment

    chosen = newest_environment(sorted(known.glob("*.jsonl")), "cpu", ("transformers<5",))
    assert chosen["file"].endswith("newest.jsonl") and chosen["releases"]["transformers"] == "4.57.0"
    args = parse("--latest", "--cases", PAIRS, "--device", "cpu", "--results", str(tmp_path / "n2"), "--report-dir",
                 str(tmp_path / "r2"), "--compare-with", str(known / "*.jsonl"))
    assert nightly_command.run(args, **Fakes().kwargs()) == 0
    head = news(tmp_path / "r2")
    assert "new since the newest environment already in the results (newest.jsonl):" in head
    assert "transformers 4.57.0 → 4.57.6" in head and "last night" not in head
    assert "fitbench itself differs: baseline made by 1234567 (code aaaaaaaaaaaa)" in head


class Here(Environment):
    """This interpreter, faked: each suite pass writes the given records (real ones, from real_runs)."""
    kind = "current"

    def __init__(self, records):
        self.records, self.python, self.passes = records, Path(sys.executable), 0

    def build(self):
        return None

    def run_suite(self, pairs, device, out, code=None, timeout_s=None, args=(), conditions=None):
        self.passes += 1
        writer = JsonlWriter(out)
        for r in self.records:
            writer.write(r)
        return 0


def test_a_night_in_this_interpreter_judges_against_the_baseline_kept_only_when_asked(request, tmp_path, capsys):
    from tests.harness.verdict.test_compare import real_runs

    runs = real_runs(request)
    fit, broken = read_records([runs["fit"]]), read_records([runs["broken_fix"]])
    baseline = tmp_path / "baseline.jsonl"

    def here_night(records, *more):
        args = parse("--cases", "string_loss_on_logits", "--device", "cpu", "--repeats", "2", "--results",
                     str(tmp_path / "runs"), "--report-dir", str(tmp_path / "rep"), "--baseline", str(baseline),
                     "--no-confirm", *more)
        here = Here(records)
        return nightly_command.run(args, here=here, light=["rich"]), here

    with pytest.raises(UsageError, match="--baseline .*: no such results file"):  # a typo is no green first night
        here_night(fit)
    code, here = here_night(fit, "--keep-baseline")
    assert code == 0 and here.passes == 2 and "nothing to compare with yet" in capsys.readouterr().out
    assert len(read_records([baseline])) == 4  # two passes of two variants, kept as the baseline
    code, _ = here_night(broken + [r for r in fit if r.variant != "fix_from_logits"])
    assert code == 1  # the fix now fails in every repeat: it breaks
    text = (tmp_path / "rep" / "compare.txt").read_text()
    assert text.startswith("baseline:") and "BREAKS  string_loss_on_logits:fix_from_logits" in text
    assert len(read_records([baseline])) == 4  # not kept without --keep-baseline


def test_a_baseline_that_does_not_exist_is_exit_2_before_anything_runs(tmp_path):
    from tests.conftest import run_cli

    proc = run_cli("nightly", "--baseline", str(tmp_path / "typo.jsonl"), "--cases", "initial_loss",
                   "--results", str(tmp_path / "runs"))
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0, proc.stderr
    assert "typo.jsonl: no such results file" in proc.stderr and not (tmp_path / "runs").exists()


def test_a_night_with_a_confirmed_slowdown_is_not_tomorrows_baseline(tmp_path):
    from harness.releases.latest import Releases
    from harness.releases.night import Night, NightConfig, NightResult
    from harness.verdict.findings import CONFIRMED, PERFORMANCE, REGRESSION, Finding, Verdict
    from harness.verdict.history import read_index
    said = []
    nightly = Night(NightConfig(tmp_path, [("string_loss_on_logits", "fix_from_logits")], rerun=True), cases,
                    light=[], log=said.append)
    last_night = {"date": "2026-12-05 03:00:00", "file": str(tmp_path / "n1.jsonl"), "releases": {}}
    for slow, expected_last in ((False, "n2.jsonl"), (True, "n1.jsonl")):
        out = tmp_path / "n2.jsonl"
        out.write_text("")   # a complete night: nothing pending is asked of an empty pair list below
        nightly.cfg.pairs = []
        verdict = Verdict()
        if slow:
            verdict.performance.append(Finding(PERFORMANCE, REGRESSION, "step_time_median_s", ["a:b"], "cpu",
                                               status=CONFIRMED, metric="step_time_median_s", ratio=1.3))
        nightly._save_state(NightResult(Releases({}), last_night, {}, out, verdict=verdict))
        index = read_index(tmp_path)
        assert Path(index["last"]["file"]).name == expected_last
        assert ("held" in index) == slow
    assert any("not tomorrow's baseline (1 performance regression confirmed)" in line for line in said)
