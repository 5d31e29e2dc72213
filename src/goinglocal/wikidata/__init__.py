"""Linking the graph to Wikidata: offline reconciliation against the
reference tables (reference.py), a polite cached SPARQL client (client.py),
live look-ups and facts (lookup.py), the link files (linkfile.py) and the
twinning comparison (twinning.py)."""

WD = "http://www.wikidata.org/entity/"


def qid_iri(qid: str) -> str:
    return WD + qid


def qid_of(iri: str) -> str:
    return str(iri).rsplit("/", 1)[-1]
