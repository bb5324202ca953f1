"""MkDocs hook: GitHub alert blocks (``> [!NOTE]`` …) become Material admonitions.

The pages are read on GitHub too (README.md links into them), where ``> [!WARNING]`` renders as an
alert and ``!!! warning`` would not; on the site the same block becomes ``!!! warning``.
"""
import re

_KINDS = {"NOTE": "note", "TIP": "tip", "IMPORTANT": "info", "WARNING": "warning", "CAUTION": "danger"}
_START = re.compile(r"^> \[!(" + "|".join(_KINDS) + r")\]\s*$")


def on_page_markdown(markdown, page, config, files):
    out, fence, alert = [], False, False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            fence = not fence
        if not fence and (m := _START.match(line)):
            out.append(f"!!! {_KINDS[m[1]]}")
            alert = True
            continue
        if alert and line.startswith(">"):
            out.append(("    " + line[1:].removeprefix(" ")).rstrip())
            continue
        alert = False
        out.append(line)
    return "\n".join(out)
