"""Where each page of the site lives. An entity IRI under
https://w3id.org/goinglocal/id/ has its page at the same path under the site
root (id/place/ar/jujuy/ -> id/place/ar/jujuy/index.html, with index.ttl and
index.jsonld beside it); an ontology term has an anchor on ontology/."""

from __future__ import annotations

import re
from functools import lru_cache

from goinglocal.namespaces import ID_BASE, ONTOLOGY_BASE

SAFE_PATH = re.compile(r"^[A-Za-z0-9._~%/-]+$")


@lru_cache(maxsize=65536)
def entity_dir(iri: str) -> str | None:
    """The site-relative folder of an entity IRI ('id/place/ar/jujuy/'), or
    None for an IRI the site has no page for."""
    if not iri.startswith(ID_BASE):
        return None
    rest = iri[len(ID_BASE):]
    if not rest or not SAFE_PATH.match(rest) or ".." in rest.split("/") or rest.endswith("/"):
        return None
    return f"id/{rest}/"


def term_anchor(iri: str) -> str | None:
    if iri.startswith(ONTOLOGY_BASE):
        return f"ontology/#{iri[len(ONTOLOGY_BASE):]}"
    return None


@lru_cache(maxsize=65536)
def site_path(iri: str) -> str | None:
    """Site-relative link target for any IRI the site describes."""
    return entity_dir(iri) or term_anchor(iri)


def iri_for_path(path: str) -> str | None:
    """The entity IRI a request path names ('/id/place/ar/jujuy' or with a
    trailing slash or index file), or None."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    for tail in ("/index.html", "/index.ttl", "/index.jsonld", "/"):
        if path.endswith(tail):
            path = path[: -len(tail)]
            break
    if not path.startswith("/id/") or len(path) <= 4:
        return None
    iri = ID_BASE + path[4:]
    return iri if entity_dir(iri) else None


def relative(from_dir: str, target: str) -> str:
    """A link from the folder from_dir to the site path target, through the
    root ('../../id/place/ar/' from 'id/place/cl/' to 'id/place/ar/')."""
    root = "../" * len([p for p in from_dir.split("/") if p])
    return (root + target) or "./"
