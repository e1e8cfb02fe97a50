"""asv benchmarks for fitbench (see asv.conf.json and benchmarks/README_asv.md)."""
