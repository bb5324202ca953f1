"""MkDocs hook: Sphinx roles in docstrings (``:class:`ppa.lookup.LookupTable```) become cross-references.

The docstrings use reStructuredText roles (``:mod:``, ``:class:``, ``:func:``, ``:meth:``, ``:attr:``,
``:data:``, ``:exc:``, ``:obj:``), which Markdown renders as the role's name followed by the code
span. Each becomes an optional mkdocs-autorefs reference: a link to the object's API entry when the name is
documented under that identifier (fully qualified), else the plain code span, never a warning.
"""
import re

_ROLE = re.compile(r":(?:mod|class|func|meth|attr|data|exc|obj):<code>~?\.?([\w.]+)(\(\))?</code>")


def on_page_content(html, page, config, files):
    return _ROLE.sub(lambda m: f'<autoref identifier="{m[1]}" optional><code>{m[1]}{m[2] or ""}</code></autoref>', html)
