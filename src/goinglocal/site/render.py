"""Jinja2 rendering of the site's pages, with relative links so the site
works from any folder of any static server."""

from __future__ import annotations

import dataclasses
import json
import pickle
import shutil
from functools import lru_cache
from pathlib import Path, PurePath

import jinja2
from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, select_autoescape
from jinja2.bccache import Bucket
from markupsafe import Markup

from goinglocal.site.output import SiteOutput, code_version
from goinglocal.site.urls import relative, site_path

SECTIONS = [("", "Home"), ("classes/", "Browse"), ("questions/", "Questions"), ("map/", "Map"),
            ("timeline/", "Timeline"), ("network/", "Network"), ("ontology/", "Ontology"),
            ("downloads/", "Downloads"), ("editor/", "Query")]


@lru_cache(maxsize=1)
def environment() -> Environment:
    # the templates ship with the package: no need to stat them before every page
    env = Environment(loader=PackageLoader("goinglocal.site", "templates"), auto_reload=False,
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["jsonld_script"] = jsonld_script
    return env


class _CompiledTemplates(FileSystemBytecodeCache):
    """Jinja's cache of compiled templates in a folder, where an entry that
    cannot be read or written is only a template compiled again."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
            bucket.reset()  # a damaged entry (Jinja checks the source's checksum, not the file's)

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:  # the folder is gone (the build folder was removed): not made again
            pass


def cache_compiled_templates(folder: Path) -> None:
    """Keep the templates' compiled code in `folder` (a build's cache
    folder), so that a new process loads it instead of compiling the
    templates again (0.15 s a build). Jinja keys an entry by the template's
    name and checks its source's checksum; the compiled code also depends on
    this module's Environment options and on Jinja, so the entries live in a
    subfolder named after the site code's hash (goinglocal.site.output) and
    Jinja's version, and other subfolders are removed."""
    current = folder / f"jinja-{jinja2.__version__}-{code_version()[:16]}"
    if folder.is_dir():
        for old in folder.iterdir():
            if old != current:
                shutil.rmtree(old, ignore_errors=True)
    current.mkdir(parents=True, exist_ok=True)
    environment().bytecode_cache = _CompiledTemplates(str(current), "%s.cache")


def jsonld_script(data: str | dict) -> Markup:
    """JSON for a <script> element: '</' and '<!--' cannot end the element."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def render_page(out: "SiteOutput | Path", page_dir: str, template: str, key: str | None = None, **context) -> None:
    """Render template into out/page_dir/index.html. With `key` (a text that
    determines everything the page shows, template and folder included), an
    unchanged page is not rendered again (goinglocal.site.output); without
    one, the key is the template, the folder and the context themselves,
    when they are plain data (the page is then a function of them)."""
    site = out if isinstance(out, SiteOutput) else SiteOutput(out)

    def make() -> str:
        return render_text(page_dir, template, **context)
    rel = page_dir + "index.html"
    key = key if key is not None else _context_key(template, page_dir, context)
    if key is None:
        site.write(rel, make())
    else:
        site.render(rel, key, make)


def render_text(page_dir: str, template: str, **context) -> str:
    """The text of template rendered as the page of page_dir."""
    def link(target: str) -> str:
        return relative(page_dir, target)

    def iri_link(iri: str | None) -> str | None:
        if not iri:
            return None
        target = site_path(iri)
        return link(target) if target else iri

    return environment().get_template(template).render(
        link=link, iri_link=iri_link, sections=SECTIONS, page_dir=page_dir,
        static=lambda name: link("static/" + name), **context)


def _plain(value):
    """JSON for the kinds of values pages are given; anything else is not keyed."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, PurePath):
        return str(value)
    raise TypeError(type(value).__name__)


def _context_key(template: str, page_dir: str, context: dict) -> str | None:
    try:
        return json.dumps([template, page_dir, context], sort_keys=True, default=_plain)
    except (TypeError, ValueError):
        return None  # rendered every time
