"""Typed records and what is computed from them, without TensorFlow: the record and its files, the metric
registry, grouping of repeats and identity (environment, hardware), error lines and number formatting. What two
sets of records say changed is harness/verdict/'s."""
