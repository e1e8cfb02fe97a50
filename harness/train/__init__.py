"""The chapter's pipeline and what a run measures: data, tokenizer and model, the pipeline's steps and a case's
hooks between them, the procedures (fit, overfit, initial loss, ...), the step recorder and the trackers.
These are the only modules of fitbench that import TensorFlow (a test enforces it)."""
