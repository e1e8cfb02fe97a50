"""One module per report section, each with `build(ctx) -> (title, blocks)`; harness/report/__init__.py lists
them in the order the report shows them."""
