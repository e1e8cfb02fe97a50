"""Pages of blocks into files: the HTML pages (Jinja2, autoescaped: error messages and warnings land in the page)
and the Markdown ones (pandas' to_markdown, after `md_text` made each cell inert: HTML-escaped, one line, pipes
escaped). Every page opens with its table of contents; every section and every linked row has an anchor; a link
target "page#anchor" becomes the right file of each format (index.html / report.md for the front page)."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import pandas as pd

from harness.report.cells import COLOURS
from harness.report.common import FRONT, Block, Section, slug

_NUMERIC = re.compile(r"^([-+×]?[\d.,]+(e[-+]?\d+)?\s*(%|s|MiB)?|never|–)$")
FILES = {("html", FRONT): "index.html", ("md", FRONT): "report.md"}


@dataclass
class Page:
    name: str                       # "index", "case-initial_loss", "environments"
    title: str
    sections: list[Section]
    nav: list[tuple[str, str]] = field(default_factory=list)  # (text, target): the other pages worth a link
    lead: bool = False              # the first section comes before the table of contents (the front page's news)

    def file(self, fmt: str) -> str:
        return page_file(self.name, fmt)


def page_file(name: str, fmt: str) -> str:
    return FILES.get((fmt, name), f"{name}.{fmt}")


def href(target: str, page: str, fmt: str) -> str:
    """A link target ("page#anchor", "#anchor", "page") as seen from `page`, in format `fmt`."""
    name, _, anchor = target.partition("#")
    if not name or name == page:
        return f"#{anchor}" if anchor else "#"
    return page_file(name, fmt) + (f"#{anchor}" if anchor else "")


def _frame(block: Block, key: str) -> pd.DataFrame | None:
    value = block.get(key)
    return value if isinstance(value, pd.DataFrame) else None


def table_view(block: Block, page: str = FRONT) -> dict[str, Any]:
    """A table block as the HTML template takes it: header names and rows of cells {tag, text, cls, title, href},
    and a row id where the block names one. The index (if the block names one) becomes a first column of <th>;
    numbers without a class are right-aligned."""
    df: pd.DataFrame = block["df"]
    css, titles, links = _frame(block, "css"), _frame(block, "titles"), _frame(block, "links")
    index, ids, index_links = block.get("index"), block.get("row_ids"), block.get("index_links")
    rows = []
    for i, (label, row) in enumerate(df.iterrows()):
        cells = []
        if index:
            target = index_links[i] if index_links else ""
            cells.append({"tag": "th", "text": str(label), "cls": "", "title": "",
                          "href": href(target, page, "html") if target else ""})
        for j, value in enumerate(row):
            text = str(value)
            cls = css.iat[i, j] if css is not None and css.iat[i, j] else ("num" if _NUMERIC.match(text) else "")
            target = links.iat[i, j] if links is not None and links.iat[i, j] else ""
            cells.append({"tag": "td", "text": text, "cls": cls,
                          "title": titles.iat[i, j] if titles is not None and titles.iat[i, j] else "",
                          "href": href(target, page, "html") if target else ""})
        rows.append({"id": ids[i] if ids else "", "cells": cells})
    return {"kind": "table", "header": ([index] if index else []) + [str(c) for c in df.columns], "rows": rows}


_CODE = re.compile(r"(`[^`]+`)")


def md_text(value: Any) -> str:
    """A string made inert for Markdown: one line, HTML-escaped (no tag survives), pipes escaped (no table
    breaks). A `code span` is inert already and shows entities literally: its text is kept as it is (only its
    pipes escaped, which GFM tables need even there). Used for every text and every table cell of report.md."""
    parts = _CODE.split(" ".join(str(value).split()))
    return "".join(part if i % 2 else html.escape(part, quote=False) for i, part in enumerate(parts)) \
        .replace("|", "\\|")


def html_text(value: Any) -> markupsafe.Markup:
    """A string for the HTML page: escaped, its `code spans` as <code> (the Markdown twin shows them as code
    too; raw backticks in a page read as a rendering fault)."""
    parts = _CODE.split(str(value))
    return markupsafe.Markup("".join(f"<code>{markupsafe.escape(part[1:-1])}</code>" if i % 2
                                     else str(markupsafe.escape(part)) for i, part in enumerate(parts)))


def md_link(text: str, target: str, page: str) -> str:
    """[text](file#anchor); the text made inert, brackets escaped; the target is ours ([a-z0-9_.#-])."""
    label = md_text(text).replace("[", "\\[").replace("]", "\\]")
    return f"[{label}]({href(target, page, 'md')})"


def md_table(block: Block, page: str = FRONT) -> str:
    df: pd.DataFrame = block["df"]
    if df.empty:
        return "(none)"
    links, ids, index_links = _frame(block, "links"), block.get("row_ids"), block.get("index_links")
    cells = df.astype(str).apply(lambda col: col.map(md_text))
    if links is not None:
        for i in range(len(df)):
            for j in range(len(df.columns)):
                if links.iat[i, j]:
                    cells.iat[i, j] = md_link(str(df.iat[i, j]), links.iat[i, j], page)
    cells.columns = [md_text(c) for c in df.columns]
    if block.get("index"):
        first = [md_link(str(x), index_links[i], page) if index_links and index_links[i] else md_text(x)
                 for i, x in enumerate(df.index)]
        cells.insert(0, md_text(block["index"]), first)
    if ids:  # the row's anchor, in its first cell: ids are ours ([a-z0-9_-]), never text from a record
        first = cells.columns[0]
        cells[first] = [f'<a id="{i}"></a>{c}' if i else c for i, c in zip(ids, cells[first])]
    # disable_numparse: "1.000" stays "1.000" (tabulate would print 1), "0012" stays a label
    return cells.to_markdown(index=False, tablefmt="pipe", disable_numparse=True)


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                             autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                                                 default_for_string=True),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(md=md_text, code=html_text)
    return env


def _sections(page: Page) -> list[dict[str, Any]]:
    """(title, blocks[, anchor]) as dicts with an anchor unique on the page: the given one, else the title's."""
    out, seen = [], set()
    for section in page.sections:
        title, blocks = section[0], section[1]
        anchor = section[2] if len(section) > 2 and section[2] else slug(title)
        while anchor in seen:
            anchor += "-2"
        seen.add(anchor)
        out.append({"title": title, "anchor": anchor, "blocks": blocks})
    return out


def without_empty_columns(block: Block) -> Block:
    """A table without the columns that say "–" (or nothing) in every row — on CPU records whole columns of
    GPU-only numbers (MFU, NVML, XLA) — with its css, titles and links cut alike."""
    df: pd.DataFrame = block["df"]
    if df.empty:
        return block
    keep = [j for j in range(len(df.columns)) if not df.iloc[:, j].astype(str).isin(("–", "")).all()]
    if len(keep) == len(df.columns):
        return block
    cut = {k: (v.iloc[:, keep] if isinstance(v, pd.DataFrame) and v.shape == df.shape else v)
           for k, v in block.items()}
    return {**cut, "df": df.iloc[:, keep]}


def _for_html(blocks: list[Block], page: str) -> list[Block]:
    out = []
    for b in blocks:
        if b["kind"] == "table":
            out.append(table_view(without_empty_columns(b), page))
        elif b["kind"] == "side":
            out.append({**b, "blocks": _for_html(b["blocks"], page)})
        elif b["kind"] == "links":
            out.append({**b, "items": [(text, href(t, page, "html")) for text, t in b["items"]]})
        else:
            out.append(b)
    return out


def _for_md(blocks: list[Block], page: str) -> list[Block]:
    out = []
    for b in blocks:
        if b["kind"] == "table":
            out.append({"kind": "md", "text": md_table(without_empty_columns(b), page)})
        elif b["kind"] == "side":
            out.append({**b, "blocks": _for_md(b["blocks"], page)})
        elif b["kind"] == "links":
            out.append({"kind": "md", "text": "\n".join(f"- {md_link(t, target, page)}" for t, target in b["items"])})
        else:
            out.append(b)
    return out


def render_html(page: Page) -> str:
    sections = [{**s, "blocks": _for_html(s["blocks"], page.name)} for s in _sections(page)]
    nav = [(text, href(t, page.name, "html")) for text, t in page.nav]
    lead = 1 if page.lead and sections else 0
    return _templates().get_template("report.html.j2").render(title=page.title, lead=sections[:lead],
                                                              sections=sections, rest=sections[lead:], nav=nav,
                                                              colours=COLOURS)


def render_md(page: Page) -> str:
    sections = [{**s, "blocks": _for_md(s["blocks"], page.name)} for s in _sections(page)]
    nav = [md_link(text, t, page.name) for text, t in page.nav]
    lead = 1 if page.lead and sections else 0
    text = _templates().get_template("report.md.j2").render(title=page.title, lead=sections[:lead],
                                                            sections=sections, rest=sections[lead:], nav=nav)
    return text.strip() + "\n"
