"""Find entities by label or alternative label, accent-, case- and
punctuation-insensitive: "Bio Bio", "Biobío" and "Bío Bío" all find the
Biobío region, "Sao Paulo" finds São Paulo. `ask` parameters resolve with the
same keys (goinglocal.answers.resolve_label); the site renders the same
entries. Exact matches rank before prefix matches, prefix before substring."""

from __future__ import annotations

import re
import unicodedata
import weakref

from rdflib import URIRef
from rdflib.term import Node

from goinglocal.store import KnowledgeGraph

GL = "https://w3id.org/goinglocal/ontology#"
NON_ALNUM = re.compile(r"[^0-9a-z]+")

ENTITIES = """
PREFIX gl:   <https://w3id.org/goinglocal/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?node ?label ?kind WHERE {
  { ?node a gl:FactBearing } UNION { ?node a gl:Source }
  { ?node rdfs:label ?label BIND("label" AS ?kind) } UNION { ?node skos:altLabel ?label BIND("alt" AS ?kind) }
  FILTER(isIRI(?node))
}"""
CLASSES = """
PREFIX gl:   <https://w3id.org/goinglocal/ontology#>
SELECT ?node ?class WHERE {
  { ?node a gl:FactBearing } UNION { ?node a gl:Source }
  ?node a ?class . FILTER(isIRI(?node) && isIRI(?class))
}"""
ASSERTED_CLASSES = """
SELECT ?node ?class WHERE { ?node a ?class . FILTER(isIRI(?node) && isIRI(?class)) }"""
SUBCLASSES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?sub ?super WHERE { ?sub rdfs:subClassOf ?super . FILTER(isIRI(?sub) && isIRI(?super) && ?sub != ?super) }"""
# the country an entity belongs to: an actor's home place, a place's own
# enclosing country, a project's site, an engagement's host place, a post's place
# (from the node's side: starting from the countries, Oxigraph took 4.4 s at 10x, now 0.07 s)
HOME_COUNTRY = """
PREFIX gl:   <https://w3id.org/goinglocal/ontology#>
SELECT DISTINCT ?node ?country WHERE {
  { ?node a gl:Locality . BIND(?node AS ?place) }
  UNION { ?node gl:homePlace|gl:projectLocation|gl:heldIn|gl:postFor ?place }
  { ?place a gl:Country . BIND(?place AS ?country) } UNION { ?place gl:locatedIn ?country . ?country a gl:Country }
}"""


def normalise(text: str) -> str:
    """Lower case, accents and other combining marks dropped (NFKD),
    punctuation and runs of spaces collapsed to one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return NON_ALNUM.sub(" ", bare).strip()


def compact(text: str) -> str:
    """The normalised text without spaces, so "Bio Bio" meets "Biobío"."""
    return normalise(text).replace(" ", "")


_INDEX: "weakref.WeakKeyDictionary[KnowledgeGraph, list[dict]]" = weakref.WeakKeyDictionary()


def index_entries(kg: KnowledgeGraph) -> list[dict]:
    """One entry per labelled entity (fact-bearing nodes and sources;
    citations are reached through the entities they support): iri, label, alt_labels, types (most specific asserted
    classes, [{iri, label}]), classes (every class in the closure, IRIs),
    country / country_iri (home country), keys (normalised label and
    alternative labels). Cached per knowledge graph (a build may give them,
    kept from the last build where no change reaches them: keep_entries)."""
    if kg in _INDEX:
        return _INDEX[kg]
    entries = entries_of(kg)
    _INDEX[kg] = entries
    return entries


def keep_entries(kg: KnowledgeGraph, entries: list[dict]) -> None:
    """The graph's entries, as index_entries would make them (goinglocal.searchcache)."""
    _INDEX[kg] = entries


def entries_of(kg: KnowledgeGraph, nodes: list[str] | None = None) -> list[dict]:
    """The index entries of every entity, or of those among nodes (the
    queries then bound to them)."""
    def select(query: str, reasoning: bool = True):
        if nodes is not None:
            from goinglocal.questions import bind_nodes
            query = bind_nodes(query, sorted(nodes))
        return kg.select(query, reasoning=reasoning)[1]
    labels: dict[URIRef, list[str]] = {}
    alts: dict[URIRef, list[str]] = {}
    for row in select(ENTITIES):
        node, text = row["node"], str(row["label"])
        (labels if str(row["kind"]) == "label" else alts).setdefault(node, []).append(text)
        labels.setdefault(node, [])
    classes: dict[Node, set[str]] = {}
    for row in select(CLASSES):
        classes.setdefault(row["node"], set()).add(str(row["class"]))
    asserted: dict[Node, set[str]] = {}
    for row in select(ASSERTED_CLASSES, reasoning=False):
        if row["node"] in labels:
            asserted.setdefault(row["node"], set()).add(str(row["class"]))
    supers: dict[str, set[str]] = {}
    for row in kg.select(SUBCLASSES)[1]:
        supers.setdefault(str(row["sub"]), set()).add(str(row["super"]))
    countries: dict[Node, set[URIRef]] = {}
    for row in select(HOME_COUNTRY):
        countries.setdefault(row["node"], set()).add(row["country"])
    entries = []
    for node in sorted(labels, key=str):
        own = asserted.get(node, set())
        specific = sorted(c for c in own if not any(c in supers.get(o, ()) for o in own if o != c))
        home = sorted(countries.get(node, ()), key=lambda c: (kg.label(c), str(c)))
        alt = sorted(set(alts.get(node, [])))
        label = kg.label(node)
        keys = sorted({normalise(t) for t in [label, *labels[node], *alt]} - {""})
        entries.append({
            "iri": str(node), "label": label, "alt_labels": alt,
            "types": [{"iri": c, "label": kg.label(URIRef(c))} for c in specific],
            "classes": sorted(classes.get(node, set()) | own),
            "country": "; ".join(kg.label(c) for c in home),
            "country_iri": "; ".join(str(c) for c in home),
            "keys": keys,
        })
    return entries


def match_rank(query: str, entry: dict) -> int | None:
    """0 exact, 1 prefix of the label, 2 prefix of a word in it, 3
    substring, None no match."""
    key, tight = normalise(query), compact(query)
    if not key:
        return None
    best = None
    for candidate in entry["keys"]:
        squeezed = candidate.replace(" ", "")
        if candidate == key or squeezed == tight:
            return 0
        if candidate.startswith(key) or squeezed.startswith(tight):
            rank = 1
        elif f" {key}" in f" {candidate}":
            rank = 2
        elif key in candidate or tight in squeezed:
            rank = 3
        else:
            continue
        best = rank if best is None else min(best, rank)
    return best


LABELLED_OF_CLASS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?node ?label WHERE {
  ?node a ?class .
  { ?node rdfs:label ?label } UNION { ?node skos:altLabel ?label }
  FILTER(isIRI(?node))
}"""


LABELLED = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?node ?label WHERE {
  { ?node rdfs:label ?label } UNION { ?node skos:altLabel ?label }
  FILTER(isIRI(?node))
}"""


def labelled(kg: KnowledgeGraph, cls: URIRef | None) -> list[tuple[URIRef, str]]:
    """Every (node, label or alternative label) of a class, closure included
    (of every node, ontology terms too, when cls is None)."""
    if cls is None:
        return [(r["node"], str(r["label"])) for r in kg.select(LABELLED)[1]]
    return [(r["node"], str(r["label"])) for r in kg.select(LABELLED_OF_CLASS, {"class": cls})[1]]


_KEYED: "weakref.WeakKeyDictionary[KnowledgeGraph, dict]" = weakref.WeakKeyDictionary()


def _keyed_labels(kg: KnowledgeGraph, cls: URIRef | None) -> list[tuple[URIRef, str, str]]:
    """(node, normalised label, compact label) of a class, cached per
    knowledge graph: a build resolves the default of every question's
    parameters, many of them of the same class."""
    by_class = _KEYED.setdefault(kg, {})
    if cls not in by_class:
        by_class[cls] = [(n, normalise(label), compact(label)) for n, label in labelled(kg, cls)]
    return by_class[cls]


def exact_matches(kg: KnowledgeGraph, cls: URIRef | None, text: str) -> list[URIRef]:
    """Nodes of a class whose label or alternative label equals text once
    both are normalised (or, failing that, once spaces are dropped too)."""
    keyed = _keyed_labels(kg, cls)
    key, tight = normalise(text), compact(text)
    if not key:
        return []
    found = sorted({n for n, normal, _ in keyed if normal == key})
    return found or sorted({n for n, _, compacted in keyed if compacted == tight})


def close_labels(kg: KnowledgeGraph, cls: URIRef | None, text: str, n: int = 5) -> list[str]:
    """Labels of a class that look like text: containing it, or close to it."""
    import difflib
    labels = sorted({label for _, label in labelled(kg, cls)})
    key = normalise(text)
    if not key:
        return []
    by_key = {normalise(label): label for label in labels}
    containing = [label for label in labels if key in normalise(label)][:n]
    close = [by_key[k] for k in difflib.get_close_matches(key, list(by_key), n=n, cutoff=0.6)]
    return list(dict.fromkeys(close + containing))[:n]


def class_iri(kg: KnowledgeGraph, cls: str) -> str:
    """A class given as gl:Province, Province, 'province' (its label) or a full IRI."""
    from goinglocal.errors import ParameterError
    if cls.startswith(("http://", "https://")):
        return cls
    name = cls.split(":", 1)[1] if cls.startswith("gl:") else cls
    known = {str(r["c"]) for r in kg.select(
        "PREFIX owl: <http://www.w3.org/2002/07/owl#> SELECT ?c WHERE { ?c a owl:Class . FILTER(isIRI(?c)) }")[1]}
    if GL + name in known:
        return GL + name
    by_label = [c for c in known if c.startswith(GL) and normalise(kg.label(URIRef(c))) == normalise(name)]
    by_name = [c for c in known if c.startswith(GL) and normalise(c[len(GL):]) == normalise(name)]
    found = sorted(set(by_label) | set(by_name))
    if len(found) == 1:
        return found[0]
    import difflib
    names = sorted(c[len(GL):] for c in known if c.startswith(GL))
    close = difflib.get_close_matches(name, names, n=4, cutoff=0.5)
    raise ParameterError(f"--type {cls!r}: no class of that name in the ontology",
                         ("did you mean: " + ", ".join(close)) if close else "give a class such as Province, Company or Engagement")


def search(kg: KnowledgeGraph, text: str, type: str | None = None) -> list[dict]:
    """Entities whose label or alternative label matches text, best first
    (exact, then prefix of the label, prefix of a word, substring; ties:
    places, actors, projects, agreements, engagements, posts, then by label). type narrows to one
    class (reasoning included: Locality finds provinces and cities). Each
    result is an index entry with a "match" key: exact, prefix, word or
    substring."""
    wanted = class_iri(kg, type) if type else None
    found = []
    for entry in index_entries(kg):
        if wanted and wanted not in entry["classes"]:
            continue
        rank = match_rank(text, entry)
        if rank is not None:
            found.append((rank, _kind_order(entry), normalise(entry["label"]), entry["iri"], entry))
    found.sort(key=lambda t: t[:4])
    return [dict(entry, match=MATCHES[rank]) for rank, _, _, _, entry in found]


MATCHES = ("exact", "prefix", "word", "substring")
KIND_ORDER = [GL + c for c in ("Locality", "Actor", "Project", "Agreement", "Engagement", "Post")]


def _kind_order(entry: dict) -> int:
    """Places first, then actors, projects, agreements, engagements, posts, the rest."""
    return next((i for i, c in enumerate(KIND_ORDER) if c in entry["classes"]), len(KIND_ORDER))


def resolve_entity(kg: KnowledgeGraph, text: str) -> str:
    """An entity given as an IRI (full, <...> or id-relative like
    place/ar/jujuy) or as a label, resolved like `ask` parameters: an exact
    normalised match to one entity, else a ParameterError listing candidates."""
    from goinglocal.errors import ParameterError
    from goinglocal.questions import as_iri
    iri = as_iri(text)
    if iri is not None:
        return str(iri)
    found = search(kg, text)
    exact = [e for e in found if e["match"] == "exact"]
    if len(exact) == 1:
        return exact[0]["iri"]
    if not exact:
        close = "; ".join(e["label"] for e in found[:5])
        raise ParameterError(f"nothing is labelled {text!r}",
                             f"did you mean: {close}" if close else "run 'goinglocal search' with part of the name")
    listing = "\n".join(f"    {e['label']}  ({'; '.join(t['label'] for t in e['types'])})  <{e['iri']}>" for e in exact)
    raise ParameterError(f"{text!r} is ambiguous; it names {len(exact)} things:\n{listing}",
                         f"give one of the IRIs instead, e.g. {exact[0]['iri']}")
