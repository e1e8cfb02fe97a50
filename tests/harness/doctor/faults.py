"""Faults for the doctor's isolation tests, as code at the pipeline's named points (harness/train/hooks.py): each
fires inside one check of the worker, so the test can see the others go on."""
import os
import time


def abort_in_graph_compile(kwargs, ctx):
    """Kills the process where the overfit compiles its graph step (eager compiles, as the initial loss's, pass)."""
    if not kwargs.get("run_eagerly"):
        os.abort()
    return kwargs


def hang_in_eager_compile(kwargs, ctx):
    """Never returns where the initial loss compiles its eager evaluation."""
    if kwargs.get("run_eagerly"):
        time.sleep(3600)
    return kwargs
