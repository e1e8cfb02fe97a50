"""`fitbench bisect` with fakes: no index, no environments, no runs. Search, confirmation, failing installs,
metric moves, bad input (one line, exit 2, nothing built), and a range whose one part cannot run: the
installability boundary with its reason from the release's metadata, then the behaviour boundary within the part
that runs."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import cases
from harness.commands import bisect as bisect_command
from harness.commands import main
from harness.env.index import IndexUnreachable
from harness.env.packages import version_key
from harness.env.suite_process import code_snapshot
from harness.releases import bisect as b
from harness.releases.transcript import render, write_outputs
from harness.results.reading import read_records
from harness.results.records import RunRecord
from tests.conftest import ROOT
from tests.harness.env.fake_environment import FakeEnvironment, fake_factory

RELEASES = ["4.30.0", "4.31.0", "4.32.0", "4.32.1", "4.33.0rc1", "4.33.0", "4.34.0", "4.35.0", "4.36.0",
            "4.37.0", "4.38.0", "4.39.0"]
FINALS = [v for v in RELEASES if "rc" not in v]


class Fakes:
    """An index, an environment builder and a runner; behaviour(version) -> (observed, final_loss)."""

    def __init__(self, behaviour, broken=(), resolvable=True, metadata=None):
        self.behaviour, self.broken, self.resolvable_ok = behaviour, set(broken), resolvable
        self.metadata = metadata or {}  # the index's metadata of each release: {} says nothing
        self.built: list[str] = []
        self.ran: list[str] = []

    def list_versions(self, package):
        if package != "transformers":
            raise IndexUnreachable(f"{package}: not found on the package index")
        return list(reversed(RELEASES))

    def build_env(self, requirements):
        version = requirements[0].split("==")[1]
        self.built.append(version)
        if version in self.broken:
            return None, f"error: No solution found when resolving dependencies\n  cause: {version} wants rust"
        return Path(f"/fake/{version}/bin/python"), None

    def run_variant(self, python, case_variant, device, out):
        version = python.parts[2]
        self.ran.append(version)
        observed, loss = self.behaviour(version)
        case, variant = case_variant.split(":")
        return RunRecord(case=case, variant=variant, role="broken", device=device, claim="no_gradients", says="",
                         observed=observed, agrees=False, fix_works=None, outcome="completed",
                         metrics={"final_loss": loss}, env={"versions": {"transformers": version}})

    def resolvable(self, requirements):
        return None if self.resolvable_ok else "error: No solution found\n  cause: Because tensorflow==9 ..."

    def kwargs(self):
        environment = fake_factory(build=self.build_env, run_variant=self.run_variant, resolvable=self.resolvable)
        return dict(registry=cases, list_versions=self.list_versions, environment=environment,
                    release_notes=lambda p: "https://x/releases/tag/v{version}", light=["rich"],
                    release_metadata=lambda package: self.metadata)


def cfg(tmp_path, good="4.30.0", bad="4.39.0", **kw):
    return b.BisectConfig("transformers", good, bad, "labels_in_dict_keras_loss:labels_in_dict",
                          out_dir=tmp_path, **kw)


def step_at(boundary):
    return lambda v: ("plateau", 1.0986) if version_key(v) < version_key(boundary) else ("error", None)


def test_candidates_are_final_releases_between_ordered_from_good():
    assert b.candidates(RELEASES, "4.30.0", "4.39.0") == FINALS
    assert b.candidates(RELEASES, "4.39.0", "4.30.0") == FINALS[::-1]  # --good may be the newer one
    assert b.candidates(RELEASES, "4.33.0rc1", "4.34.0") == ["4.33.0rc1", "4.33.0", "4.34.0"]


def test_finds_the_first_changed_release_and_confirms_it(tmp_path):
    fakes = Fakes(step_at("4.36.0"))
    bis = b.Bisector(cfg(tmp_path), **fakes.kwargs())
    result = bis.run(bis.validate())
    assert (result.last_same, result.first_changed, result.confirmed) == ("4.35.0", "4.36.0", True)
    # binary search: far fewer environments than releases, and the boundary's sides ran twice
    assert len(set(fakes.built)) < len(FINALS)
    assert fakes.ran.count("4.35.0") == 2 and fakes.ran.count("4.36.0") == 2
    assert "plateau → error" in result.verdict and "confirmed" in result.verdict
    assert [s.phase for s in result.steps][:2] == ["endpoint", "endpoint"]
    assert [s.phase for s in result.steps][-2:] == ["confirm", "confirm"]


def test_search_backwards_when_good_is_newer(tmp_path):
    fakes = Fakes(step_at("4.36.0"))
    result = b.Bisector(cfg(tmp_path, good="4.39.0", bad="4.30.0"), **fakes.kwargs()).run()
    assert (result.last_same, result.first_changed) == ("4.36.0", "4.35.0")


def test_no_change_stops_after_the_endpoints(tmp_path):
    fakes = Fakes(lambda v: ("plateau", 1.0986))
    result = b.Bisector(cfg(tmp_path), **fakes.kwargs()).run()
    assert result.first_changed is None and "no change" in result.verdict
    assert fakes.ran == ["4.30.0", "4.39.0"]


def test_a_metric_move_beyond_the_noise_threshold_is_a_change(tmp_path):
    fakes = Fakes(lambda v: ("ok", 0.40 if version_key(v) < version_key("4.34.0") else 0.60))
    result = b.Bisector(cfg(tmp_path), **fakes.kwargs()).run()
    assert result.first_changed == "4.34.0" and "final_loss 0.4 → 0.6" in result.verdict


def test_a_metric_move_within_the_floor_is_not(tmp_path):
    fakes = Fakes(lambda v: ("ok", 0.40 if version_key(v) < version_key("4.34.0") else 0.41))
    result = b.Bisector(cfg(tmp_path), **fakes.kwargs()).run()
    assert result.first_changed is None
    result = b.Bisector(cfg(tmp_path, metric=None), **Fakes(lambda v: ("ok", 0.4 if v < "4.34" else 9.0)).kwargs()).run()
    assert result.first_changed is None  # --metric none: symptoms only


def test_failing_installs_are_unsupported_steps_and_the_search_goes_around(tmp_path):
    fakes = Fakes(step_at("4.36.0"), broken={"4.34.0", "4.35.0"})
    result = b.Bisector(cfg(tmp_path), **fakes.kwargs()).run()
    unsupported = [s for s in result.steps if s.status == "unsupported"]
    assert {s.version for s in unsupported} == {"4.34.0", "4.35.0"}
    assert all(s.observed == "unsupported" and "No solution" in s.install_error for s in unsupported)
    # the boundary is bracketed by releases that ran, with the uninstallable ones named in between
    # 4.34.0 (the middle) failed, so its neighbour 4.33.0 ran instead; 4.35.0 failed too, so the boundary is
    # bracketed by the releases that ran, with the uninstallable ones named in between
    assert (result.last_same, result.first_changed) == ("4.33.0", "4.36.0")
    assert "2 release(s) in between did not install (4.34.0, 4.35.0)" in result.verdict


def test_an_endpoint_that_does_not_install_gives_both_boundaries(tmp_path):
    """Before issue 35 the search stopped at 4.38.0 | 4.39.0; the behaviour changed inside the part that runs."""
    fakes = Fakes(step_at("4.36.0"), broken={"4.39.0"})
    result = b.Bisector(cfg(tmp_path), **fakes.kwargs()).run()
    assert (result.kind, result.last_same, result.first_changed, result.confirmed) == (
        "behaviour", "4.35.0", "4.36.0", True)
    install = result.installability
    assert (install["last"], install["first"], install["runs"], install["confirmed"]) == (
        "4.38.0", "4.39.0", "4.38.0", True)
    assert "installability boundary between transformers 4.38.0 and 4.39.0, not a behaviour change" in result.verdict
    assert "does not install" in result.verdict and "likely fix: the requirements do not resolve" in result.verdict
    assert "Within the releases that run (4.30.0 … 4.38.0): changed between transformers 4.35.0 and 4.36.0: " \
        "plateau → error" in result.verdict


def test_confirmation_fails_when_a_rerun_disagrees(tmp_path):
    seen: dict[str, int] = {}

    def flaky(v):
        seen[v] = seen.get(v, 0) + 1
        if v == "4.36.0" and seen[v] > 1:
            return "plateau", 1.0986   # the second run of the first "changed" release behaves like --good
        return step_at("4.36.0")(v)

    result = b.Bisector(cfg(tmp_path), **Fakes(flaky).kwargs()).run()
    assert result.first_changed == "4.36.0" and result.confirmed is False and "NOT confirmed" in result.verdict


def test_outputs_hold_the_printed_text_the_steps_and_the_records(tmp_path):
    fakes = Fakes(step_at("4.36.0"))
    result = b.Bisector(cfg(tmp_path), **fakes.kwargs()).run()
    text = render(result)
    assert "transformers 4.35.0:" in text and "transformers 4.36.0:" in text
    assert "https://x/releases/tag/v4.36.0" in text
    paths = write_outputs(result, text)
    assert [p.suffix for p in paths] == [".txt", ".json", ".jsonl"]
    assert len(paths[2].read_text().splitlines()) == len(result.steps)


def test_requirements_hold_the_version_the_pins_and_the_light_dependencies():
    c = b.BisectConfig("transformers", "4.30.0", "4.39.0", "initial_loss:correct", pins=("tensorflow==2.15.1",))
    reqs, tied = b.requirements_for(c, "4.31.0", ["rich", "numpy", "transformers"])
    assert reqs == ["transformers==4.31.0", "tensorflow==2.15.1", "pyarrow<22", "rich", "numpy"] and tied == []
    c2 = b.BisectConfig("transformers", "4.30.0", "4.39.0", "initial_loss:correct", pins=("pyarrow==20.0.0",))
    assert "pyarrow<22" not in b.requirements_for(c2, "4.31.0", [])[0]


@pytest.mark.parametrize("kw,fragment", [
    (dict(package="no such"), "is not a package name"),
    (dict(good="4.30.0", bad="4.30.0"), "are the same version"),
    (dict(case_variant="labels_in_dict_keras_loss"), "is not CASE:VARIANT"),
    (dict(pins=("tensorflow",)), "is not a requirement"),
    (dict(pins=("transformers==4.31.0",)), "pins the package being bisected"),
])
def test_bad_config_names_the_field_and_value(kw, fragment):
    args = dict(package="transformers", good="4.30.0", bad="4.39.0", case_variant="initial_loss:correct")
    args.update(kw)
    with pytest.raises(b.BisectError, match=fragment):
        b.BisectConfig(**args)


@pytest.mark.parametrize("argv,fragment,fakes_kw", [
    (["nosuchpkg"], "not found on the package index", {}),
    (["transformers", "--bad", "4.99.0"], "--bad 4.99.0: no such release", {}),
    (["transformers", "--case", "labels_in_dict_keras_loss:nope"], "has no variant 'nope'", {}),
    (["transformers", "--case", "nocase:x"], "unknown case", {}),
    (["transformers", "--pin", "tensorflow==9.0"], "cannot be installed", {"resolvable": False}),
])
def test_bad_input_is_one_line_exit_2_and_nothing_built(argv, fragment, fakes_kw, tmp_path, capsys, monkeypatch):
    fakes = Fakes(step_at("4.36.0"), **fakes_kw)
    real_command = bisect_command.run
    monkeypatch.setattr(bisect_command, "run", lambda args: real_command(args, **fakes.kwargs()))
    base = {"--good": "4.30.0", "--bad": "4.39.0", "--case": "labels_in_dict_keras_loss:labels_in_dict",
            "--out": str(tmp_path)}
    for i in range(1, len(argv), 2):
        base[argv[i]] = argv[i + 1]
    args = ["bisect", argv[0]] + [x for kv in base.items() for x in kv]
    if "--pin" in argv:
        args += ["--pin", argv[argv.index("--pin") + 1]]
        del base["--pin"]
        args = ["bisect", argv[0]] + [x for kv in base.items() for x in kv] + ["--pin", "tensorflow==9.0"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("fitbench: error: ") and fragment in err[0], err
    assert fakes.built == [] and fakes.ran == [] and not list(tmp_path.iterdir())


def test_cli_runs_a_search_with_fakes(tmp_path, capsys, monkeypatch):
    fakes = Fakes(step_at("4.36.0"))
    real_command = bisect_command.run
    monkeypatch.setattr(bisect_command, "run", lambda args: real_command(args, **fakes.kwargs()))
    rc = main(["bisect", "transformers", "--good", "4.30.0", "--bad", "4.39.0", "--case",
               "labels_in_dict_keras_loss:labels_in_dict", "--pin", "tensorflow==2.15.1", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0 and "changed between transformers 4.35.0 and 4.36.0" in out
    assert (tmp_path / "transformers-4.30.0-4.39.0-labels_in_dict_keras_loss-labels_in_dict.txt").exists()


def test_failures_of_different_exception_types_are_different_behaviours(tmp_path):
    def run(v):
        if version_key(v) < version_key("4.33.0"):
            return "error", None
        return "plateau", 1.0986

    fakes = Fakes(run)
    real_run = fakes.run_variant

    def typed(python, case_variant, device, out):
        record = real_run(python, case_variant, device, out)
        if record.observed == "error":
            version = python.parts[2]
            kind = "RuntimeError" if version_key(version) < version_key("4.32.0") else "AttributeError"
            record.error = {"type": kind, "message": "..."}
        return record

    fakes.run_variant = typed
    result = b.Bisector(cfg(tmp_path), **fakes.kwargs()).run()
    assert (result.last_same, result.first_changed) == ("4.31.0", "4.32.0")
    assert "error (RuntimeError) → error (AttributeError)" in result.verdict


def test_runs_use_a_snapshot_of_the_code_taken_at_the_start(tmp_path, monkeypatch, capsys):
    """A bisect through the CLI, whose checkout is edited after its first step: every step runs the same copy,
    taken before the first, with the code as it was; the copy is gone afterwards."""
    from harness.env import suite_process

    checkout = tmp_path / "checkout"
    for package in ("harness", "cases"):
        shutil.copytree(ROOT / package, checkout / package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(suite_process, "CHECKOUT", checkout)
    monkeypatch.setenv("FITBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("FITBENCH_BISECT_CODE", raising=False)
    fakes, seen = Fakes(step_at("4.36.0")), []
    environments = fakes.kwargs()["environment"]

    def environment(spec):
        env = environments(spec)
        real = env.run_variant

        def run_variant(case_variant, device, out, code=None):
            seen.append((code, (code / "harness" / "releases" / "bisect.py").read_text()))
            (checkout / "harness" / "releases" / "bisect.py").write_text("edited while the bisect runs\n")
            return real(case_variant, device, out, code)

        env.run_variant = run_variant
        return env

    real_command = bisect_command.run
    monkeypatch.setattr(bisect_command, "run", lambda args: real_command(args, **{**fakes.kwargs(),
                                                                                   "environment": environment}))
    assert main(["bisect", "transformers", "--good", "4.30.0", "--bad", "4.39.0", "--case",
                 "labels_in_dict_keras_loss:labels_in_dict", "--out", str(tmp_path / "out")]) == 0
    assert len(seen) >= 4 and len({code for code, _ in seen}) == 1
    code = seen[0][0]
    assert code != checkout and code.parent == tmp_path / "cache" / "bisect-code"
    assert all(text == (ROOT / "harness" / "releases" / "bisect.py").read_text() for _, text in seen)
    assert not code.exists()  # removed after the job
    monkeypatch.setenv("FITBENCH_BISECT_CODE", str(tmp_path / "release"))
    with code_snapshot() as named:
        assert named == (tmp_path / "release").resolve()


# --- issue 18: companion packages move together; an endpoint without fitbench is not a behaviour --------------

TF = ["2.16.1", "2.16.2", "2.17.0", "2.17.1", "2.18.0", "2.18.1", "2.19.0", "2.20.0", "2.21.0"]
KERAS3_CASE = "keras3_callbacks:tensorflow_keras_callback"


class TfFakes(Fakes):
    """TensorFlow releases; an environment runs fitbench only with tf-keras of TF's own minor in it (as measured:
    without it transformers fails at import, recorded `unsupported`)."""

    def __init__(self, behaviour=lambda v: ("keras_mismatch", None)):
        super().__init__(behaviour)
        self.requirements: dict[str, list[str]] = {}

    def list_versions(self, package):
        return list(reversed(TF))

    def build_env(self, requirements):
        version = requirements[0].split("==")[1]
        self.requirements[version] = requirements
        self.built.append(version)
        return Path(f"/fake/{version}/bin/python"), None

    def run_variant(self, python, case_variant, device, out):
        version = python.parts[2]
        self.ran.append(version)
        tied = next((r for r in self.requirements[version] if r.startswith("tf-keras")), None)
        minor = ".".join(version.split(".")[:2])
        case, variant = case_variant.split(":")
        versions = {"tensorflow": version, "tf-keras": f"{minor}.0" if tied else None}
        if not tied or f">={minor}," not in tied:
            return RunRecord(case=case, variant=variant, role="broken", device=device, claim="keras_mismatch",
                             says="", observed="unsupported", agrees=False, fix_works=None, outcome="error",
                             diagnostics={"failed_in": "imports"}, env={"versions": versions},
                             error={"type": "RuntimeError", "message": "Failed to import transformers.models."
                                    "distilbert.modeling_tf_distilbert ... Your currently installed version of Keras "
                                    "is Keras 3, but this is not yet supported in Transformers. Please install the "
                                    "backwards-compatible tf-keras package with `pip install tf-keras`."})
        observed, loss = self.behaviour(version)
        return RunRecord(case=case, variant=variant, role="broken", device=device, claim="keras_mismatch", says="",
                         observed=observed, agrees=observed == "keras_mismatch", fix_works=None, outcome="error",
                         metrics={"final_loss": loss}, env={"versions": versions})


def tf_cfg(tmp_path, good="2.16.2", bad="2.21.0", pins=("transformers==4.46.3",), device="cpu"):
    return b.BisectConfig("tensorflow", good, bad, KERAS3_CASE, pins=pins, device=device, out_dir=tmp_path)


def test_tf_keras_moves_with_tensorflow_in_every_step(tmp_path):
    fakes = TfFakes(lambda v: ("keras_mismatch", None) if version_key(v) < version_key("2.19.0") else ("ok", 0.4))
    result = b.Bisector(tf_cfg(tmp_path), **fakes.kwargs()).run()
    assert (result.kind, result.last_same, result.first_changed) == ("behaviour", "2.18.1", "2.19.0")
    for version, requirements in fakes.requirements.items():
        minor = version.rsplit(".", 1)[0]
        major, mn = minor.split(".")
        assert f"tf-keras>={minor},<{major}.{int(mn) + 1}" in requirements, requirements
    assert all(s.companions == {"tf-keras": f"{s.version.rsplit('.', 1)[0]}.0"} for s in result.steps)
    text = render(result)
    assert "2.19.0 + tf-keras 2.19.0" in text and "keras_mismatch → ok" in text


def test_a_users_tf_keras_pin_wins_over_the_tie(tmp_path):
    pins = ("transformers==4.46.3", "tf-keras==2.16.0")
    reqs, tied = b.requirements_for(tf_cfg(tmp_path, pins=pins), "2.21.0", [])
    assert reqs[:3] == ["tensorflow==2.21.0", "transformers==4.46.3", "tf-keras==2.16.0"] and tied == []
    assert not [r for r in reqs if r.startswith("tf-keras>=")]
    gpu, _ = b.requirements_for(tf_cfg(tmp_path, device="gpu"), "2.21.0", [])
    assert gpu[:2] == ["tensorflow[and-cuda]==2.21.0", "tf-keras>=2.21,<2.22"]  # the CUDA extra moves too
    # and in a search: every environment built holds the user's tf-keras, none the tie; no step names a companion
    fakes = TfFakes()
    result = b.Bisector(tf_cfg(tmp_path, pins=pins), **fakes.kwargs()).run()
    assert fakes.built and all("tf-keras==2.16.0" in fakes.requirements[v] for v in fakes.built)
    assert not [r for v in fakes.built for r in fakes.requirements[v] if r.startswith("tf-keras>")]
    assert all(s.companions == {} for s in result.steps)


def test_both_endpoints_without_fitbench_is_exit_2_with_the_reason_and_the_likely_fix(tmp_path, capsys,
                                                                                      monkeypatch):
    """The command of issue 18 as it ran before: no tf-keras anywhere (the user pinned none, and the tie is
    switched off here by pinning tf-keras to a TF minor that matches neither end)."""
    fakes = TfFakes()
    real_command = bisect_command.run
    monkeypatch.setattr(bisect_command, "run", lambda args: real_command(args, **fakes.kwargs()))
    code = main(["bisect", "tensorflow", "--good", "2.16.2", "--bad", "2.21.0", "--case", KERAS3_CASE,
                 "--pin", "transformers==4.46.3", "--pin", "tf-keras==2.15.1", "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 2
    line = err.strip().splitlines()[-1]
    assert line.startswith("fitbench: error: neither endpoint runs fitbench") and "no change" not in out
    assert "Likely fix: tf-keras missing: TF 2.16.2 needs tf-keras 2.16" in line
    assert fakes.ran == ["2.16.2", "2.21.0"]  # the endpoints only
    assert (tmp_path / "tensorflow-2.16.2-2.21.0-keras3_callbacks-tensorflow_keras_callback.txt").exists()


def test_an_endpoint_failing_at_import_gives_an_installability_boundary(tmp_path):
    """TF 2.16.x releases run fitbench, later ones fail at import: labelled as installability, not behaviour."""
    fakes = TfFakes()
    real_build = fakes.build_env

    def build(requirements):  # from 2.17 on, the tie is lost (as if tf-keras of that minor did not exist)
        version = requirements[0].split("==")[1]
        if version_key(version) >= version_key("2.17.0"):
            requirements = [r for r in requirements if not r.startswith("tf-keras")]
        return real_build(requirements)

    fakes.build_env = build
    result = b.Bisector(tf_cfg(tmp_path), **fakes.kwargs()).run()
    assert (result.kind, result.last_same, result.first_changed) == ("installability", "2.16.2", "2.17.0")
    assert "fitbench runs the variant with tensorflow 2.16.2 (keras_mismatch) but not with 2.17.0" in result.verdict
    assert "likely fix: tf-keras missing: TF 2.17.0 needs tf-keras 2.17" in result.verdict


# --- issue 24: old releases resolved as they were --------------------------------------------------------------

DATASETS = ["2.10.0", "2.11.0", "2.12.0", "2.13.0", "2.14.0", "2.14.4"]


class DatedFakes(Fakes):
    """datasets releases that, resolved against today's index, all crash at import (pyarrow 21 has no
    PyExtensionType, as measured: results/bisect/README-2026-11-29.md); resolved as of their date they run, and
    the behaviour changes at 2.13.0. The date bound is the real one (harness/env/asof.py) over a fake index."""

    def list_versions(self, package):
        return list(reversed(DATASETS))

    def kwargs(self):
        from datetime import datetime, timedelta, timezone

        from harness.env.asof import date_bound

        start = datetime(2023, 2, 1, tzinfo=timezone.utc)
        index = {"datasets": {v: start + timedelta(days=40 * i) for i, v in enumerate(DATASETS)},
                 "tensorflow": {"2.12.1": datetime(2023, 7, 5, 16, 57, 27, tzinfo=timezone.utc)}}
        fakes = self

        class Dated(FakeEnvironment):
            def describe(self):
                bound = date_bound(list(self.spec.pins), index.__getitem__) if self.spec.as_of else None
                return {**super().describe(), "resolved_as_of": bound.describe() if bound else None}

            def run_variant(self, case_variant, device, out, code=None):
                if not self.spec.as_of:
                    case, variant = case_variant.split(":")
                    fakes.ran.append(self.python.parts[2])
                    return RunRecord(case=case, variant=variant, role="", device=device, claim="", says="",
                                     observed="crashed", agrees=False, fix_works=None, outcome="crashed",
                                     diagnostics={"failed_in": "fitbench"},
                                     error={"type": "crashed", "message": "fitbench exited 1: AttributeError: module "
                                            "'pyarrow' has no attribute 'PyExtensionType'"})
                return super().run_variant(case_variant, device, out, code)

        return {**super().kwargs(), "environment": lambda spec: Dated(spec, build=self.build_env,
                                                                      run_variant=self.run_variant)}

    def build_env(self, requirements):
        version = requirements[0].split("==")[1]
        self.built.append(version)
        return Path(f"/fake/{version}/bin/python"), None


def ds_cfg(tmp_path, as_of):
    return b.BisectConfig("datasets", "2.10.0", "2.14.4", "labels_in_dict_keras_loss:chapter_literal",
                          pins=("tensorflow==2.12.1",), out_dir=tmp_path, as_of=as_of)


def test_resolved_as_of_their_date_old_releases_run_and_the_boundary_is_found(tmp_path):
    fakes = DatedFakes(lambda v: ("data_error", None) if version_key(v) < version_key("2.13.0") else ("ok", 0.4))
    today = b.Bisector(ds_cfg(tmp_path, as_of=False), **fakes.kwargs()).run()
    assert today.first_changed is None and today.unusable.startswith("neither endpoint runs fitbench")
    assert "Likely fix: a dependency newer than the release: resolve as of its date" in today.unusable
    assert all(s.resolved_as_of is None for s in today.steps)
    dated = b.Bisector(ds_cfg(tmp_path, as_of=True), **fakes.kwargs()).run()
    assert (dated.kind, dated.last_same, dated.first_changed, dated.confirmed) == ("behaviour", "2.12.0", "2.13.0",
                                                                                  True)
    bounds = {s.version: s.resolved_as_of for s in dated.steps}
    # TensorFlow 2.12.1, the newest pin, sets the bound of every release older than it; 2.14.4 (newer) its own
    assert bounds["2.10.0"] == {"as_of": "2023-07-05T16:57:28Z", "set_by": "tensorflow 2.12.1"}
    assert bounds["2.14.4"]["set_by"] == "datasets 2.14.4"
    text = bisect_command.resolution_lines(dated)
    assert "resolved as of 2023-07-05T16:57:28Z (set by tensorflow 2.12.1): 2.10.0" in text
    assert bisect_command.resolution_lines(today).startswith("resolved against today's index")


def test_as_of_today_is_the_option_and_as_of_release_the_default(tmp_path, capsys, monkeypatch):
    fakes = DatedFakes(lambda v: ("data_error", None))
    seen = []
    real_command = bisect_command.run

    def command(args):
        seen.append(args.as_of)
        return real_command(args, **fakes.kwargs())

    monkeypatch.setattr(bisect_command, "run", command)
    base = ["bisect", "datasets", "--good", "2.10.0", "--bad", "2.14.4", "--case",
            "labels_in_dict_keras_loss:chapter_literal", "--pin", "tensorflow==2.12.1", "--out", str(tmp_path)]
    assert main(base) == 1 and main(base + ["--as-of", "today"]) == 2
    assert seen == ["release", "today"]
    written = (tmp_path / "datasets-2.10.0-2.14.4-labels_in_dict_keras_loss-chapter_literal.txt").read_text()
    assert "resolved against today's index (--as-of today)" in written  # the second run's transcript


# --- issue 35: past an installability boundary, the behaviour within the part that runs ------------------------

OLD_TF = ["2.11.0", "2.11.1", "2.12.0", "2.12.1", "2.13.0", "2.13.1", "2.14.0", "2.14.1", "2.15.0", "2.15.1",
          "2.16.1", "2.16.2"]
HERE = "cp311"  # the interpreter the tests run on (pyproject: Python 3.11)


def _wheels(version: str, pythons: tuple[str, ...]) -> list[str]:
    return [f"tensorflow-{version}-{p}-{p}-manylinux_2_17_x86_64.manylinux2014_x86_64.whl" for p in pythons]


# as the index has them: TF 2.11 has wheels for CPython 3.7-3.10 only, 2.12 on add 3.11 (pypi.org/pypi/tensorflow/json)
TF_METADATA = {v: {"requires_python": ">=3.7" if v < "2.12" else ">=3.8", "sdist": False, "classifiers": None,
                   "wheels": _wheels(v, ("cp38", "cp39", "cp310") if v < "2.12" else ("cp39", "cp310", "cp311"))}
               for v in OLD_TF}


class OldTfFakes(Fakes):
    """TensorFlow 2.11.0 … 2.16.2 with transformers 4.30.2: 2.11 has no wheel for this Python (no solution for the
    resolver), 2.12 … 2.15 plateau, 2.16 fails to import transformers' TF models (Keras 3, as measured)."""

    def list_versions(self, package):  # as pip lists them: only what this interpreter can install
        return [v for v in reversed(OLD_TF) if not v.startswith("2.11.")]

    def _no_wheel(self, requirements):
        version = requirements[0].split("==")[1]
        return version.startswith("2.11.")

    def resolvable(self, requirements):
        return "× No solution found when resolving dependencies: tensorflow has no wheels with a matching Python " \
               "ABI tag" if self._no_wheel(requirements) else None

    def build_env(self, requirements):
        self.built.append(requirements[0].split("==")[1])
        if self._no_wheel(requirements):
            return None, self.resolvable(requirements)
        return Path(f"/fake/{requirements[0].split('==')[1]}/bin/python"), None

    def run_variant(self, python, case_variant, device, out):
        record = super().run_variant(python, case_variant, device, out)
        record.env = {"versions": {"tensorflow": python.parts[2], "transformers": "4.30.2"}}
        if record.observed == "error":
            record.error = {"type": "RuntimeError", "message": "Failed to import transformers.models.distilbert."
                            "modeling_tf_distilbert because of the following error (look up to see its traceback):\n"
                            "No module named 'keras.__internal__'"}
        return record


def old_tf_cfg(tmp_path):
    return b.BisectConfig("tensorflow", "2.11.0", "2.16.2", "labels_in_dict_keras_loss:labels_in_dict",
                          pins=("transformers==4.30.2",), out_dir=tmp_path)


def test_the_metadata_says_why_a_release_cannot_install():
    from harness.releases.installability import metadata_reason

    here = {f"{HERE}-{HERE}-manylinux_2_17_x86_64", f"py3-none-any"}
    why = metadata_reason("tensorflow", "2.11.0", TF_METADATA, (3, 11), here)
    assert why == ("tensorflow 2.11.0 has no wheel for Python 3.11 on this platform and no sdist: its wheels are "
                   "for cp38, cp39, cp310 (the index's file names)")
    assert metadata_reason("tensorflow", "2.12.0", TF_METADATA, (3, 11), here) is None
    assert "requires Python >=3.7,<3.11 (requires-python on the index); this is Python 3.11" in metadata_reason(
        "x", "1.0", {"1.0": {"requires_python": ">=3.7,<3.11", "wheels": [], "sdist": True}}, (3, 11), here)
    # an sdist may build, a pure wheel installs anywhere, no metadata says nothing: none of them is a reason
    assert metadata_reason("x", "1.0", {"1.0": {"wheels": _wheels("1.0", ("cp39",)), "sdist": True}}, (3, 11),
                           here) is None
    assert metadata_reason("x", "1.0", {"1.0": {"wheels": ["x-1.0-py3-none-any.whl"]}}, (3, 11), here) is None
    assert metadata_reason("x", "1.0", {}, (3, 11), here) is None


def test_release_metadata_reads_the_json_api():
    from harness.env.index import release_metadata

    page = {"info": {"version": "2.12.0", "classifiers": ["Programming Language :: Python :: 3.11"]},
            "releases": {"2.11.0": [{"filename": _wheels("2.11.0", ("cp310",))[0], "requires_python": ">=3.7"}],
                         "2.12.0": [{"filename": "tensorflow-2.12.0.tar.gz", "requires_python": None},
                                    {"filename": "bad.whl", "yanked": True}]}}
    meta = release_metadata("tensorflow", fetch=lambda url, accept: page)
    assert meta["2.11.0"] == {"requires_python": ">=3.7", "wheels": _wheels("2.11.0", ("cp310",)), "sdist": False,
                              "classifiers": None}
    assert meta["2.12.0"]["sdist"] and meta["2.12.0"]["wheels"] == [] and meta["2.12.0"]["classifiers"]

    def offline(url, accept):
        raise OSError("no network")

    assert release_metadata("tensorflow", fetch=offline) == {}


def test_past_the_releases_that_cannot_install_the_behaviour_boundary_is_found(tmp_path, monkeypatch):
    monkeypatch.setattr("harness.releases.installability.sys_tags",
                        lambda: [f"{HERE}-{HERE}-manylinux_2_17_x86_64"])
    fakes = OldTfFakes(lambda v: ("plateau", 1.0986) if version_key(v) < version_key("2.16.1") else ("error", None),
                       metadata=TF_METADATA)
    bisector = b.Bisector(old_tf_cfg(tmp_path), **fakes.kwargs())
    result = bisector.run(bisector.validate())  # --good cannot install: not bad input, its metadata says why
    install = result.installability
    assert (install["last"], install["first"], install["runs"], install["confirmed"]) == (
        "2.11.1", "2.12.0", "2.12.0", True)
    assert install["why"].startswith("does not install: tensorflow 2.11.1 has no wheel for Python 3.11")
    assert "its wheels are for cp38, cp39, cp310" in install["why"]
    assert install["fix"].startswith("no wheel of this release for this Python")
    assert (result.kind, result.last_same, result.first_changed, result.confirmed) == (
        "behaviour", "2.15.1", "2.16.1", True)
    assert "installability boundary between tensorflow 2.11.1 and 2.12.0, not a behaviour change" in result.verdict
    assert "Within the releases that run (2.12.0 … 2.16.2): changed between tensorflow 2.15.1 and 2.16.1: " \
        "plateau → error (RuntimeError); confirmed" in result.verdict
    # the behaviour's reference is the first release that runs, never the one that cannot install
    assert [s.version for s in result.steps if s.status == "ran"][0] in ("2.16.2", "2.12.0")
    # pip does not list 2.11.x here; the index's metadata does, and says why: never built, never run
    assert {s.version for s in result.steps if s.status != "ran"} == {"2.11.0", "2.11.1"}
    assert not [v for v in fakes.built if v.startswith("2.11.")]


def test_an_endpoint_that_cannot_resolve_without_a_reason_is_still_bad_input(tmp_path):
    fakes = OldTfFakes(lambda v: ("plateau", 1.0986))  # no metadata: no index knows 2.11.0 here
    with pytest.raises(b.BisectError, match="--good 2.11.0: no such release of tensorflow"):
        b.Bisector(old_tf_cfg(tmp_path), **fakes.kwargs()).validate()
    fakes.list_versions = lambda package: list(reversed(OLD_TF))  # listed, but it cannot resolve, and nothing says why
    with pytest.raises(b.BisectError, match="tensorflow==2.11.0 with transformers==4.30.2 cannot be installed"):
        b.Bisector(old_tf_cfg(tmp_path), **fakes.kwargs()).validate()
    assert fakes.built == []


class Replayed:
    """A committed bisect's environments: each release answers with its committed step — its install error, or its
    record (results/bisect/*.json keeps each step's record); a release the committed search never ran cannot be
    answered (KeyError)."""

    def __init__(self, path: Path):
        import json

        self.data = json.loads(path.read_text())
        self.steps = {s["version"]: s for s in self.data["steps"]}
        self.records = {v: RunRecord.from_dict(s["record"]) for v, s in self.steps.items() if s.get("record")}

    def environment(self, spec):
        replay, version = self, spec.requirements()[0].split("==")[1]

        class Env(FakeEnvironment):
            def build(self):
                step = replay.steps[version]  # KeyError: the committed search never needed this release
                return step["install_error"] if step["status"] != "ran" else None

            def run_variant(self, case_variant, device, out, code=None):
                return replay.records[version]

        return Env(spec)

    def run(self) -> "b.BisectResult":
        c = self.data["config"]
        cfg = b.BisectConfig(c["package"], c["good"], c["bad"], c["case_variant"], tuple(c["pins"]), c["device"],
                             c["metric"], Path("unused"), as_of=c.get("as_of", True))
        return b.Bisector(cfg, registry=cases, list_versions=lambda p: self.data["versions"],
                          environment=self.environment, release_notes=None, light=[],
                          release_metadata=lambda p: {}).run(self.data["versions"])


BISECTS = sorted([p for p in (ROOT / "results" / "bisect").rglob("*.json") if "report" not in p.parts]
                 + list((ROOT / "results" / "nightly-transcripts").glob("*/nightly/bisect/*.json")))
# what the search past installability (issue 35) adds: both boundaries where the committed answer had one
GOES_ON = {"transformers-4.24.0-4.30.2-labels_in_dict_keras_loss-labels_in_dict": ("4.25.1", "4.26.0")}


@pytest.mark.parametrize("path", BISECTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_committed_bisects_keep_their_answers(path):
    """Each committed bisect replayed with today's search, from its own records: the same boundary — as an
    installability boundary where a side that does not run fitbench was once called a behaviour (TF 2.16.1 with
    no tf-keras: issue 18), and with the behaviour boundary inside the part that runs where issue 35 goes on."""
    replay = Replayed(path)
    committed = (replay.data["last_same"], replay.data["first_changed"])
    result = replay.run()
    found = (result.installability or {}).get("last"), (result.installability or {}).get("first")
    if replay.data.get("installability"):  # a bisect that already went past one: both boundaries again
        install = replay.data["installability"]
        assert found == (install["last"], install["first"]) and result.confirmed == replay.data["confirmed"]
        found = (result.last_same, result.first_changed)
    elif result.installability is None:
        found = (result.last_same, result.first_changed)
    assert found == committed
    assert bool(result.unusable) == bool(replay.data.get("unusable"))
    if path.stem in GOES_ON:
        assert (result.kind, result.last_same, result.first_changed, result.confirmed) == (
            "behaviour", *GOES_ON[path.stem], True)
    else:
        assert (result.last_same, result.first_changed) == committed
