"""Content negotiation for the site as `goinglocal serve` serves it: an
entity path (/id/place/ar/jujuy) answers with its page, its Turtle or its
JSON-LD by the request's Accept header; other paths are files of the site."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

from goinglocal.site.urls import iri_for_path

FORMATS = {"text/turtle": "ttl", "application/x-turtle": "ttl", "application/ld+json": "jsonld",
           "text/html": "html", "application/xhtml+xml": "html"}
FILES = {"html": ("index.html", "text/html; charset=utf-8"), "ttl": ("index.ttl", "text/turtle; charset=utf-8"),
         "jsonld": ("index.jsonld", "application/ld+json")}
TYPES = {".ttl": "text/turtle; charset=utf-8", ".jsonld": "application/ld+json", ".nt": "application/n-triples",
         ".nq": "application/n-quads", ".csv": "text/csv; charset=utf-8", ".md": "text/markdown; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".json": "application/json", ".css": "text/css; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class SiteAnswer:
    status: int                  # 200, 303 or 308
    file: Path | None = None
    content_type: str = ""
    location: str | None = None
    vary: bool = False


def preferred_format(accept: str | None) -> str:
    """'html', 'ttl' or 'jsonld' for an Accept header (q-values honoured;
    ties and wildcards go to HTML)."""
    best, best_q, best_rank = "html", -1.0, 99
    for i, part in enumerate((accept or "*/*").split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        fmt = FORMATS.get(media) or ("html" if media in ("*/*", "text/*") else None)
        if fmt is None or q <= 0:
            continue
        rank = 0 if fmt == "html" and media != "*/*" else 1 if fmt != "html" else 2
        if q > best_q or (q == best_q and rank < best_rank):
            best, best_q, best_rank = fmt, q, rank
    return best


def resolve(site: Path, path: str, accept: str | None) -> SiteAnswer | None:
    """What to answer for a GET of path (URL-decoded, without query), or None
    if the site has nothing there."""
    if iri_for_path(path):
        fmt = preferred_format(accept)
        clean = path.split("/index.")[0].rstrip("/")
        if not (site / clean.lstrip("/")).is_dir():
            return None
        if fmt == "html" and not (path.endswith("/") or path.endswith("/index.html")):
            return SiteAnswer(303, location=clean + "/", vary=True)
        name, content_type = FILES[fmt]
        file = site / clean.lstrip("/") / name
        if path.endswith(("/index.html", "/index.ttl", "/index.jsonld")):
            file = site / path.lstrip("/")
            content_type = TYPES.get(file.suffix, content_type)
        if file.is_file():
            return SiteAnswer(200, file=file, content_type=content_type, vary=True)
        return None
    relative = path.lstrip("/")
    if any(part in ("..", "") for part in relative.split("/")[:-1]):
        return None
    file = (site / relative).resolve()
    if not file.is_relative_to(site.resolve()):
        return None
    if file.is_dir():
        if not path.endswith("/"):
            return SiteAnswer(308, location=path + "/")
        file = file / "index.html"
    if file.is_file():
        guess = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return SiteAnswer(200, file=file, content_type=guess)
    return None
