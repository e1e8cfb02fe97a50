"""Isolation and bounds: a check that kills its process or never ends is reported as such, and every other check
still runs — those before it keep what they measured, those after it run in a fresh process from the same zygote.
Also the command end to end in this process: `fitbench doctor --json` on the embedded pipeline (nothing found,
exit 0), and bad input (exit 2, one line, before anything runs). One doctor serves the suite (tests/conftest.py)."""
import json

import pytest

from harness.commands import main
from harness.doctor.pipeline import Bounds, UserPipeline
from harness.doctor.judgement import FAIL, PASS

FAULTS = "tests.harness.doctor.faults:"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A CSV of 300 rows, and a tiny checkpoint with 2 outputs for its 3 classes."""
    from harness.train.data import SyntheticNLIConfig, corpus, synthetic_mnli
    from harness.train.model import build_model, embedded_tokenizer

    root = tmp_path_factory.mktemp("files")
    tokenizer = embedded_tokenizer(corpus(synthetic_mnli(SyntheticNLIConfig())))  # the embedded default's
    synthetic_mnli(SyntheticNLIConfig(n_train=300, n_validation=4))["train"].to_csv(str(root / "train.csv"))
    for n in (2, 3):
        model = build_model("embedded", "tiny", n, len(tokenizer), 0)
        model(model.dummy_inputs)
        model.save_pretrained(str(root / f"tiny{n}"))
        tokenizer.save_pretrained(str(root / f"tiny{n}"))
    return root


def test_a_crash_in_one_check_hides_none_of_the_others(files, doctor):
    pipeline = UserPipeline(model=str(files / "tiny3"), data=str(files / "train.csv"), optimizer="adam",
                            hooks={"before_compile": FAULTS + "abort_in_graph_compile"})
    report = doctor.examine(pipeline)
    overfit = report.result("overfit")
    assert overfit.status == FAIL and overfit.evidence[0].startswith("crashed:"), report.text()
    assert report.result("initial_loss").status == PASS  # measured before the crash, kept
    assert report.facts.get("eager_passed") is True     # the eager check ran after it, in a fresh process


def test_a_hang_in_one_check_is_cut_at_its_bound_and_the_rest_run(files, doctor):
    hang = UserPipeline(model=str(files / "tiny3"), data=str(files / "train.csv"), optimizer="adam",
                        overfit_steps=5, hooks={"before_compile": FAULTS + "hang_in_eager_compile"})
    doctor.bounds = Bounds(check=3)
    try:
        hung = doctor.examine(hang)
    finally:
        doctor.bounds = Bounds()
    assert hung.result("initial_loss").evidence == ["did not finish within 3 s (its bound)"], hung.text()
    assert hung.facts.get("overfit_steps_run") and hung.result("num_labels").status == PASS  # after it, anew


class _Kept:
    """The module's doctor, lent to the command (its zygote is already up) and not closed by it."""

    def __init__(self, doctor):
        self.doctor = doctor

    def __enter__(self):
        return self.doctor

    def __exit__(self, *exc):
        return None


def test_doctor_without_arguments_finds_nothing_in_the_embedded_pipeline(doctor, capsys, monkeypatch):
    """`fitbench doctor --json`: fitbench's own pipeline, every check passed or not applicable, exit 0."""
    from harness.commands import doctor as command

    monkeypatch.setattr(command, "open_doctor", lambda args: _Kept(doctor))
    code = main(["doctor", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["exit_code"] == 0, out
    statuses = {c["check"]: c["status"] for c in out["checks"]}
    assert statuses["overfit"] == statuses["initial_loss"] == statuses["labels_vs_text"] == "passed"
    assert statuses["memory"] == statuses["eager"] == "not_judged" and not any(c["findings"] for c in out["checks"])
    assert out["problems"] == [] and next(c for c in out["checks"] if c["check"] == "labels")["measured"][
        "label_kind"] == "int"
    # every fact the checkup recorded is declared (harness/spec/checks.py), the model steps' included
    from harness.spec import checks

    assert len(out["facts"]) > 80 and set(out["facts"]) - set(checks.facts()) == set()


@pytest.mark.parametrize("args,fragment", [
    (["--data", "/no/such/train.csv"], "no such file: /no/such/train.csv"),
    (["--data", "{files}/notes.txt"], "unknown data file format '.txt'"),
    (["--data", "{files}/broken.parquet"], "broken.parquet is not a Parquet file"),
    (["--data", "{files}/train.csv", "--label", "gold"],
     "label column 'gold' is not in the data (columns: premise, hypothesis, label, idx)"),
    (["--data", "{files}/train.csv", "--label", "labels"], "DataCollatorWithPadding renames 'label' to"),
    (["--data", "{files}/train.csv", "--text", "premise,verdict"], "text column 'verdict' is not in the data"),
    (["--data", "{files}/train.csv", "--split", "test"], None),  # a file is one split: train, test is not there
    (["--model", "{files}"], "has no config.json"),
    (["--model", "{files}/no_weights"], "has no TensorFlow weights (tf_model.h5)"),
    (["--model", "distilbert-base-uncased"], "cannot load model 'distilbert-base-uncased'"),
    (["--data", "glue/mnli"], "cannot load data 'glue/mnli'"),
    (["--optimizer", "adam", "--learning-rate", "5e-5"], "--learning-rate: the 'adam' string takes none"),
    (["--labels", "y"], "invalid choice: 'y'"),
])
def test_bad_input_is_one_line_and_exit_2_before_anything_runs(files, args, fragment, capsys, monkeypatch):
    # no network here either way; offline mode fails at once (the libraries read the variable when imported)
    import datasets.config
    import huggingface_hub.constants
    import transformers.utils.hub

    for module, name in ((huggingface_hub.constants, "HF_HUB_OFFLINE"), (transformers.utils.hub, "_is_offline_mode"),
                         (datasets.config, "HF_HUB_OFFLINE"), (datasets.config, "HF_DATASETS_OFFLINE")):
        monkeypatch.setattr(module, name, True)
    (files / "notes.txt").write_text("premise,label\n")
    (files / "broken.parquet").write_bytes(b"not parquet at all")
    (files / "no_weights").mkdir(exist_ok=True)
    (files / "no_weights" / "config.json").write_text((files / "tiny3" / "config.json").read_text())
    code = main(["doctor", *[a.replace("{files}", str(files)) for a in args]])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert fragment is None and "no split 'test'" in err[0] or fragment in err[0], err
