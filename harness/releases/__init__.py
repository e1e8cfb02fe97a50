"""Across library releases: `fitbench bisect` (the first release where a variant's behaviour changed), the
newest releases (latest.py), and the nightly — one night (night.py), what it means (judge.py: the verdict and the
bisects) and what it leaves behind (outputs.py: the report and the verdict's files), its news (news.py)."""
