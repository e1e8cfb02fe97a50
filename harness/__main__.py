"""`python -m harness` does what the `fitbench` console script does."""
from harness.commands import main

raise SystemExit(main())
