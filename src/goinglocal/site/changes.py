"""Which entity pages an edit can change, so that a build keeps the others
as the spare site holds them, without profiling them again.

An entity's files show its profile, its own triples and the links to it.
They are a function of
- the rows of the profile queries about it (goinglocal.profile.QUERIES):
  goinglocal.querydelta finds the nodes whose rows the changed triples can
  change;
- its own triples and the triples pointing at it: the subject and object of
  every changed triple;
- what is shown of each IRI in those rows and triples (its label, its
  types and country from the search index, its citations): each such node's
  signature is kept, and a page whose nodes changed signature is made again;
- the set of entities (a link is listed only between two of them) and the
  sub-property hierarchy (it decides which of two facts a profile shows):
  a change to either counts for every page it can reach.

The changed triples lead from the graph the spare site was made from to the
new one (goinglocal.graphdelta). When anything needed is missing or is not
what this code wrote, every page is made again.
tests/test_site_changes.py edits a repository in many ways and requires the
kept and remade site to equal one made from scratch, byte for byte."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox
from rdflib import URIRef

from goinglocal import querydelta
from goinglocal.graphdelta import Change, with_removed
from goinglocal.profile import QUERIES, _context
from goinglocal.store import KnowledgeGraph

DEPS_FORMAT = "goinglocal-site-deps-1"
SUBPROPERTY = "http://www.w3.org/2000/01/rdf-schema#subPropertyOf"


def node_signature(kg: KnowledgeGraph, ctx, iri: str) -> str:
    """What a page shows of a node it mentions: label, search entry,
    citations. Made once per node of a graph: the build compares them with
    the spare site's (affected_entities) and keeps them for the next build
    (make_deps, in the child that inherits this one's)."""
    made = ctx.signatures
    if (found := made.get(iri)) is None:
        data = [kg.label(URIRef(iri)), ctx.entries.get(iri), ctx.cites(iri)]
        found = made[iri] = hashlib.blake2b(json.dumps(data, sort_keys=True, default=str).encode(),
                                            digest_size=12).hexdigest()
    return found


def make_deps(kg: KnowledgeGraph, refs: dict[str, Iterable[str]]) -> dict:
    """What to keep beside the site's manifest: each entity's mentioned
    nodes, and each mentioned node's signature."""
    ctx = _context(kg)
    nodes = sorted({n for r in refs.values() for n in r})
    index = {n: i for i, n in enumerate(nodes)}
    return {"format": DEPS_FORMAT, "nodes": nodes, "sigs": [node_signature(kg, ctx, n) for n in nodes],
            "entities": {e: sorted(index[n] for n in r) for e, r in sorted(refs.items())}}


def previous_refs(deps: dict) -> dict[str, list[str]]:
    nodes = deps["nodes"]
    return {e: [nodes[i] for i in r] for e, r in deps["entities"].items()}


def _neighbours(store: ox.Store, iri: str) -> set[str]:
    node = ox.NamedNode(iri)
    found = {q.object.value for q in store.quads_for_pattern(node, None, None) if isinstance(q.object, ox.NamedNode)}
    found |= {q.subject.value for q in store.quads_for_pattern(None, None, node) if isinstance(q.subject, ox.NamedNode)}
    return found


def affected_entities(kg: KnowledgeGraph, deps: dict, change: Change, iris: list[str],
                      cache: Path) -> set[str] | None:
    """The entities (of iris) whose files can differ from the spare site's,
    which was made with these deps from the graph `change` leads from; None:
    any can. `cache`: a file for the queries' probes (querydelta.cached_probes)."""
    if not isinstance(deps, dict) or deps.get("format") != DEPS_FORMAT:
        return None
    changed = change.triples
    if any(isinstance(p, ox.NamedNode) and p.value == SUBPROPERTY for _, p, _ in changed):
        return None  # which of two facts a profile shows depends on the hierarchy
    before = set(deps["entities"])
    now = set(iris)
    hit = now - before  # new pages
    for s, _, o in changed:  # their own triples, or the links to them
        hit.update(t.value for t in (s, o) if isinstance(t, ox.NamedNode))
    store = kg.store
    for member in before ^ now:  # a link is listed only between two entities
        hit |= _neighbours(store, member)
    known = querydelta.cached_probes(QUERIES.values(), cache)
    with with_removed(store, change):
        rows = querydelta.affected_by_any(store, QUERIES.values(), "node", changed, known)
    if rows is None:
        return None
    hit |= rows
    # what the pages show of the nodes they mention
    ctx = _context(kg)
    relabelled = change.relabelled()
    nodes, sigs = deps["nodes"], deps["sigs"]
    stale = {i for i, (n, sig) in enumerate(zip(nodes, sigs))
             if n in relabelled or node_signature(kg, ctx, n) != sig}
    hit |= {e for e, r in deps["entities"].items() if not stale.isdisjoint(r)}
    return hit & now
