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
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREFIXES = {"gl": ONTOLOGY_BASE, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "skos": "http://www.w3.org/2004/02/skos/core#",
            "xsd": "http://www.w3.org/2001/XMLSchema#", "wd": "http://www.wikidata.org/entity/",
            "dcterms": "http://purl.org/dc/terms/", "prov": "http://www.w3.org/ns/prov#",
            "wgs": "http://www.w3.org/2003/01/geo/wgs84_pos#", "geo": "http://www.opengis.net/ont/geosparql#"}


class Descriptions:
    """Every entity's outgoing triples and incoming links, from one pass over the store."""

    def __init__(self, kg: KnowledgeGraph, iris: set[str]):
        self.kg = kg
        self.out: dict[str, list[ox.Triple]] = defaultdict(list)
        self.incoming: dict[str, dict[str, dict[str, bool]]] = defaultdict(lambda: defaultdict(dict))
        self.labels: dict[str, list[ox.Triple]] = defaultdict(list)
        seen: set[tuple] = set()
        for quad in kg.store:
            s, p, o = quad.subject, quad.predicate, quad.object
            if not isinstance(s, ox.NamedNode):
                continue
            key = (s, p, o)
            inferred = quad.graph_name.value != GRAPH_ASSERTED
            if p == RDFS_LABEL:
                self.labels[s.value].append(ox.Triple(s, p, o))
            # a blank node object (an anonymous OWL restriction the closure types
            # the entity with) is left out: its description is not in the file,
            # and its label changes every time a store loads the closure
            if s.value in iris and key not in seen and not isinstance(o, ox.BlankNode):
                seen.add(key)
                self.out[s.value].append(ox.Triple(s, p, o))
            if (isinstance(o, ox.NamedNode) and o.value in iris and s.value in iris
                    and p.value != RDF_TYPE and s != o):
                # a link is inferred only if no graph asserts it
                prior = self.incoming[o.value][p.value].get(s.value)
                self.incoming[o.value][p.value][s.value] = inferred if prior is None else (prior and inferred)

    def triples(self, iri: str) -> tuple[list[ox.Triple], str]:
        """The entity's triples plus a label for each IRI it links to, in a
        fixed order (a store's own order changes between loads, so an
        unchanged entity gives byte-identical files), and their text, one per
        line: what the entity's Turtle and JSON-LD say."""
        own = self.out.get(iri, [])
        linked = {t.object.value for t in own if isinstance(t.object, ox.NamedNode)} | {t.predicate.value for t in own}
        extra = [t for node in sorted(linked - {iri}) for t in self.labels.get(node, [])]
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


def write_entity_pages(kg: KnowledgeGraph, site: SiteOutput, iris: list[str]) -> int:
    descriptions = Descriptions(kg, set(iris))
    pages = 0
    for iri, profile in entity_profiles(kg, [i for i in iris if entity_dir(i) is not None]):
        folder = entity_dir(iri)
        triples, text = descriptions.triples(iri)
        incoming = descriptions.linked_from(iri, shown_in(profile))
        # the three files show the profile, the incoming links and the triples: nothing else
        key = "\0".join(("entity.html", folder, json.dumps([profile, incoming], sort_keys=True, default=str), text))
        files = [folder + "index.html", folder + "index.ttl", folder + "index.jsonld"]
        pages += 1
        if site.reuse(files, key):
            continue  # unchanged since the folder's build: not even serialised
        jsonld = ox.serialize(triples, format=ox.RdfFormat.JSON_LD, prefixes=PREFIXES)
        render_page(site, folder, "entity.html", key=key, title=profile["label"], p=profile,
                    roles_by_year=by_year(profile.get("roles") or []),
                    numbers={c["iri"]: i for i, c in enumerate(profile.get("citations") or [], 1)},
                    jsonld=jsonld.decode("utf-8"), incoming=incoming)
        site.write(files[1], ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES), site.key(key))
        site.write(files[2], jsonld, site.key(key))
    return pages


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
