"""Live look-ups on a Wikidata-shaped SPARQL endpoint, all batched with
VALUES (never one query per entity): places the tables could not settle,
organizations, people who held public office, facts about linked items and
P190 (twinned administrative body) pairs. A candidate is linked only when
exactly one item has the name and the expected parent or country."""

from __future__ import annotations

from dataclasses import dataclass

from goinglocal.wikidata import WD
from goinglocal.wikidata.client import SparqlClient, chunks, values_items, values_literals
from goinglocal.wikidata.normalise import normalise, normalise_org
from goinglocal.wikidata.reference import Candidate, Outcome

LANGS = ("es", "en", "zh")
NOT_ORGS = {"Q4167410", "Q5", "Q13406463", "Q4167836"}  # disambiguation, human, list, category


@dataclass
class Pending:
    outcome: Outcome
    names: list[str]
    anchor: str | None      # parent place QID (places) or home country QID (actors)


def _q(iri: str) -> str:
    return iri[len(WD):] if iri.startswith(WD) else iri


def _label_rows(client: SparqlClient, pending: list[Pending], body: str) -> list[dict]:
    names = sorted({n for p in pending for n in p.names})
    rows = []
    for batch in chunks(names, 60):  # 60 names x 3 languages per request
        rows += client.select(body.replace("%LABELS%", values_literals(batch, LANGS)))
    return rows


def _decide(p: Pending, items: dict[str, str], matched: str) -> None:
    """items: qid -> label of the candidates that meet the anchor condition."""
    out = p.outcome
    if len(items) == 1:
        qid, label = next(iter(items.items()))
        was = {c.qid for c in out.candidates}
        out.status, out.qid, out.linked_by = "linked", qid, "endpoint"
        out.matched_on = matched.format(label=label) + (" (confirms a reference-table candidate)" if qid in was else "")
        out.row, out.confidence, out.facts = "endpoint", "", {}
        out.candidates, out.reason = [], ""
    elif items:
        out.status = "ambiguous"
        out.reason = "several Wikidata items have this name and anchor"
        out.candidates = [Candidate(q, l, "endpoint") for q, l in sorted(items.items())]


def lookup_places(client: SparqlClient, pending: list[Pending]) -> None:
    pending = [p for p in pending if p.anchor and p.names]
    if not pending:
        return
    anchors = values_items({p.anchor for p in pending})
    rows = _label_rows(client, pending, f"""
SELECT DISTINCT ?label ?item ?anc WHERE {{
  VALUES ?label {{ %LABELS% }}
  VALUES ?anc {{ {anchors} }}
  ?item rdfs:label ?label .
  {{ ?item wdt:P131+ ?anc }} UNION {{ ?item wdt:P17 ?anc }}
}}""")
    for p in pending:
        keys = {normalise(n) for n in p.names}
        items = {_q(r["item"]): r["label"] for r in rows
                 if _q(r["anc"]) == p.anchor and normalise(r["label"]) in keys and _q(r["item"]) != p.anchor}
        _decide(p, items, "label {label!r} and P131/P17 within wd:" + p.anchor)


def lookup_organizations(client: SparqlClient, pending: list[Pending]) -> None:
    if not pending:
        return
    rows = _label_rows(client, pending, """
SELECT DISTINCT ?label ?item ?type ?country WHERE {
  VALUES ?label { %LABELS% }
  ?item rdfs:label ?label .
  OPTIONAL { ?item wdt:P31 ?type }
  OPTIONAL { ?item wdt:P17 ?country }
}""")
    excluded = {_q(r["item"]) for r in rows if _q(r.get("type", "")) in NOT_ORGS}
    for p in pending:
        keys = {normalise_org(n) for n in p.names}
        named = {_q(r["item"]): r["label"] for r in rows
                 if normalise_org(r["label"]) in keys and _q(r["item"]) not in excluded}
        in_country = {q: l for q, l in named.items()
                      if any(_q(r.get("country", "")) == p.anchor for r in rows if _q(r["item"]) == q)}
        _decide(p, in_country, "label {label!r} and P17 = wd:" + str(p.anchor))
        if p.outcome.status != "linked" and named and not in_country:
            p.outcome.status = "ambiguous"
            p.outcome.reason = "items with this name exist, none with P17 = the organization's home country"
            p.outcome.candidates = [Candidate(q, l, "endpoint") for q, l in sorted(named.items())]


def lookup_people(client: SparqlClient, pending: list[Pending]) -> None:
    if not pending:
        return
    rows = _label_rows(client, pending, """
SELECT DISTINCT ?label ?item ?country WHERE {
  VALUES ?label { %LABELS% }
  ?item rdfs:label ?label ; wdt:P31 wd:Q5 .
  FILTER EXISTS { ?item wdt:P39 ?position }
  OPTIONAL { ?item wdt:P27 ?country }
}""")
    for p in pending:
        keys = {normalise_org(n) for n in p.names}
        named = {_q(r["item"]): r["label"] for r in rows if normalise_org(r["label"]) in keys}
        citizens = {q: l for q, l in named.items()
                    if any(_q(r.get("country", "")) == p.anchor for r in rows if _q(r["item"]) == q)}
        _decide(p, citizens, "label {label!r}, a human with P39 (position held) and P27 = wd:" + str(p.anchor))
        if p.outcome.status != "linked" and named and not citizens:
            p.outcome.status = "ambiguous"
            p.outcome.reason = "office holders with this name exist, none a citizen of the person's home country"
            p.outcome.candidates = [Candidate(q, l, "endpoint") for q, l in sorted(named.items())]


def fetch_facts(client: SparqlClient, qids: set[str], place_qids: set[str]) -> dict[str, dict]:
    """qid -> {labels: [(text, lang)], wkt, iso: [codes], population, population_date}."""
    facts: dict[str, dict] = {q: {"labels": [], "iso": []} for q in qids}
    for batch in chunks(list(qids)):
        for r in client.select(f"""
SELECT ?item ?label WHERE {{
  VALUES ?item {{ {values_items(batch)} }}
  ?item rdfs:label ?label . FILTER(LANG(?label) IN ("es", "en", "zh"))
}}"""):
            facts[_q(r["item"])]["labels"].append((r["label"], r.get("label@lang", "")))
    for batch in chunks(list(place_qids)):
        items = values_items(batch)
        for r in client.select(f"""
SELECT ?item ?coord ?iso2 ?iso WHERE {{
  VALUES ?item {{ {items} }}
  OPTIONAL {{ ?item wdt:P625 ?coord }}
  OPTIONAL {{ ?item wdt:P297 ?iso2 }}
  OPTIONAL {{ ?item wdt:P300 ?iso }}
}}"""):
            f = facts[_q(r["item"])]
            if r.get("coord"):
                f.setdefault("wkt", set()).add(r["coord"])
            for code in (r.get("iso2"), r.get("iso")):
                if code and code not in f["iso"]:
                    f["iso"].append(code)
        best: dict[str, tuple] = {}
        for r in client.select(f"""
SELECT ?item ?pop ?date WHERE {{
  VALUES ?item {{ {items} }}
  ?item p:P1082 ?st . ?st ps:P1082 ?pop .
  OPTIONAL {{ ?st pq:P585 ?date }}
}}"""):
            try:
                value = int(float(r["pop"]))
            except (KeyError, ValueError):
                continue
            key = (r.get("date", ""), value)
            q = _q(r["item"])
            if q not in best or key > best[q]:
                best[q] = key
        for q, (date, value) in best.items():
            facts[q]["population"] = value
            if date:
                facts[q]["population_date"] = date[:10]
    for f in facts.values():
        f["labels"].sort()
        f["iso"].sort()
        if "wkt" in f:
            f["wkt"] = sorted(f["wkt"])[0]  # one point; the first in a stable order
    return facts


def fetch_p190(client: SparqlClient, qids: set[str]) -> set[tuple[str, str]]:
    """P190 pairs (either direction) between the given items, as sorted pairs."""
    pairs = set()
    for batch in chunks(list(qids)):
        for r in client.select(f"""
SELECT ?a ?b WHERE {{
  VALUES ?a {{ {values_items(batch)} }}
  ?a wdt:P190 ?b .
}}"""):
            a, b = _q(r["a"]), _q(r["b"])
            if b in qids:
                pairs.add(tuple(sorted((a, b))))
    return pairs
