"""fitbench's harness: data, model, pipeline, runner, trackers, symptoms, report and CLI.

Importing the package sets TF_USE_LEGACY_KERAS=1 before TensorFlow is imported anywhere, because
transformers' TF models need tf-keras (Keras 2); with Keras 3 alone they do not load.
"""
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TF's C++ start-up chatter out of the table

__version__ = "0.1.0"
