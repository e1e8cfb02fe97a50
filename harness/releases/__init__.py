"""Across library releases: `fitbench bisect` (the first release where a variant's behaviour changed) and the
nightly (the suite, the report and the comparison with the last night)."""
