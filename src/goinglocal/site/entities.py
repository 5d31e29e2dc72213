"""One page per entity: id/<path>/index.html from the entity's profile (the
same data `goinglocal` answers from), plus index.ttl and index.jsonld with
the entity's own triples (asserted and inferred) and the labels of what it
links to; the JSON-LD is embedded in the page too."""

from __future__ import annotations

import json
from collections import defaultdict

import pyoxigraph as ox
from rdflib import URIRef

from goinglocal.namespaces import GRAPH_ASSERTED, ONTOLOGY_BASE
from goinglocal.site.profiles import entity_profiles
from goinglocal.site.output import SiteOutput
from goinglocal.site.render import render_page
from goinglocal.site.urls import entity_dir
from goinglocal.store import KnowledgeGraph

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
ENTITY_FILES = ("index.html", "index.ttl", "index.jsonld")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREFIXES = {"gl": ONTOLOGY_BASE, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "skos": "http://www.w3.org/2004/02/skos/core#",
            "xsd": "http://www.w3.org/2001/XMLSchema#", "wd": "http://www.wikidata.org/entity/",
            "dcterms": "http://purl.org/dc/terms/", "prov": "http://www.w3.org/ns/prov#",
            "wgs": "http://www.w3.org/2003/01/geo/wgs84_pos#", "geo": "http://www.opengis.net/ont/geosparql#"}


class Descriptions:
    """Every entity's outgoing triples and incoming links: from one pass over
    the store, or, for a few entities (`only`), from their own quads."""

    def __init__(self, kg: KnowledgeGraph, iris: set[str], only: set[str] | None = None):
        self.kg = kg
        self.out: dict[str, list[ox.Triple]] = defaultdict(list)
        self.incoming: dict[str, dict[str, dict[str, bool]]] = defaultdict(lambda: defaultdict(dict))
        self.labels: dict[str, list[ox.Triple]] = defaultdict(list)
        self.seen: set[tuple] = set()
        if only is None:
            self._labels_looked_up = False
            for quad in kg.store:
                self._add(quad, iris)
            return
        self._labels_looked_up = True
        store = kg.store
        for iri in sorted(only):
            node = ox.NamedNode(iri)
            for quad in store.quads_for_pattern(node, None, None):
                self._add(quad, iris, labels=False)
            for quad in store.quads_for_pattern(None, None, node):
                if quad.subject != node:
                    self._add(quad, iris, labels=False)

    def _add(self, quad: ox.Quad, iris: set[str], labels: bool = True) -> None:
        s, p, o = quad.subject, quad.predicate, quad.object
        if not isinstance(s, ox.NamedNode):
            return
        key = (s, p, o)
        inferred = quad.graph_name.value != GRAPH_ASSERTED
        if labels and p == RDFS_LABEL:
            self.labels[s.value].append(ox.Triple(s, p, o))
        # a blank node object (an anonymous OWL restriction the closure types
        # the entity with) is left out: its description is not in the file,
        # and its label changes every time a store loads the closure
        if s.value in iris and key not in self.seen and not isinstance(o, ox.BlankNode):
            self.seen.add(key)
            self.out[s.value].append(ox.Triple(s, p, o))
        if (isinstance(o, ox.NamedNode) and o.value in iris and s.value in iris
                and p.value != RDF_TYPE and s != o):
            # a link is inferred only if no graph asserts it
            prior = self.incoming[o.value][p.value].get(s.value)
            self.incoming[o.value][p.value][s.value] = inferred if prior is None else (prior and inferred)

    def _labels_of(self, node: str) -> list[ox.Triple]:
        if self._labels_looked_up and node not in self.labels:
            n = ox.NamedNode(node)
            self.labels[node] = list(dict.fromkeys(ox.Triple(n, RDFS_LABEL, q.object)
                                                   for q in self.kg.store.quads_for_pattern(n, RDFS_LABEL, None)))
        return self.labels.get(node, [])

    def _linked(self, iri: str) -> set[str]:
        """The IRIs the entity's own triples link to (objects and properties)."""
        own = self.out.get(iri, [])
        return {t.object.value for t in own if isinstance(t.object, ox.NamedNode)} | {t.predicate.value for t in own}

    def mentioned(self, iri: str) -> set[str]:
        """The IRIs the entity's triples and incoming links show a label of."""
        found = self._linked(iri)
        for prop, subjects in self.incoming.get(iri, {}).items():
            found.add(prop)
            found.update(subjects)
        return found

    def triples(self, iri: str) -> tuple[list[ox.Triple], str]:
        """The entity's triples plus a label for each IRI it links to, in a
        fixed order (a store's own order changes between loads, so an
        unchanged entity gives byte-identical files), and their text, one per
        line: what the entity's Turtle and JSON-LD say."""
        own = self.out.get(iri, [])
        extra = [t for node in sorted(self._linked(iri) - {iri}) for t in self._labels_of(node)]
        keyed = sorted((((str(t.subject), str(t.predicate), str(t.object)), t) for t in own + extra), key=lambda kt: kt[0])
        return [t for _, t in keyed], "\n".join(" ".join(k) for k, _ in keyed)

    def linked_from(self, iri: str, shown: set[str] = frozenset()) -> list[tuple[dict, list[dict]]]:
        """Entities linking to iri, by property, leaving out those the
        profile already shows (shown)."""
        groups = []
        for prop, subjects in sorted(self.incoming.get(iri, {}).items(),
                                     key=lambda kv: self.kg.label(URIRef(kv[0])).casefold()):
            items = sorted(({"iri": s, "label": self.kg.label(URIRef(s)), "inferred": inf}
                            for s, inf in subjects.items() if s not in shown), key=lambda i: i["label"].casefold())
            if items:
                groups.append(({"iri": prop, "label": self.kg.label(URIRef(prop))}, items))
        return groups


def write_entity_pages(kg: KnowledgeGraph, site: SiteOutput, iris: list[str],
                       kept: set[str] = frozenset(), refs: dict[str, list[str]] | None = None) -> tuple[int, int]:
    """Each entity's page, Turtle and JSON-LD (returns how many entities,
    and how many of them were profiled). The entities of `kept` (their
    files unchanged since the folder's build, goinglocal.site.changes) keep
    their files and are not profiled, when the folder still holds them.
    `refs` gives the kept entities' mentioned nodes, and receives every
    entity's (the site's deps)."""
    refs = refs if refs is not None else {}
    iris = [i for i in iris if entity_dir(i) is not None]
    todo = [i for i in iris if i not in kept or i not in refs
            or not site.keep([entity_dir(i) + name for name in ENTITY_FILES])]
    few = len(todo) < len(iris) // 4
    descriptions = Descriptions(kg, set(iris), only=set(todo) if few else None)
    found: dict[str, set[str]] = {}
    for iri, profile in entity_profiles(kg, todo, bound=few, refs=found):
        folder = entity_dir(iri)
        triples, text = descriptions.triples(iri)
        incoming = descriptions.linked_from(iri, shown_in(profile))
        refs[iri] = sorted(found[iri] | descriptions.mentioned(iri) | {iri})
        # the three files show the profile, the incoming links and the triples: nothing else
        key = "\0".join(("entity.html", folder, json.dumps([profile, incoming], sort_keys=True, default=str), text))
        files = [folder + name for name in ENTITY_FILES]
        if site.reuse(files, key):
            continue  # unchanged since the folder's build: not even serialised
        jsonld = ox.serialize(triples, format=ox.RdfFormat.JSON_LD, prefixes=PREFIXES)
        render_page(site, folder, "entity.html", key=key, title=profile["label"], p=profile,
                    roles_by_year=by_year(profile.get("roles") or []),
                    numbers={c["iri"]: i for i, c in enumerate(profile.get("citations") or [], 1)},
                    jsonld=jsonld.decode("utf-8"), incoming=incoming)
        site.write(files[1], ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES), site.key(key))
        site.write(files[2], jsonld, site.key(key))
    for iri in set(refs) - set(iris):
        del refs[iri]
    return len(iris), len(todo)


def shown_in(profile: dict) -> set[str]:
    """The IRIs a profile already links (facts, roles, roll-up, figures)."""
    return ({f["value_iri"] for f in profile.get("facts", []) if f.get("value_iri")}
            | {r["node_iri"] for r in profile.get("roles", [])}
            | {r["node_iri"] for r in profile.get("inside", [])}
            | {f["iri"] for f in profile.get("figures", [])})


def by_year(roles: list[dict]) -> list[tuple[str, list[dict]]]:
    """Roles grouped by year, latest first, undated last."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in roles:
        groups[str(r.get("year") or "")].append(r)
    years = sorted((y for y in groups if y), reverse=True)
    return [(y, groups[y]) for y in years] + ([("no date", groups[""])] if "" in groups else [])
