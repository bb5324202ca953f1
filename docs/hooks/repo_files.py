"""MkDocs hook: pages may link to files of the repository outside ``docs/`` (e.g. the demo's PNGs).

A page writes the link relative to its own source file, so it also works when the Markdown is read on
GitHub: ``guide/reports.md`` shows ``../../reports/demo/screenshot.png``. Such a target, if it exists and
is not a Markdown page, is copied into the site under ``repo/`` and the link is rewritten to it; a
target that does not exist is left to MkDocs, which reports it (an error under ``--strict``).
"""
import posixpath
import re
from pathlib import Path

from mkdocs.structure.files import File, InclusionLevel

# Markdown links and images whose relative target climbs out of the docs directory.
_LINK = re.compile(r"\]\(((?:\.\./)+[^)\s#]+)")


def on_files(files, config):
    docs = Path(config.docs_dir).resolve()
    root = Path(config.config_file_path).resolve().parent
    for page in [f for f in files if f.is_documentation_page() and f.abs_src_path]:
        text = Path(page.abs_src_path).read_text(encoding="utf-8")
        for target in _LINK.findall(text):
            uri = posixpath.normpath(posixpath.join(posixpath.dirname(page.src_uri), target))
            src = (docs / uri).resolve()
            if (not uri.startswith("../") or files.get_file_from_path(uri) is not None
                    or not src.is_file() or src.suffix == ".md" or root not in src.parents):
                continue
            files.append(File(uri, src_dir=str(docs), dest_dir=config.site_dir,
                              use_directory_urls=config.use_directory_urls,
                              dest_uri="repo/" + src.relative_to(root).as_posix(),
                              inclusion=InclusionLevel.INCLUDED))
    return files
