"""The class lists: a page per gl: class with its members, the page of all
classes, and a CSV per class (one row per member, one column per property
its members assert).

After an edit most classes are untouched, and their CSVs are kept as the
site folder holds them (goinglocal.site.output) without reading their
members' triples. A class's CSV shows its members (the subjects of the
closure's `rdf:type` triples with the class as object) in label order,
and for each member its label and its asserted triples, all of them
triples with the member as subject. So a changed quad can change the CSV
only when its subject is a member now (a member before that is no longer
one lost an `rdf:type` triple to the class: that quad's object is the
class). The changed quads lead from the graph the folder's site was made
from to this one (goinglocal.graphdelta); without them every CSV is made.
A blank node value is left out of a cell, as it is out of the entity
files: its label changes with every load, so its cell could not be kept,
and no two builds would write the same bytes.

The class pages are kept by their render key (the class, its count and
each member's label), which is cheap to make."""

from __future__ import annotations

import csv
import io
from itertools import repeat
from typing import Iterable

import pyoxigraph as ox

from goinglocal.graphdelta import Change
from goinglocal.namespaces import ID_BASE
from goinglocal.site.data import ClassInfo, iri_label
from goinglocal.site.entities import PREFIXES
from goinglocal.site.output import SiteOutput
from goinglocal.site.render import render_page
from goinglocal.store import ASSERTED, KnowledgeGraph

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def local_name(c: ClassInfo) -> str:
    return c.iri.rsplit("#", 1)[-1]


def summary(c: ClassInfo) -> dict:
    """What the lists of classes show of one (the home page's and classes/)."""
    return {"iri": c.iri, "label": c.label, "count": len(c.members), "asserted": c.asserted}


def write_pages(kg: KnowledgeGraph, site: SiteOutput, classes: list[ClassInfo]) -> int:
    """classes/ and a page per class; returns how many pages."""
    render_page(site, "classes/", "classes.html", title="Browse by class", classes=[summary(c) for c in classes])
    label = iri_label(kg)
    for c in classes:
        local = local_name(c)
        members = [{"iri": m, "label": label(m)} for m in c.members]
        page = f"classes/{local}/"
        # everything the page shows (the members' links are their IRIs)
        key = "\0".join(["class.html", page, c.iri, c.label, str(c.asserted),
                         *(f"{m['iri']}\t{m['label']}" for m in members)])
        render_page(site, page, "class.html", key=key, title=c.label, c=summary(c), local=local, members=members)
    return 1 + len(classes)


def stale(classes: list[ClassInfo], change: Change | None) -> set[str]:
    """The classes (IRIs) whose CSV the change can reach: all of them when
    the change is not known."""
    if change is None:
        return {c.iri for c in classes}
    subjects, typed = set(), set()
    for s, p, o in change.triples:
        if isinstance(s, ox.NamedNode):
            subjects.add(s.value)
        if p.value == RDF_TYPE and isinstance(o, ox.NamedNode):
            typed.add(o.value)
    return {c.iri for c in classes if c.iri in typed or not subjects.isdisjoint(c.members)}


def write_csvs(kg: KnowledgeGraph, site: SiteOutput, classes: list[ClassInfo], change: Change | None) -> list[dict]:
    """downloads/csv/<class>.csv for each class, kept when the change cannot
    reach it; returns what the downloads page lists of each."""
    reached = stale(classes, change)
    made: list[tuple[ClassInfo, str]] = []
    listing = []
    for c in classes:
        rel = f"downloads/csv/{local_name(c)}.csv"
        if c.iri not in reached and site.keep([rel]):
            size = site.files[rel][2]
        else:
            made.append((c, rel))
            size = None
        listing.append({"name": local_name(c), "label": c.label, "rows": len(c.members), "size": size})
    if made:
        cells = asserted_cells(kg, {m for c, _ in made for m in c.members})
        label = iri_label(kg)
        sizes = {}
        for c, rel in made:
            data = class_csv(c, cells, label).encode("utf-8")
            site.write(rel, data)
            sizes[local_name(c)] = len(data)
        for item in listing:
            if item["size"] is None:
                item["size"] = sizes[item["name"]]
    return listing


def asserted_cells(kg: KnowledgeGraph, subjects: Iterable[str]) -> dict[str, dict[str, str]]:
    """These entities' asserted values, by property, as a CSV cell (the
    values sorted, joined by " | "; blank nodes left out): subject ->
    property -> cell. Made once for every class's CSV (an entity is in the
    CSV of each of its classes)."""
    store = kg.store
    cells: dict[str, dict[str, str]] = {}
    for iri in subjects:
        if not iri.startswith(ID_BASE):
            continue
        values: dict[str, list[str]] = {}
        for _, p, o, _ in store.quads_for_pattern(ox.NamedNode(iri), None, None, ASSERTED):
            if type(o) is not ox.BlankNode:
                values.setdefault(p.value, []).append(o.value)
        if values:
            cells[iri] = {p: " | ".join(sorted(v)) if len(v) > 1 else v[0] for p, v in values.items()}
    return cells


def class_csv(cls: ClassInfo, cells: dict[str, dict[str, str]], label) -> str:
    """One row per member of the class, one column per property its members assert."""
    empty: dict[str, str] = {}
    props = sorted({p for s in cls.members for p in cells.get(s, empty)}, key=lambda p: (p != RDFS_LABEL, p))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["iri", "label", *map(_short, props)])
    blanks = repeat("")
    writer.writerows([s, label(s), *map(cells.get(s, empty).get, props, blanks)] for s in cls.members)
    return buf.getvalue()


def _short(iri: str) -> str:
    for prefix, base in PREFIXES.items():
        if iri.startswith(base):
            return f"{prefix}:{iri[len(base):]}"
    return iri
