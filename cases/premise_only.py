"""A `map` that tokenizes the premise only: the hypothesis never reaches the model.

Not one of the chapter's bugs, but the kind its "check your data" step exists for: the script runs, the loss
is a number, and the model cannot beat chance, because in MNLI (and in the embedded look-alike, whose premise
is drawn without looking at the label) the label lives in the *pair*. The chapter's own check finds it:
`tokenizer.decode(batch["input_ids"][0])` shows one segment, `[CLS] premise [SEP]`, where a correct pipeline
shows `[CLS] premise [SEP] hypothesis [SEP]`.

No RunConfig knob says "tokenize something else", so the bug is code this module carries: an `after_tokenize`
hook (harness/train/hooks.py) that redoes the `map` the way the buggy script wrote it. This case is also the worked
example of README's "How to add a case".
"""
from harness.spec import Case, Sign, Variant


def premise_only(tokenized, ctx):
    """The buggy preprocess_function, `tokenizer(examples["premise"], truncation=True)`, over every split."""
    tokenizer = ctx.tokenizer

    def preprocess_function(examples):
        return tokenizer(examples["premise"], truncation=True)

    # map overwrites input_ids / attention_mask: the rows keep their text and labels, as the buggy script's would
    return tokenized.map(preprocess_function, batched=True)


CASE = Case(
    id="premise_only",
    title="preprocess_function tokenizes examples['premise'] alone (hypothesis dropped)",
    chapter="check your data: decode the inputs — the model only ever sees the premise, and stays at chance",
    # tiny learns the pair task with Adam(1e-3) within 40 steps (labels_in_dict_keras_loss: val acc 1.00)
    base={"optimizer": "adam", "steps": 40},
    variants=(
        Variant("premise_only", "broken", {"hooks": {"after_tokenize": "cases.premise_only:premise_only"}},
                claims={"cpu": "plateau", "gpu": "plateau"},
                says="the label lives in the pair: on the premise alone the model stays at chance",
                expect={"val_accuracy": ("<", 0.45)},
                doctor=Sign("example", {"n_unused_text_columns": (">", 0)},
                            fix="tokenizer({text_args}, truncation=True)")),
        Variant("fix_premise_and_hypothesis", "fix", {}, claims={"cpu": "ok", "gpu": "ok"},
                says="tokenizer(examples['premise'], examples['hypothesis'], truncation=True), as the chapter has it",
                expect={"val_accuracy": (">", 0.6)}),
    ),
)
