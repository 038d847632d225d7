"""HTML to PDF with WeasyPrint, for every document the portal issues (reports, plans, notices).

The print stylesheet sets A4, a CJK font that the PDF embeds, and on every page the document's
reference line and "第 x 页 / 共 y 页 | Page x of y". The page numbers are bilingual on purpose: a
document prints the same whatever the language of whoever asked for it.

The reference line is taken from the document itself: the element with class `pdf-reference`
(see templates/pdf/base.html) sets a running string that each page's footer repeats, so this
module needs no knowledge of what it renders.

Only data: and file: URLs are fetched while rendering: a template can embed a local image or
stylesheet, and nothing in a document can make the worker open a network connection.
"""

import functools
import logging
import shutil
import subprocess

# WeasyPrint logs every rendering step at INFO; keep its warnings (a missing image, bad CSS) only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Debian's fonts-noto-cjk first (see the Dockerfile), then what other systems tend to have.
FONT_FAMILY = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", '
    '"WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Droid Sans Fallback", sans-serif'
)

PRINT_CSS = f"""
@page {{
    size: A4;
    margin: 20mm 16mm 24mm 16mm;
    @bottom-left {{
        content: string(pdf-reference);
        font-family: {FONT_FAMILY};
        font-size: 6.5pt;
        color: #505a5f;
        vertical-align: top;
        width: 70%;
    }}
    @bottom-right {{
        content: "第 " counter(page) " 页 / 共 " counter(pages) " 页 | Page " counter(page) " of " counter(pages);
        font-family: {FONT_FAMILY};
        font-size: 7.5pt;
        color: #505a5f;
        vertical-align: top;
        width: 30%;
        text-align: right;
    }}
}}
html {{
    font-family: {FONT_FAMILY};
    font-size: 9.5pt;
    line-height: 1.45;
    color: #0b0c0c;
}}
.pdf-reference {{
    string-set: pdf-reference content();
}}
"""


def _fetcher():
    # Imported here, not at the top: only the worker renders, and web processes need not load WeasyPrint.
    from weasyprint.urls import URLFetcher

    return URLFetcher(timeout=5, allowed_protocols=("data", "file"), allow_redirects=False)


@functools.cache
def cjk_font_families() -> frozenset[str] | None:
    """Font families installed for Chinese, per fontconfig; None when fc-list is not there to ask."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    # Fixed arguments, no user input.
    found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=10)  # noqa: S603
    return frozenset(name.strip() for line in found.stdout.splitlines() for name in line.split(","))


def _require_cjk_font() -> None:
    """Without a CJK font every Chinese character prints as an empty box: refuse, do not issue that."""
    if cjk_font_families() == frozenset():
        raise RuntimeError("no font for Chinese is installed (Debian: apt-get install fonts-noto-cjk)")


def html_to_pdf(html: str, *, base_url=None) -> bytes:
    """The PDF of `html`, with the portal's print stylesheet applied before the document's own."""
    _require_cjk_font()
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    fetcher = _fetcher()
    stylesheet = CSS(string=PRINT_CSS, font_config=fonts, url_fetcher=fetcher)
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[stylesheet], font_config=fonts)
