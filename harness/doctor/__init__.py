"""`fitbench doctor`: the chapter's checks run on a user's own pipeline, each ✓ / ✗ / – with its evidence, and for
a bug fitbench knows, the fix as a line of code and the case that replays it.

    pipeline.py   what the user describes (model, data, columns, training choices), validated
    inputs.py     reading their files before anything runs: bad input is one line, exit 2
    run.py        the checks in isolated processes (forked from a zygote), each with a time bound
    signs.py      the catalog's knowledge: every case's signs, matched against the facts the checks measured
                  (a `Diagnosis`: a catalogued bug seen, its fix and the case that replays it)
    checks/       what the facts say, check by check (a `Judgement`, judgement.py): ✓ / ✗ / –, evidence, a fix
                  where no case knows the bug; one module per family, each registered with `@judges`
    report.py     the report: terminal text, JSON, the exit code
    notebook.py   the same checks on a Keras model and a tf.data dataset in a notebook's own process

The checks are declared once in harness/spec/checks.py (name, order, stage, words, facts); what measures them
(what runs TensorFlow) is harness/train/checkup/.
"""
