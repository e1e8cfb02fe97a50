"""Environments: what the running one is (describe.py, code.py), fitbench's dependencies and the era pins in a
pinned one (requirements.py), and the others fitbench runs in — one interface for all of them (environment.py:
resolve, build, run a suite or a variant — as a `fitbench run` child process, suite_process.py — describe; the
current interpreter, uv's, asv's in asv.py), resolved as of their pinned releases' date (asof.py, from the index's
upload times: index.py), made by one builder (build.py), with the packages that move together (companions.py)."""
