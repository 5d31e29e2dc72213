"""Jinja2 rendering of the site's pages, with relative links so the site
works from any folder of any static server."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from goinglocal.site.output import SiteOutput
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


def jsonld_script(data: str | dict) -> Markup:
    """JSON for a <script> element: '</' and '<!--' cannot end the element."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def render_page(out: "SiteOutput | Path", page_dir: str, template: str, key: str | None = None, **context) -> None:
    """Render template into out/page_dir/index.html. With `key` (a text that
    determines everything the page shows, template and folder included), an
    unchanged page is not rendered again (goinglocal.site.output)."""
    site = out if isinstance(out, SiteOutput) else SiteOutput(out)

    def make() -> str:
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
    rel = page_dir + "index.html"
    if key is None:
        site.write(rel, make())
    else:
        site.render(rel, key, make)
