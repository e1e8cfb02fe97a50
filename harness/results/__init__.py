"""Typed records and what is computed from them, without TensorFlow: the record and its files, the metric
registry, grouping of repeats, noise, comparison, error lines and number formatting."""
