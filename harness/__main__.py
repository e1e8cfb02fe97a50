"""`python -m harness` does what the `fitbench` console script does."""
from harness.cli import main

raise SystemExit(main())
