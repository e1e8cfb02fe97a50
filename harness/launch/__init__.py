"""One isolated process per variant: the runner (harness/launch/runner.py) asks a launcher for a process
(forked from a zygote that imported the libraries once, or a fresh interpreter), the worker runs the
variant's procedure there and reports back, and a lifeline takes every process down with the runner."""
