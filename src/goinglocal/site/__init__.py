"""The static site `goinglocal build` writes to build/site/: home with
search, a page per entity (with Turtle and JSON-LD beside it), class lists,
questions with their answers, map, timeline, network, ontology documentation
and downloads. Every page links relatively, so any static server (or
`goinglocal serve`, which adds content negotiation) can serve the folder."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

from goinglocal.answercache import PROFILE_PROBES
from goinglocal.background import Background
from goinglocal.graphdelta import Change
from goinglocal.paths import Layout
from goinglocal.site import changes, data, downloads, ontology_docs, questions_pages, w3id
from goinglocal.site import classes as class_lists
from goinglocal.site.entities import write_entity_pages
from goinglocal.site.graph_files import graph_files
from goinglocal.site.output import SiteOutput, code_version, read_manifest
from goinglocal.site.profiles import index_entries
from goinglocal.site.render import render_page
from goinglocal.site.timeline_svg import timeline_charts
from goinglocal.site.urls import entity_dir
from goinglocal.store import KnowledgeGraph

SITE_DIR = "site"
MANIFEST = ".site-manifest.json"  # beside site/, in the build folder


@dataclass
class SiteSummary:
    pages: int
    entities: int
    profiled: int       # entities profiled (the others kept their files: goinglocal.site.changes)
    seconds: float
    files_written: int = 0      # files whose bytes changed (the rest were kept from an earlier build)
    files: int = 0


def _copy_static(site: SiteOutput) -> None:
    source = resources.files("goinglocal.site") / "static"
    with resources.as_file(source) as folder:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                site.write("static/" + path.relative_to(folder).as_posix(), path.read_bytes())


def _script(site: SiteOutput, name: str, variable: str, value) -> None:
    """Data for a page as a script assigning a global (works from file:// too)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    site.write("static/" + name, f"window.{variable} = {text};\n")


def _sources(kg: KnowledgeGraph) -> list[dict]:
    _, rows = kg.select("""
        PREFIX gl: <https://w3id.org/goinglocal/ontology#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?s (SAMPLE(?t) AS ?title) (COUNT(DISTINCT ?c) AS ?citations) (COUNT(DISTINCT ?fact) AS ?facts) WHERE {
          ?s a gl:Source . OPTIONAL { ?s dcterms:title ?t }
          OPTIONAL { ?c gl:inSource ?s . OPTIONAL { ?fact gl:evidence ?c } }
        } GROUP BY ?s ORDER BY DESC(?facts) ?s""")
    return [{"iri": str(r["s"]), "label": kg.label(r["s"]), "title": str(r["title"]) if r["title"] else None,
             "citations": int(r["citations"]), "facts": int(r["facts"])} for r in rows]


class SiteWriter:
    """A site being written into out/site (out is the build folder being
    staged). Made as soon as the graph is ready: it moves `spare` (the site
    of an earlier build, with its manifest beside it as spare.json) into
    place to be brought up to date (goinglocal.site.output), and starts the
    pages made from the graph alone, most of the site's work, in a forked
    child on the other core (_graph_pages). finish() writes the pages that
    need the answers and the manifest, out/.site-manifest.json."""

    def __init__(self, kg: KnowledgeGraph, layout: Layout, out: Path, spare: Path | None = None,
                 graph: str | None = None, since: Callable[[str], Change | None] | None = None):
        """graph: the sha256 of the graph's N-Quads; since(sha): what changed
        from the graph with that sha to this one, if known
        (goinglocal.graphdelta). Without them every entity is profiled."""
        self.started = time.perf_counter()
        self.kg, self.layout, self.out, self.graph = kg, layout, out, graph
        manifest = spare_manifest(spare) if spare is not None else None
        previous = read_manifest(manifest) if spare is not None and spare.is_dir() else None
        change = _since_spare(previous, since)
        if previous is not None:
            out.mkdir(parents=True, exist_ok=True)
            os.replace(spare, out / SITE_DIR)
        if spare is not None:
            shutil.rmtree(spare, ignore_errors=True)
            manifest.unlink(missing_ok=True)
        self.site = SiteOutput(out / SITE_DIR, previous)
        self.ontology_page = (previous or {}).get("ontology")  # the ontology's page without its counts
        _copy_static(self.site)
        # what both processes read (labels, the search index), made once before the fork
        kg.labels, index_entries(kg), data.iri_label(kg)
        self.iris = [i for i in data.entities(kg) if entity_dir(i)]
        probes = spare.parent / PROFILE_PROBES if spare is not None else None
        self.graph_pages = Background(_graph_pages, kg, layout, self.site.folder, previous, self.iris, change, probes)

    def finish(self, stats: dict, answered: list) -> SiteSummary:
        try:
            pages, self.ontology_page = _answer_pages(self.kg, self.layout, self.site, answered, self.ontology_page)
            # what needs nothing of the child's, done while it works: the home page's sources, the
            # redirects, and the folder's files (those the child adds meanwhile are all its own)
            sources = _sources(self.kg)
            w3id.write(self.out)
            on_disk = self.site.on_disk()
            done = self.graph_pages.result()
            pages += done.pages + _home(self.site, stats, done.classes, sources, len(self.iris), len(answered))
        except BaseException:
            self.cancel()
            raise
        self.site.adopt(done.files, done.written)
        manifest = self.site.finish(on_disk)
        if self.ontology_page is not None:
            manifest["ontology"] = self.ontology_page
        if self.graph is not None:  # what the next build compares its graph with (goinglocal.site.changes)
            manifest.update(graph=self.graph, deps=done.deps)
        (self.out / MANIFEST).write_text(json.dumps(manifest, separators=(",", ":")), encoding="utf-8")
        return SiteSummary(pages=pages, entities=done.entities, profiled=done.profiled,
                           seconds=time.perf_counter() - self.started,
                           files_written=self.site.written, files=len(manifest["files"]))

    def cancel(self) -> None:
        self.graph_pages.cancel()


def write_site(kg: KnowledgeGraph, layout: Layout, out: Path, stats: dict, answered: list,
               spare: Path | None = None, graph: str | None = None,
               since: Callable[[str], Change | None] | None = None) -> SiteSummary:
    """The whole site at once (SiteWriter)."""
    return SiteWriter(kg, layout, out, spare, graph, since).finish(stats, answered)


@dataclass
class _GraphPagesDone:
    written: int            # files written (the others kept)
    files: dict             # their manifest entries
    pages: int              # pages, entities' included
    entities: int
    profiled: int
    deps: dict              # to keep beside the manifest (goinglocal.site.changes)
    classes: list           # the classes the home page lists (goinglocal.site.classes.summary)


def _unchanged(kg: KnowledgeGraph, iris: list[str], previous: dict | None, change: Change | None,
               probes: Path | None) -> tuple[set[str], dict]:
    """The entities whose files the spare site holds as this graph would
    make them (goinglocal.site.changes), and their mentioned nodes.
    change: what changed since the spare's graph (_since_spare); probes:
    where the profile probes are cached."""
    deps = (previous or {}).get("deps")
    if not deps or change is None or previous.get("code") != code_version():
        return set(), {}
    affected = changes.affected_entities(kg, deps, change, iris, cache=probes)
    if affected is None:
        return set(), {}
    return set(iris) - affected, changes.previous_refs(deps)


def _graph_pages(kg: KnowledgeGraph, layout: Layout, folder: Path, previous: dict | None, iris: list[str],
                 change: Change | None, probes: Path | None) -> _GraphPagesDone:
    """Every page made from the graph alone, written into the site folder by
    a forked child: the entities' (most of the site; those no change reaches
    are kept, _unchanged), the classes, map, timeline, network, downloads
    and query pages. change: what changed since the graph the folder's site
    was made from, if known."""
    site = SiteOutput(folder, previous)
    kept, refs = _unchanged(kg, iris, previous, change, probes)
    count, profiled = write_entity_pages(kg, site, iris, kept, refs)
    classes = data.classes(kg)
    pages = count + class_lists.write_pages(kg, site, classes)
    csvs = class_lists.write_csvs(kg, site, classes, change)

    points = data.map_points(kg)
    _script(site, "map-data.js", "GL_MAP", [dict(p, href=entity_dir(p["iri"])) for p in points])
    render_page(site, "map/", "map.html", title="Map", points=points)

    tl = data.timeline(kg)
    render_page(site, "timeline/", "timeline.html", title="Timeline", charts=timeline_charts(tl),
                milestones=tl["milestones"])

    net = data.network(kg)
    for n in net["nodes"]:
        n["href"] = entity_dir(n["id"])
    _script(site, "network-data.js", "GL_NETWORK", net)
    render_page(site, "network/", "network.html", title="Network", net=net)
    pages += 3 + downloads.write(kg, layout, site, classes, csvs)
    render_page(site, "editor/", "query.html", title="Query")
    return _GraphPagesDone(site.written, site.files, pages + 1, count, profiled, changes.make_deps(kg, refs),
                           [class_lists.summary(c) for c in classes[:40]])


def _since_spare(previous: dict | None, since: Callable[[str], Change | None] | None) -> Change | None:
    """What changed from the graph the spare site was made from (its
    manifest names it) to this one; None when that is not known."""
    if previous is None or since is None or not previous.get("graph"):
        return None
    return since(previous["graph"])


def spare_manifest(spare: Path) -> Path:
    """The spare site's manifest, beside it."""
    return spare.with_suffix(".json")


def _answer_pages(kg: KnowledgeGraph, layout: Layout, site: SiteOutput, answered: list,
                  ontology_page: dict | None = None) -> tuple[int, dict | None]:
    """The pages that need the answers (the questions, and their downloads),
    the search index and the ontology's page (here to share the work evenly
    with the child). Returns how many pages, and the ontology's page without
    its counts, to keep for the next build (ontology_docs.write)."""
    entries = [{"iri": e["iri"], "href": entity_dir(e["iri"]), "label": e["label"], "alt_labels": e["alt_labels"],
                "types": [t["label"] for t in e["types"]], "country": e.get("country") or "", "keys": e["keys"]}
               for e in index_entries(kg) if entity_dir(e["iri"])]
    _script(site, "search-index.js", "GL_SEARCH", entries)
    downloads.write_answers(site)
    ontology, ontology_page = ontology_docs.write(kg, layout, site, ontology_page)
    return questions_pages.write(kg, layout, site, answered) + ontology, ontology_page


def _home(site: SiteOutput, stats: dict, classes: list, sources: list[dict], entity_count: int,
          questions: int) -> int:
    render_page(site, "", "home.html", title="Home", stats=stats, classes=classes,
                sources=sources, entity_count=entity_count, questions=questions)
    return 1
