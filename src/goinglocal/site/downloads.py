"""Downloads: the asserted graph and the closure as Turtle, N-Triples,
N-Quads and JSON-LD, one CSV per class, every question's answers, and a
VoID/DCAT description with the data licence and the reference tables' ODbL
attribution."""

from __future__ import annotations

import datetime as dt


from goinglocal.namespaces import ID_BASE, ONTOLOGY_BASE, ONTOLOGY_IRI
from goinglocal.paths import Layout
from goinglocal.site.data import ClassInfo
from goinglocal.site.graph_files import graph_files
from goinglocal.site.output import SiteOutput
from goinglocal.site.render import render_page
from goinglocal.store import KnowledgeGraph

DATASET = ID_BASE + "dataset"
DATA_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
ODBL = "https://opendatacommons.org/licenses/odbl/1-0/"
ODBL_ATTRIBUTION = ("Data by Countries States Cities Database "
                    "https://github.com/dr5hn/countries-states-cities-database | ODbL v1.0")
FORMATS = {"ttl": ("Turtle", "text/turtle"), "nt": ("N-Triples", "application/n-triples"),
           "nq": ("N-Quads", "application/n-quads"), "jsonld": ("JSON-LD", "application/ld+json")}


def void_description(kg: KnowledgeGraph, files: list[tuple[str, str, str, int]], triples: dict[str, int],
                     classes: list[ClassInfo]) -> str:
    today = dt.date.today().isoformat()
    lines = [
        "@prefix void: <http://rdfs.org/ns/void#> .", "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .", "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .", "",
        f"<{DATASET}> a void:Dataset, dcat:Dataset ;",
        '    dcterms:title "goinglocal: China\'s subnational engagement with Latin America and the Caribbean"@en ;',
        '    dcterms:description "An open, cited knowledge graph of Chinese provinces, cities, party and quasi-governmental '
        'bodies, embassies and companies engaging Latin American and Caribbean provinces, states and municipalities, '
        'with the twinnings, memoranda, loans and projects involved; every fact cites its source footnote or passage."@en ;',
        f"    dcterms:license <{DATA_LICENCE}> ;",
        f'    dcterms:rights "Data authored by the goinglocal project: CC BY 4.0. The place reference tables are a derivative '
        f'database released under ODbL 1.0: {ODBL_ATTRIBUTION}."@en ;',
        f"    dcterms:source <https://github.com/dr5hn/countries-states-cities-database> ;",
        f'    dcterms:modified "{today}"^^xsd:date ;',
        f"    void:uriSpace \"{ID_BASE}\" ;",
        f"    void:vocabulary <{ONTOLOGY_BASE}> ;",
        f"    void:triples {triples['closure']} ;",
        f"    void:entities {len(classes[0].members) if classes else 0} ;",
        "    void:sparqlEndpoint <http://127.0.0.1:7878/query> ;  # goinglocal serve, local only",
        f"    void:subset <{ID_BASE}graph/asserted>, <{ID_BASE}graph/inferred> ;",
    ]
    for c in classes:
        lines.append(f"    void:classPartition [ void:class <{c.iri}> ; void:entities {len(c.members)} ] ;")
    for name, label, media, size in files:
        lines.append(f"    dcat:distribution [ a dcat:Distribution ; dcterms:title \"{label}\" ; "
                     f"dcat:downloadURL <{name}> ; dcat:mediaType \"{media}\" ; dcat:byteSize {size} ; "
                     f"dcterms:license <{DATA_LICENCE}> ] ;")
    lines[-1] = lines[-1][:-1] + "."
    lines += ["", f"<{ID_BASE}graph/asserted> a void:Dataset ; void:triples {triples['asserted']} ;",
              '    dcterms:description "What authors wrote, with the ontology."@en .',
              f"<{ID_BASE}graph/inferred> a void:Dataset ; void:triples {triples['inferred']} ;",
              '    dcterms:description "What OWL 2 RL reasoning adds."@en .',
              f"<{ONTOLOGY_IRI}> a void:Dataset ; foaf:page <../ontology/> ."]
    return "\n".join(lines) + "\n"


def file_name(which: str, ext: str) -> str:
    """The download of the asserted graph or the closure in a format, under downloads/."""
    return f"goinglocal-{which}.{ext}"


def write(kg: KnowledgeGraph, layout: Layout, site: SiteOutput, classes: list[ClassInfo], csvs: list[dict]) -> int:
    """The whole-graph files, VoID, the ontology and the downloads page
    (csvs: the class CSVs it lists, goinglocal.site.classes)."""
    whole = graph_files(kg)
    files = []
    for which, ext, data in whole.files():
        label, media = FORMATS[ext]
        name = file_name(which, ext)
        site.write(f"downloads/{name}", data)
        files.append((name, f"{which} graph, {label}", media, len(data)))
    triples = {"asserted": whole.asserted_triples, "inferred": whole.inferred_triples,
               "closure": whole.closure_triples}
    void = void_description(kg, files, triples, classes)
    site.write("downloads/void.ttl", void)
    site.write("downloads/ontology.ttl", b"".join(p.read_bytes() + b"\n" for p in layout.ontology_files()))
    render_page(site, "downloads/", "downloads.html", title="Downloads", files=files, csvs=csvs,
                triples=triples, odbl=ODBL_ATTRIBUTION, licence=DATA_LICENCE, odbl_url=ODBL)
    return 1


def write_answers(site: SiteOutput) -> None:
    """The answers the build wrote beside the site, as downloads."""
    answers = site.folder.parent / "answers"
    if answers.is_dir():
        for path in sorted(answers.rglob("*")):
            if path.is_file():
                site.write("downloads/answers/" + path.relative_to(answers).as_posix(), path.read_bytes())
