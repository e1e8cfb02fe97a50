"""The worker's loop over the checks (harness/train/checkup/procedure.py): it runs the steps the registry declares
(harness/spec/checks.py), in their order, only those the job names, and a step that raises is said, not fatal —
on a subject and steps written here (no model)."""
from harness.spec import checks
from harness.spec.checks import CheckSpec
from harness.train.checkup.procedure import run_checks
from harness.train.checkup.steps import Budget
from tests.harness.spec.test_checks import declare


def test_a_new_measured_check_runs_in_its_order_with_the_facts_before_it(monkeypatch):
    declare(monkeypatch, CheckSpec("first", 1, "data", "x", {"a": "a fact"}))
    declare(monkeypatch, CheckSpec("second", 2, "data", "x", {"b": "b fact"}))
    declare(monkeypatch, CheckSpec("third", 3, "data", "x", {"c": "c fact"}))
    ran = []

    # registered in the opposite order: the declared order decides, not the registration's
    @checks.measures("third")
    def third(subject, facts, budget):
        ran.append("third")
        return {"c": facts["a"] + 1}

    @checks.measures("second")
    def second(subject, facts, budget):
        raise RuntimeError("the step's own code failed")

    @checks.measures("first")
    def first(subject, facts, budget):
        ran.append("first")
        return {"a": 1}

    done = []
    facts = run_checks(None, ["third", "second", "first"], {}, Budget(),
                       on_done=lambda name, found, error: done.append((name, found, error and error["type"])))
    assert ran == ["first", "third"] and facts == {"a": 1, "c": 2}
    assert done == [("first", {"a": 1}, None), ("second", {}, "RuntimeError"), ("third", {"c": 2}, None)]
    assert run_checks(None, ["third"], {"a": 5}, Budget()) == {"a": 5, "c": 6}  # only the checks the job names


def test_each_data_step_measures_only_the_facts_its_check_declares():
    """The data steps (numpy only) on a subject of 120 real rows: every fact each returns is one its own CheckSpec
    declares, so a sign (and --json) can rely on the declaration; the model steps are held to the declarations
    as a whole by the end-to-end run (tests/harness/doctor/test_run.py)."""
    import numpy as np

    from harness.train.checkup.data import text_columns
    from harness.train.checkup.subject import Subject
    from harness.train.data import SyntheticNLIConfig, corpus, synthetic_mnli
    from harness.train.model import embedded_tokenizer

    raw = synthetic_mnli(SyntheticNLIConfig(n_train=120, n_validation=4))
    tokenizer = embedded_tokenizer(corpus(raw))
    train = raw["train"]
    rows = tokenizer(list(train["premise"]))["input_ids"]  # the premise only: the example check has more to say
    ids = np.zeros((16, max(map(len, rows[:16]))), dtype=np.int64)
    for i, r in enumerate(rows[:16]):
        ids[i, :len(r)] = r
    model = type("Functional", (), {"input_names": ["input_ids", "attention_mask"]})()
    subject = Subject(model, tokenizer, "label_cols", [({"input_ids": ids, "attention_mask": (ids > 0) * 1},
                                                         np.asarray(train["label"][:16]))], rows, list(train["label"]),
                      compile=lambda eager: None,
                      texts=text_columns({c: list(train[c])[:50] for c in ("premise", "hypothesis")}))
    facts = {"embedding_rows": len(tokenizer), "max_positions": 512, "label_column": "label"}
    measured = 0
    for name in ("columns", "labels", "example", "labels_vs_text", "batches", "token_ids"):
        found = checks.step(name)(subject, dict(facts), Budget())
        assert found, name
        undeclared = set(found) - set(checks.SPECS[name].facts) - set(checks.SUBJECT)
        assert not undeclared, f"{name} measures facts it does not declare: {sorted(undeclared)}"
        measured += len(found)
    assert measured >= 30
