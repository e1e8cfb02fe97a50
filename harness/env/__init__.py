"""Environments: what the running one is (describe.py), fitbench's dependencies in a pinned one
(requirements.py), and building others: the package index, requirement names and versions, virtual
environments made with uv or venv + pip."""
