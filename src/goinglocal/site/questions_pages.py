"""The question library as pages: each question's parameters (with the
defaults the answer was computed for), its answer table with links to the
entities, its SPARQL, and a link that opens it, parameters bound, in the
query page."""

from __future__ import annotations

import json
import urllib.parse

from rdflib import URIRef

from goinglocal.paths import Layout
from goinglocal.questions import bind_values
from goinglocal.site.output import SiteOutput
from goinglocal.site.render import render_page
from goinglocal.store import KnowledgeGraph


def write(kg: KnowledgeGraph, layout: Layout, site: SiteOutput, answered: list) -> int:
    """answered: (Answer, columns, rows) per question, as build computed them."""
    listing = []
    for answer, columns, rows in sorted(answered, key=lambda a: a[0].question.name):
        q = answer.question
        bound = bind_values(q.text, answer.bindings)
        params = [{"name": p.name, "kind": p.kind, "doc": p.doc, "default": p.default,
                   "value": kg.label(answer.bindings[p.name]) if isinstance(answer.bindings.get(p.name), URIRef)
                   else str(answer.bindings.get(p.name, "")),
                   "value_iri": str(answer.bindings[p.name]) if isinstance(answer.bindings.get(p.name), URIRef) else None}
                  for p in q.params]
        shown = [c for c in columns if not c.endswith("_iri")]
        # everything the page shows: an unchanged answer's page is not rendered again
        key = json.dumps(["question.html", repr(q), params, shown, rows, bound], default=str)
        page = f"questions/{q.name}/"
        if not site.reuse([page + "index.html"], key):  # the link to the query page is made only for a new page
            render_page(site, page, "question.html", key=key, title=q.summary, q=q, params=params,
                        columns=shown, rows=rows, sparql=q.text,
                        run_href="../../editor/?" + urllib.parse.urlencode({"query": bound}))
        listing.append({"name": q.name, "summary": q.summary, "family": q.family,
                        "needs": "reasoning" if q.needs_reasoning else "asserted", "rows": len(rows),
                        "params": [p.name for p in q.params]})
    families: dict[str, list[dict]] = {}
    for item in listing:
        families.setdefault(item["family"], []).append(item)
    render_page(site, "questions/", "questions.html", title="Questions", families=sorted(families.items()),
                count=len(listing))
    return len(listing) + 1
