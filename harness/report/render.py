"""Blocks into pages: the HTML report (Jinja2, autoescaped: error messages and warnings land in the page) and
the Markdown one (pandas' to_markdown, after `md_text` made each cell inert: HTML-escaped, one line, pipes
escaped)."""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from harness.report.common import Block, Section

_NUMERIC = re.compile(r"^([-+×]?[\d.,]+(e[-+]?\d+)?\s*(%|s|MiB)?|never|–)$")


def table_view(block: Block) -> dict[str, Any]:
    """A table block as the HTML template takes it: header names and rows of cells {tag, text, cls, title}. The
    index (if the block names one) becomes a first column of <th>; numbers without a class are right-aligned."""
    df: pd.DataFrame = block["df"]
    css, titles, index = block.get("css"), block.get("titles"), block.get("index")
    rows = []
    for i, (label, row) in enumerate(df.iterrows()):
        cells = [{"tag": "th", "text": str(label), "cls": "", "title": ""}] if index else []
        for j, value in enumerate(row):
            text = str(value)
            cls = css.iat[i, j] if css is not None and css.iat[i, j] else ("num" if _NUMERIC.match(text) else "")
            cells.append({"tag": "td", "text": text, "cls": cls,
                          "title": titles.iat[i, j] if titles is not None and titles.iat[i, j] else ""})
        rows.append(cells)
    return {"kind": "table", "header": ([index] if index else []) + [str(c) for c in df.columns], "rows": rows}


def md_text(value: Any) -> str:
    """A string made inert for Markdown: one line, HTML-escaped (no tag survives), pipes escaped (no table
    breaks). Used for every text and every table cell of report.md."""
    return html.escape(" ".join(str(value).split()), quote=False).replace("|", "\\|")


def md_table(block: Block) -> str:
    df: pd.DataFrame = block["df"]
    if df.empty:
        return "(none)"
    if block.get("index"):
        df = df.rename_axis(block["index"]).reset_index()
    cells = df.astype(str).apply(lambda col: col.map(md_text))
    cells.columns = [md_text(c) for c in df.columns]
    # disable_numparse: "1.000" stays "1.000" (tabulate would print 1), "0012" stays a label
    return cells.to_markdown(index=False, tablefmt="pipe", disable_numparse=True)


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                             autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                                                 default_for_string=True),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(md=md_text, md_table=md_table)
    return env


def _for_html(blocks: list[Block]) -> list[Block]:
    return [table_view(b) if b["kind"] == "table" else {**b, "blocks": _for_html(b["blocks"])} if b["kind"] == "side"
            else b for b in blocks]


def render_html(title: str, sections: list[Section]) -> str:
    page = _templates().get_template("report.html.j2")
    return page.render(title=title, sections=[(name, _for_html(blocks)) for name, blocks in sections])


def render_md(title: str, sections: list[Section]) -> str:
    return _templates().get_template("report.md.j2").render(title=title, sections=sections).strip() + "\n"
