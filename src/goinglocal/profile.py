"""Everything the graph says about one entity, on one page: its facts, its
roles in engagements, agreements, projects and posts by year, what happened
inside it (for places, through the closure's gl:concernsPlace and
gl:locatedIn), the figures about it, its Wikidata link and the citations
behind each line. `entity_profile` returns plain JSON-serialisable data; the
command line renders it as a table, JSON or Markdown, and the site renders
the same dictionary."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator

from rdflib import URIRef
from rdflib.term import Node

from goinglocal.errors import ParameterError
from goinglocal.namespaces import GRAPH_ASSERTED
from goinglocal.questions import bind_nodes
from goinglocal.store import KnowledgeGraph, term_converter

GL = "https://w3id.org/goinglocal/ontology#"
WIKIDATA = "http://www.wikidata.org/entity/"
PREFIXES = """PREFIX gl:   <https://w3id.org/goinglocal/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""
ASSERTED = f"<{GRAPH_ASSERTED}>"

NODE = PREFIXES + """SELECT ?node ?alt ?comment ?match ?cite WHERE {
  { ?node skos:altLabel ?alt } UNION { ?node rdfs:comment ?comment }
  UNION { ?node skos:exactMatch ?match } UNION { ?node gl:evidence ?cite }
}"""
# outgoing gl: statements, each flagged when only the closure has it
FACTS = PREFIXES + """SELECT ?node ?p ?o ?asserted WHERE {
  ?node ?p ?o .
  FILTER(STRSTARTS(STR(?p), STR(gl:)) && ?p NOT IN (gl:evidence, gl:participatedIn, gl:partyTo, gl:facilitated))
  BIND(EXISTS { GRAPH """ + ASSERTED + """ { ?node ?p ?o } } AS ?asserted)
}"""
# statements other actors and places make about this one (a place's
# municipalities, an organization's branches, the actors at home in a place);
# asserted ones only, so a country does not list every town the closure puts in it
INCOMING = PREFIXES + """SELECT ?node ?s ?p WHERE {
  GRAPH """ + ASSERTED + """ { ?s ?p ?node }
  FILTER(STRSTARTS(STR(?p), STR(gl:)))
  FILTER NOT EXISTS { ?s a ?cls . VALUES ?cls { gl:Engagement gl:Agreement gl:Project gl:Post gl:Figure gl:PolicyDocument gl:WikidataLink gl:ExternalFacts } }
}"""
EXTERNAL_FACTS = PREFIXES + """SELECT ?node ?record ?p ?o ?from ?row WHERE {
  ?record gl:factsAbout ?node ; ?p ?o .
  FILTER(?p NOT IN (gl:factsAbout, gl:factsFrom, gl:referenceRow, gl:retrievedOn, rdf:type))
  OPTIONAL { ?record gl:factsFrom ?from } OPTIONAL { ?record gl:referenceRow ?row }
}"""
ROLES = PREFIXES + """SELECT ?node ?n ?p ?date ?asserted WHERE {
  ?n ?p ?node ; a ?cls .
  VALUES ?cls { gl:Engagement gl:Agreement gl:Project gl:Post gl:PolicyDocument gl:DiplomaticRecognition gl:Partnership }
  FILTER(STRSTARTS(STR(?p), STR(gl:)) && ?p NOT IN (gl:concernsPlace, gl:eventPlace, gl:participantHomePlace, gl:partyHomePlace, gl:evidence))
  OPTIONAL { ?n gl:date|gl:startDate ?date }
  BIND(EXISTS { GRAPH """ + ASSERTED + """ { ?n ?p ?node } } AS ?asserted)
}"""
# roles stated on qualified participations (host, speaker, signatory, attendee ...)
QUALIFIED_ROLES = PREFIXES + """SELECT ?node ?n ?role ?date WHERE {
  ?n gl:qualifiedParticipation ?q . ?q gl:participant ?node ; gl:participantRole ?role .
  OPTIONAL { ?n gl:date|gl:startDate ?date }
}"""
# what concerns a place, and through which asserted link (the host place,
# the site, a party, a participant's home) at which place inside it
INSIDE = PREFIXES + """SELECT ?node ?n ?date ?via ?where ?actor WHERE {
  ?n gl:concernsPlace ?node ; a ?cls .
  VALUES ?cls { gl:Engagement gl:Agreement gl:Project }
  OPTIONAL { ?n gl:date|gl:startDate ?date }
  OPTIONAL {
    { ?n ?via ?where . VALUES ?via { gl:heldIn gl:projectLocation gl:signedIn gl:hasParty } }
    UNION { ?n ?via ?actor . VALUES ?via { gl:hasParticipant gl:hasParty } ?actor gl:homePlace ?where }
    ?where gl:locatedIn* ?node .
  }
}"""
FIGURES = PREFIXES + """SELECT ?node ?f ?quantity ?unit ?asOf ?measures WHERE {
  ?f a gl:Figure ; gl:about ?node .
  OPTIONAL { ?f gl:quantity ?quantity } OPTIONAL { ?f gl:unit ?unit }
  OPTIONAL { ?f gl:asOf ?asOf } OPTIONAL { ?f gl:measures ?measures }
}"""
# for an inferred fact that other nodes give this one: the engagements held in
# the place it is active in, or the engagement, agreement, project or post
# that is itself the value (participated in, party to, held post)
SUPPORT = PREFIXES + """SELECT DISTINCT ?node ?n ?v WHERE {
  ?n ?p ?node ; a ?cls .
  VALUES ?cls { gl:Engagement gl:Agreement gl:Project gl:Post }
  { ?n gl:eventPlace ?v } UNION { ?n a ?cls BIND(?n AS ?v) }
  FILTER(isIRI(?v))
}"""
# every subject (a node the graph says something about)
SUBJECT = "SELECT DISTINCT ?node WHERE { ?node ?p ?o }"
QUERIES = {"subject": SUBJECT, "node": NODE, "facts": FACTS, "incoming": INCOMING, "external": EXTERNAL_FACTS,
           "roles": ROLES, "qualified": QUALIFIED_ROLES, "inside": INSIDE, "figures": FIGURES, "support": SUPPORT}
EVIDENCE_OF = PREFIXES + "SELECT ?n ?c WHERE { ?n gl:evidence ?c }"
CITATIONS = PREFIXES + """SELECT ?c ?source ?footnote ?url ?locator WHERE {
  ?c a gl:Citation .
  OPTIONAL { ?c gl:inSource ?source } OPTIONAL { ?c gl:footnote ?footnote }
  OPTIONAL { ?c gl:url ?url } OPTIONAL { ?c gl:locator ?locator }
}"""
SUBPROPERTIES = PREFIXES + """SELECT ?sub ?super WHERE { ?sub rdfs:subPropertyOf ?super .
  FILTER(isIRI(?sub) && isIRI(?super) && ?sub != ?super) }"""
# inferred properties whose value comes from another node pointing at this one
FROM_OTHERS = {GL + p for p in ("activeIn", "participatedIn", "partyTo", "facilitated", "heldPost", "governedBy",
                                "hasMembership", "memberOf", "stakeholder", "operates", "resultOf", "stakeTransaction")}
INVERSE_NAMES = {GL + "locatedIn": "contains", GL + "homePlace": "home place of", GL + "governs": "governed by",
                 GL + "partOfOrganization": "has part", GL + "basedIn": "base of", GL + "twinnedWith": "twinned with",
                 GL + "about": "subject of", GL + "partner": "partner in"}


class _Context:
    """Per-graph lookups the profile needs more than once (cached on the graph)."""

    def __init__(self, kg: KnowledgeGraph):
        from goinglocal.search import index_entries
        self.entries = {e["iri"]: e for e in index_entries(kg)}
        self.signatures: dict[str, str] = {}  # goinglocal.site.changes.node_signature
        self.evidence: dict[str, list[str]] = defaultdict(list)
        for r in kg.select(EVIDENCE_OF, reasoning=False)[1]:
            self.evidence[str(r["n"])].append(str(r["c"]))
        self.citations: dict[str, dict] = {}
        for r in kg.select(CITATIONS)[1]:
            iri = str(r["c"])
            cite = {
                "iri": iri, "label": kg.label(r["c"]),
                "source": kg.label(r["source"]) if r["source"] is not None else "",
                "footnote": int(r["footnote"]) if r["footnote"] is not None else None,
                "url": str(r["url"]) if r["url"] is not None else None,
                "locator": str(r["locator"]) if r["locator"] is not None else None,
            }
            # a citation with two URLs (or locators) shows the first in order, whatever order the rows come in
            if iri not in self.citations or _citation_key(cite) < _citation_key(self.citations[iri]):
                self.citations[iri] = cite
        self.supers: dict[str, set[str]] = defaultdict(set)
        for r in kg.select(SUBPROPERTIES)[1]:
            self.supers[str(r["sub"])].add(str(r["super"]))

    def cites(self, node: str) -> list[dict]:
        return [self.citations[c] for c in sorted(set(self.evidence.get(node, []))) if c in self.citations]

    def type_label(self, node: str) -> str:
        entry = self.entries.get(node)
        return "; ".join(t["label"] for t in entry["types"]) if entry else ""

    def specific(self, props: set[str]) -> set[str]:
        """Drop a property when a sub-property of it links the same pair."""
        return {p for p in props if not any(p in self.supers.get(q, ()) for q in props if q != p)}


def _citation_key(cite: dict) -> tuple:
    return (cite["source"], cite["footnote"] or 0, cite["url"] or "", cite["locator"] or "")


_CONTEXTS: dict[int, tuple[KnowledgeGraph, _Context]] = {}


def _context(kg: KnowledgeGraph) -> _Context:
    cached = _CONTEXTS.get(id(kg))
    if cached is None or cached[0] is not kg:
        cached = (kg, _Context(kg))
        _CONTEXTS.clear()
        _CONTEXTS[id(kg)] = cached
    return cached[1]


def _local_name(kg: KnowledgeGraph, prop: Node) -> str:
    label = kg.label(prop)
    return label.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if label == str(prop) else label


def _year(term: Node | None) -> str | None:
    return str(term)[:4] if term is not None and str(term)[:4].isdigit() else None


def _value(kg: KnowledgeGraph, term: Node) -> tuple[str, str | None]:
    if isinstance(term, URIRef):
        return kg.label(term), str(term)
    return str(term), None


class _Rows:
    """The rows of the profile queries, grouped by the entity (?node) they
    are about. With IRIs given the queries are bound to them (a VALUES
    block); without, each runs once over the whole graph, which is how the
    site profiles every entity. A query runs when its rows are first asked
    for. Rows come in no fixed order (it differs between the two ways and
    between runs), so a profile must not depend on it: everything it lists
    is sorted to the last key."""

    def __init__(self, kg: KnowledgeGraph, iris: Iterable[str] | None = None):
        self.kg = kg
        self.iris = None if iris is None else sorted(set(iris))
        self.groups: dict[str, dict[str, list[dict]]] = {}
        self.convert = term_converter()  # shared by the queries: they repeat the same terms

    def of(self, name: str, iri: str) -> list[dict]:
        if name not in self.groups:
            grouped: dict[str, list[dict]] = defaultdict(list)
            for row in self._select(QUERIES[name]):
                grouped[str(row["node"])].append(row)
            self.groups[name] = grouped
        return self.groups[name].get(iri, [])

    def iris_in(self, iri: str) -> set[str]:
        """Every IRI in the rows asked for about iri: what its profile shows
        (labels, types, citations) is looked up on these and no others."""
        return {str(term) for grouped in self.groups.values() for row in grouped.get(iri, ())
                for term in row.values() if isinstance(term, URIRef)}

    def _select(self, query: str) -> Iterator[dict[str, Node | None]]:
        """Rows as kg.select gives them, each distinct term converted to
        rdflib once: the batch queries return tens of thousands of rows
        that repeat a few thousand terms."""
        if self.iris is not None:
            query = bind_nodes(query, self.iris)
        result = self.kg.store.query(query, use_default_graph_as_union=True)
        names = [v.value for v in result.variables]
        convert = self.convert
        for solution in result:  # the terms in the variables' order: faster than by name
            yield dict(zip(names, map(convert, solution)))


def entity_profile(kg: KnowledgeGraph, iri: str) -> dict:
    """The profile of one entity (see the module docstring). Raises
    ParameterError if the graph says nothing about iri."""
    return _profile(kg, _context(kg), iri, _Rows(kg, [iri]))


def entity_profiles(kg: KnowledgeGraph, iris: Iterable[str], bound: bool = False,
                    refs: dict[str, set[str]] | None = None) -> Iterator[tuple[str, dict]]:
    """(iri, profile) for each of iris, equal to entity_profile(kg, iri),
    from one run of each query: over the whole graph, or bound to iris
    (quicker for a few). `refs` receives, per IRI, the IRIs in its rows
    (Rows.iris_in)."""
    iris = list(iris)
    ctx, rows = _context(kg), _Rows(kg, iris if bound else None)
    for iri in iris:
        profile = _profile(kg, ctx, iri, rows)
        if refs is not None:
            refs[iri] = rows.iris_in(iri)
        yield iri, profile


def _profile(kg: KnowledgeGraph, ctx: _Context, iri: str, rows: _Rows) -> dict:
    node = URIRef(iri)
    if not rows.of("subject", iri):
        raise ParameterError(f"no node <{iri}> in the graph", "check the IRI, or run 'goinglocal search' to find it")
    entry = ctx.entries.get(iri, {})
    alt, comments, wikidata, own = set(), set(), set(), set()
    for r in rows.of("node", iri):
        if r["alt"] is not None:
            alt.add(str(r["alt"]))
        if r["comment"] is not None:
            comments.add(str(r["comment"]))
        if r["match"] is not None and str(r["match"]).startswith(WIKIDATA):
            wikidata.add(str(r["match"]))
        if r["cite"] is not None:
            own.add(str(r["cite"]))
    used: dict[str, dict] = {}

    def cites(n: str) -> list[dict]:
        found = ctx.cites(n)
        used.update((c["iri"], c) for c in found)
        return found

    node_cites = cites(iri)
    support: dict[str, set[str]] = defaultdict(set)
    for r in rows.of("support", iri):
        support[str(r["v"])].add(str(r["n"]))

    def fact_cites(prop: str, value_iri: str | None, inferred: bool) -> list[dict]:
        """An asserted fact rests on the node's evidence; one the closure
        derives from other nodes pointing at this one (active in a place, held
        a post) on the evidence of those events, agreements, projects or
        posts; one derived from the node's own facts (a transitive located
        in) on the node's evidence."""
        if inferred and prop in FROM_OTHERS and value_iri and support.get(value_iri):
            found = {c["iri"]: c for n in support[value_iri] for c in cites(n)}
            return [found[k] for k in sorted(found)]
        return node_cites

    facts = []
    fact_rows = rows.of("facts", iri)
    by_value: dict[str, set[str]] = defaultdict(set)
    for r in fact_rows:
        by_value[str(r["o"])].add(str(r["p"]))
    keep = {v: ctx.specific(ps) for v, ps in by_value.items()}
    for r in fact_rows:
        prop = str(r["p"])
        if prop not in keep[str(r["o"])]:
            continue
        value, value_iri = _value(kg, r["o"])
        inferred = r["asserted"] is None or str(r["asserted"]) != "true"
        facts.append({"property": prop, "property_label": kg.label(r["p"]), "value": value, "value_iri": value_iri,
                      "inferred": inferred, "citations": fact_cites(prop, value_iri, inferred)})
    for r in rows.of("incoming", iri):
        prop = str(r["p"])
        facts.append({"property": prop, "property_label": INVERSE_NAMES.get(prop, f"inverse of {kg.label(r['p'])}"),
                      "value": kg.label(r["s"]), "value_iri": str(r["s"]), "inferred": False, "inverse": True,
                      "citations": cites(str(r["s"]))})
    for r in rows.of("external", iri):
        value, value_iri = _value(kg, r["o"])
        record = {"iri": str(r["record"]), "label": str(r["row"] or r["record"]),
                  "source": str(r["from"] or ""), "footnote": None, "url": None, "locator": None}
        used[record["iri"]] = record
        facts.append({"property": str(r["p"]), "property_label": _local_name(kg, r["p"]), "value": value,
                      "value_iri": value_iri, "inferred": False, "citations": [record]})
    facts.sort(key=lambda f: (f.get("inverse", False), f["inferred"], f["property_label"], f["value"], f["property"],
                              f["value_iri"] or ""))

    role_rows: dict[str, dict] = {}
    for r in rows.of("roles", iri):
        n = str(r["n"])
        slot = role_rows.setdefault(n, {"props": {}, "dates": set()})
        slot["props"][str(r["p"])] = r["asserted"] is not None and str(r["asserted"]) == "true"
        if r["date"] is not None:
            slot["dates"].add(str(r["date"]))
    for r in rows.of("qualified", iri):
        n = str(r["n"])
        slot = role_rows.setdefault(n, {"props": {}, "dates": set()})
        slot["props"][str(r["role"])] = True
        slot["props"].pop(GL + "hasParticipant", None)  # derived from the participation: the role says more
        if r["date"] is not None:
            slot["dates"].add(str(r["date"]))
    roles = []
    for n, slot in role_rows.items():
        for prop in sorted(ctx.specific(set(slot["props"]))):
            roles.append({"year": _year(min(slot["dates"])) if slot["dates"] else None, "role": prop,
                          "role_label": kg.label(URIRef(prop)), "node_iri": n, "node_label": kg.label(URIRef(n)),
                          "node_type": ctx.type_label(n), "inferred": not slot["props"][prop], "citations": cites(n)})
    roles.sort(key=lambda r: (r["year"] or "9999", r["node_label"], r["role_label"], r["node_iri"], r["role"]))

    inside = []
    if GL + "Locality" in entry.get("classes", ()):
        found: dict[str, dict] = {}
        for r in rows.of("inside", iri):
            n = str(r["n"])
            slot = found.setdefault(n, {"dates": set(), "through": {}})
            if r["date"] is not None:
                slot["dates"].add(str(r["date"]))
            if r["via"] is not None:
                via = kg.label(r["via"]) if r["actor"] is None else f"{kg.label(r['via'])} from"
                key = (via, str(r["where"]), str(r["actor"] or ""))
                slot["through"][key] = {"relation": via, "place": kg.label(r["where"]), "place_iri": str(r["where"]),
                                        "actor": kg.label(r["actor"]) if r["actor"] is not None else None,
                                        "actor_iri": str(r["actor"]) if r["actor"] is not None else None}
        for n, slot in found.items():
            through = [slot["through"][k] for k in sorted(slot["through"])]
            inside.append({"year": _year(min(slot["dates"])) if slot["dates"] else None, "node_iri": n,
                           "node_label": kg.label(URIRef(n)), "node_type": ctx.type_label(n),
                           "through": through,
                           "inferred": not any(t["place_iri"] == iri and t["actor"] is None for t in through),
                           "citations": cites(n)})
        inside.sort(key=lambda r: (r["year"] or "9999", r["node_label"], r["node_iri"]))

    figures = []
    for r in rows.of("figures", iri):
        f = str(r["f"])
        figures.append({"iri": f, "label": kg.label(r["f"]),
                        "quantity": str(r["quantity"]) if r["quantity"] is not None else None,
                        "unit": str(r["unit"]) if r["unit"] is not None else None,
                        "as_of": str(r["asOf"]) if r["asOf"] is not None else None,
                        "measures": str(r["measures"]) if r["measures"] is not None else None,
                        "citations": cites(f)})
    figures.sort(key=lambda f: (f["as_of"] or "", f["label"], f["iri"]))

    return {
        "iri": iri, "label": kg.label(node), "alt_labels": sorted(alt),
        "types": entry.get("types", []), "country": entry.get("country", ""),
        "description": "\n".join(sorted(comments)), "wikidata": sorted(wikidata),
        "facts": facts, "roles": roles, "inside": inside, "figures": figures,
        "citations": sorted(used.values(), key=lambda c: (c["source"], c["footnote"] or 0, c["label"], c["iri"])),
    }


def _cite_refs(cites: list[dict], numbers: dict[str, int]) -> str:
    return ",".join(str(n) for n in sorted(numbers[c["iri"]] for c in cites))


def _numbers(profile: dict) -> dict[str, int]:
    return {c["iri"]: i for i, c in enumerate(profile["citations"], 1)}


def _citation_line(c: dict) -> str:
    where = c["url"] or c["locator"] or ""
    return f"{c['label']}" + (f" ({c['source']})" if c["source"] and c["source"] not in c["label"] else "") + (f" {where}" if where else "")


def to_json(profile: dict) -> str:
    return json.dumps(profile, ensure_ascii=False, indent=1) + "\n"


def to_table(profile: dict, width: int = 60) -> str:
    from goinglocal.answers import to_table as table
    nums = _numbers(profile)
    out = [f"{profile['label']}  <{profile['iri']}>"]
    if profile["types"]:
        out.append("type: " + "; ".join(t["label"] for t in profile["types"])
                   + (f"   country: {profile['country']}" if profile["country"] else ""))
    if profile["alt_labels"]:
        out.append("also: " + "; ".join(profile["alt_labels"]))
    if profile["wikidata"]:
        out.append("wikidata: " + " ".join(profile["wikidata"]))
    if profile["description"]:
        out.append(profile["description"])
    mark = lambda r: "inferred" if r["inferred"] else ""  # noqa: E731
    sections = [
        ("facts", ["property", "value", "how", "cited"],
         [{"property": f["property_label"], "value": f["value"], "how": mark(f),
           "cited": _cite_refs(f["citations"], nums)} for f in profile["facts"]]),
        ("roles", ["year", "role", "in", "kind", "how", "cited"],
         [{"year": r["year"] or "", "role": r["role_label"], "in": r["node_label"], "kind": r["node_type"],
           "how": mark(r), "cited": _cite_refs(r["citations"], nums)} for r in profile["roles"]]),
        ("inside", ["year", "what", "kind", "through", "cited"],
         [{"year": r["year"] or "", "what": r["node_label"], "kind": r["node_type"],
           "through": "; ".join(sorted({f"{t['relation']} {t['place']}" + (f" ({t['actor']})" if t["actor"] else "")
                                        for t in r["through"]})),
           "cited": _cite_refs(r["citations"], nums)} for r in profile["inside"]]),
        ("figures", ["as of", "quantity", "unit", "figure", "cited"],
         [{"as of": f["as_of"] or "", "quantity": f["quantity"] or "", "unit": f["unit"] or "", "figure": f["label"],
           "cited": _cite_refs(f["citations"], nums)} for f in profile["figures"]]),
    ]
    for title, columns, rows in sections:
        if rows:
            out += ["", f"## {title}", table(columns, rows, max_width=width).rstrip("\n")]
    if profile["citations"]:
        out += ["", "## citations"]
        out += [f"[{n}] {_citation_line(c)}" for c, n in ((c, nums[c["iri"]]) for c in profile["citations"])]
    return "\n".join(out) + "\n"


def to_markdown(profile: dict) -> str:
    nums = _numbers(profile)
    esc = lambda s: str(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    link = lambda label, iri: f"[{esc(label)}]({iri})" if iri else esc(label)  # noqa: E731
    refs = lambda cs: " ".join(f"[{nums[c['iri']]}]" for c in cs)  # noqa: E731
    out = [f"# {esc(profile['label'])}", "", f"<{profile['iri']}>", ""]
    if profile["types"]:
        out.append("- type: " + "; ".join(t["label"] for t in profile["types"]))
    if profile["country"]:
        out.append(f"- country: {profile['country']}")
    if profile["alt_labels"]:
        out.append("- also called: " + "; ".join(profile["alt_labels"]))
    if profile["wikidata"]:
        out.append("- Wikidata: " + " ".join(f"<{q}>" for q in profile["wikidata"]))
    if profile["description"]:
        out += ["", profile["description"]]

    def section(title: str, header: list[str], rows: list[list[str]]) -> None:
        if rows:
            out.extend(["", f"## {title}", "", "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)])
            out.extend("| " + " | ".join(row) + " |" for row in rows)

    inf = lambda r: "inferred" if r["inferred"] else ""  # noqa: E731
    section("Facts", ["property", "value", "", "cited"],
            [[esc(f["property_label"]), link(f["value"], f["value_iri"]), inf(f), refs(f["citations"])] for f in profile["facts"]])
    section("Roles", ["year", "role", "in", "kind", "", "cited"],
            [[r["year"] or "", esc(r["role_label"]), link(r["node_label"], r["node_iri"]), esc(r["node_type"]), inf(r),
              refs(r["citations"])] for r in profile["roles"]])
    section("Inside", ["year", "what", "kind", "through", "cited"],
            [[r["year"] or "", link(r["node_label"], r["node_iri"]), esc(r["node_type"]),
              esc("; ".join(sorted({f"{t['relation']} {t['place']}" + (f" ({t['actor']})" if t["actor"] else "")
                                    for t in r["through"]}))), refs(r["citations"])] for r in profile["inside"]])
    section("Figures", ["as of", "quantity", "unit", "figure", "cited"],
            [[f["as_of"] or "", f["quantity"] or "", esc(f["unit"] or ""), link(f["label"], f["iri"]), refs(f["citations"])]
             for f in profile["figures"]])
    if profile["citations"]:
        out += ["", "## Citations", ""]
        out += [f"{nums[c['iri']]}. {esc(_citation_line(c))}" for c in profile["citations"]]
    return "\n".join(out) + "\n"
