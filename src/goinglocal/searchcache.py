"""Search entries kept from the previous build: an entity's entry
(goinglocal.search.index_entries: label, alternative labels, types,
country, keys) is made again only when a changed triple can reach the rows
of the entry queries about it (goinglocal.querydelta), when it or a class
or country its entry names was relabelled; a change to the class hierarchy
makes them all again. The entries are kept in build/cache/search-entries.json
with the sha256 of the graph they were made from, and trusted only when
the change since that graph is known (goinglocal.graphdelta) and this code
wrote them. tests/test_search_cache.py edits the graph at random and
requires the entries to equal those made from scratch."""

from __future__ import annotations

from pathlib import Path

from goinglocal import querydelta, search
from goinglocal.graphdelta import Change, KeptFromGraph, with_removed
from goinglocal.store import KnowledgeGraph
from goinglocal.versions import code_key

FORMAT = "goinglocal-search-entries-1"
PROBES = "search-probes.pickle"
BY_NODE = (search.ENTITIES, search.CLASSES, search.ASSERTED_CLASSES, search.HOME_COUNTRY)  # each about ?node


def search_probes(cache_dir: Path, warm_only: bool = False) -> dict:
    return querydelta.cached_probes([*BY_NODE, search.SUBCLASSES], cache_dir / PROBES, warm_only=warm_only)


def changed_entries(kg: KnowledgeGraph, entries: list[dict], change: Change, known: dict) -> set[str] | None:
    """The IRIs whose entries can differ after the change (None: any)."""
    changed = querydelta.ChangedTriples(change.triples)
    with with_removed(kg.store, change) as store:
        if querydelta.reaches(store, known[search.SUBCLASSES], changed):
            return None
        hit = querydelta.affected_by_any(store, BY_NODE, "node", changed, known)
        if hit is None:
            return None
    relabelled = change.relabelled()
    for entry in entries:
        shown = {entry["iri"], *(t["iri"] for t in entry["types"]), *entry["country_iri"].split("; ")}
        if not relabelled.isdisjoint(shown):
            hit.add(entry["iri"])
    return hit


class SearchCache:
    def __init__(self, cache_dir: Path):
        self.dir = cache_dir
        self.file = KeptFromGraph(cache_dir / "search-entries.json", code_key(FORMAT, search, querydelta))
        self.remade: int | None = None  # entries made again (None: all)

    def entries(self, kg: KnowledgeGraph, before: str | None, change: Change | None) -> list[dict]:
        """The graph's entries, the previous build's where no change reaches them."""
        old = self.file.read(before) if change is not None else None
        hit = changed_entries(kg, old, change, search_probes(self.dir)) if isinstance(old, list) else None
        if hit is None:
            return search.entries_of(kg)
        self.remade = len(hit)
        kept = [e for e in old if e["iri"] not in hit]
        return sorted(kept + (search.entries_of(kg, sorted(hit)) if hit else []), key=lambda e: e["iri"])

    def save(self, graph: str, entries: list[dict]) -> None:
        self.file.save(graph, entries)
