"""One module per report section, named as the section (harness/spec/sections.py declares each: its order and
pages); each registers what renders it with `@renders(name, page)`. Importing this package imports every module
in it, so a new section is its module plus its one declaration: nothing here or in harness/report/pages.py
names it."""
from __future__ import annotations

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
