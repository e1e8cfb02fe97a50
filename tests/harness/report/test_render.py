"""The pages' rendering (harness/report/render.py): code spans escaped right in both formats (issue 33: report.md
showed `--pin 'transformers&lt;5'` literally, the HTML raw backticks), columns that say "–" in every row left out
(on CPU, MFU, NVML and XLA columns), every table in a box that scrolls."""
from __future__ import annotations

import pandas as pd

from harness.report.render import Page, html_text, md_text, render_html, render_md, without_empty_columns

PIN = "pin it: `--pin 'transformers<5'` then <b>run</b> | again"


def test_a_code_span_is_literal_in_markdown_and_code_in_html():
    md = md_text(PIN)
    assert "`--pin 'transformers<5'`" in md          # inside a code span an entity would show as "&lt;"
    assert "&lt;b&gt;run&lt;/b&gt;" in md and "\\|" in md  # outside it nothing is markup, no table breaks
    html = str(html_text(PIN))
    assert "<code>--pin &#39;transformers&lt;5&#39;</code>" in html
    assert "&lt;b&gt;run&lt;/b&gt;" in html and "`" not in html


def test_columns_that_are_dashes_everywhere_are_left_out():
    df = pd.DataFrame({"variant": ["a", "b"], "MFU": ["–", "–"], "NVML MiB": ["", "–"],
                       "samples/s": ["10", "–"]})
    css = pd.DataFrame({"variant": ["", ""], "MFU": ["x", "x"], "NVML MiB": ["", ""], "samples/s": ["ok", ""]})
    cut = without_empty_columns({"kind": "table", "df": df, "css": css})
    assert list(cut["df"].columns) == ["variant", "samples/s"] and list(cut["css"].columns) == ["variant",
                                                                                                 "samples/s"]
    page = Page("index", "t", [("S", [{"kind": "table", "df": df, "css": css}, {"kind": "p", "text": PIN}])])
    for text in (render_html(page), render_md(page)):
        assert "MFU" not in text and "NVML" not in text and "samples/s" in text
    assert '<div class="scroll"><table>' in render_html(page)
    assert "<code>" in render_html(page) and "`--pin 'transformers<5'`" in render_md(page)
