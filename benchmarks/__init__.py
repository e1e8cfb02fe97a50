"""asv benchmarks for fitbench (see asv.conf.json and the README section on asv)."""
