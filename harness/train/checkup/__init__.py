"""The doctor's checks as they run on a user's pipeline: the subject (the user's model, batches and rows, built from
files or handed over in a notebook), the facts each check measures (data.py without TensorFlow, steps.py with
it), and the worker procedure that runs them in order and journals each as it ends (procedure.py).

Checks only measure: they return facts (harness/spec/signs.py FACTS). What the facts mean — ✓ / ✗ / –, the
evidence, the bug a case knows and its fix — is the doctor's to say (harness/doctor/).
"""
