"""goinglocal link, offline: reconciliation of the repository's data against
reference/*.csv, determinism, and hand links kept."""

from __future__ import annotations

import csv
import json
import shutil
import unicodedata
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from goinglocal.cli import main

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/goinglocal/id/"
GL = Namespace("https://w3id.org/goinglocal/ontology#")


def copy_repo(dest: Path) -> Path:
    for name in ("ontology", "shapes", "queries", "reference"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copytree(ROOT / "instances", dest / "instances", ignore=shutil.ignore_patterns("links"))
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def run(capsys, *args) -> tuple[int, dict | str]:
    code = main(["link", *args])
    out = capsys.readouterr().out
    return code, (json.loads(out) if "json" in args else out)


def by_node(report: dict) -> dict[str, dict]:
    return {o["node"][len(ID):]: o for o in report["outcomes"]}


def rows(name: str) -> list[dict]:
    with open(ROOT / "reference" / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return copy_repo(tmp_path_factory.mktemp("repo"))


@pytest.fixture(scope="module")
def first(repo):
    """The first offline run on a copy of the repository (no link files yet)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("GOINGLOCAL_HOME", str(repo))
    import io, contextlib
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["link", "--format", "json"])
    mp.undo()
    assert code == 0
    return json.loads(buf.getvalue())


def test_every_country_and_unit_linked(first):
    outcomes = first["outcomes"]
    for kind in ("Country", "FirstLevelUnit"):
        of_kind = [o for o in outcomes if o["class"] == kind]
        assert of_kind
        assert [o["node"] for o in of_kind if o["status"] != "linked"] == []
    nodes = by_node(first)
    assert nodes["place/ar/jujuy"]["qid"] == "Q44764"
    assert nodes["place/cl/coquimbo"]["qid"] == "Q2121"
    assert nodes["place/cn/henan"]["qid"] == "Q43684"
    assert nodes["place/cn/guizhou"]["qid"] == "Q47097"
    assert nodes["place/ar"]["qid"] == "Q414"
    # the one correction of the tables (AR-B / AR-C swapped in CSC)
    assert nodes["place/ar/buenos-aires"]["qid"] == "Q44754"
    assert nodes["place/ar/autonomous-city-of-buenos-aires"]["qid"] == "Q1486"


def test_municipalities_follow_the_city_table(first, repo):
    graph = Graph()
    for path in (repo / "instances" / "places").glob("*.ttl"):
        graph.parse(path)
    unit_code = {str(s): str(o) for s, o in graph.subject_objects(GL.isoCode)}
    cities = rows("cities.csv")
    nodes = by_node(first)
    checked = 0
    for node in graph.subjects(RDF.type, GL.Municipality):
        label = str(graph.value(node, RDFS.label))
        code = unit_code.get(str(graph.value(node, GL.locatedIn)))
        exact = [r for r in cities if r["subdivision_iso3166_2"] == code and plain(r["name"]) == plain(label)]
        trusted = [r for r in exact if r["qid_confidence"] in ("high", "medium")]
        best = [r for r in trusted if r["qid_confidence"] == "high"] or trusted
        out = nodes[str(node)[len(ID):]]
        if len({r["wikidata"] for r in best}) == 1 and "same_qid_as_subdivision:" + str(code) not in best[0]["qid_notes"]:
            assert out["status"] == "linked" and out["qid"] == best[0]["wikidata"], out
            checked += 1
        if not trusted and not [r for r in cities if r["subdivision_iso3166_2"] == code
                                and r["qid_confidence"] in ("high", "medium")
                                and plain(r["name"]).replace("-", " ") in plain(label)]:
            assert out["status"] != "linked", out
    assert checked >= 35
    assert nodes["place/cl/biobio/concepcion"]["qid"] == "Q1880"
    assert nodes["place/cn/hubei/wuhan"]["qid"] == "Q11746"
    # low-confidence rows are not linked without a second signal
    assert nodes["place/pa/panama/panama-city"]["status"] == "ambiguous"
    assert {c["qid"] for c in nodes["place/pa/panama/panama-city"]["candidates"]} == {"Q3306"}
    # a city row carrying its unit's QID is not linked (Buenos Aires = CABA = Q1486)
    assert nodes["place/ar/autonomous-city-of-buenos-aires/buenos-aires"]["status"] == "ambiguous"


def test_nothing_linked_that_the_tables_did_not_give(first):
    allowed = {"Country": {r["wikidata"] for r in rows("countries.csv")},
               "FirstLevelUnit": {r["wikidata"] for r in rows("subdivisions.csv")},
               "Municipality": {r["wikidata"] for r in rows("cities.csv") if r["qid_confidence"] in ("high", "medium")},
               "Organization": {r["wikidata"] for r in rows("organizations.csv")}}
    linked = [o for o in first["outcomes"] if o["status"] == "linked"]
    assert linked and all(o["linked_by"] == "reference-table" for o in linked)
    for o in linked:
        assert o["qid"] in allowed[o["class"]], o
    assert len({o["qid"] for o in linked}) == len(linked), "one item, one node"
    orgs = {o["node"][len(ID):]: o["qid"] for o in linked if o["class"] == "Organization"}
    assert orgs == {"org/cn/huawei": "Q160120", "org/cn/alibaba": "Q1359568", "org/cn/byd": "Q27423"}


def test_link_file_shape(first, repo):
    links = Graph().parse(repo / "instances/links/wikidata.ttl")
    assert not list(links.triples((None, OWL.sameAs, None)))
    jujuy = URIRef(ID + "place/ar/jujuy")
    assert (jujuy, SKOS.exactMatch, URIRef("http://www.wikidata.org/entity/Q44764")) in links
    rec = URIRef(ID + "link/place-ar-jujuy")
    assert str(links.value(rec, GL.linkedBy)) == "reference-table"
    assert "AR-Y" in str(links.value(rec, GL.matchedOn))
    assert links.value(rec, GL.linkedOn).datatype.endswith("#date")
    assert not list(links.triples((None, RDF.type, GL.FactBearing)))
    facts = Graph().parse(repo / "instances/links/wikidata-facts.ttl")
    frec = URIRef(ID + "link/place-cl-biobio-concepcion/reference")
    assert str(facts.value(frec, GL.factsFrom)) == "reference-table"
    assert int(facts.value(frec, GL.population)) == 217537
    assert "Point(-73.04977 -36.82699)" == str(facts.value(frec, URIRef("http://www.opengis.net/ont/geosparql#asWKT")))


def test_second_run_is_a_no_op(first, repo, monkeypatch, capsys):
    monkeypatch.setenv("GOINGLOCAL_HOME", str(repo))
    monkeypatch.setenv("GOINGLOCAL_TODAY", "2099-01-01")  # a later day must not change dates
    files = [repo / "instances/links/wikidata.ttl", repo / "instances/links/wikidata-facts.ttl",
             repo / "build/links/twinning-comparison.csv"]
    before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in files]
    code, out = run(capsys)
    assert code == 0 and "nothing (no change)" in out
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in files] == before
    assert "2099" not in files[0].read_text()


def test_hand_links_are_kept(first, repo, monkeypatch, capsys):
    monkeypatch.setenv("GOINGLOCAL_HOME", str(repo))
    path = repo / "instances/links/wikidata.ttl"
    original = path.read_text()
    # a reviewer replaces the automatic link of La Quiaca by a hand link
    start = original.index("<place/ar/jujuy/la-quiaca> skos:exactMatch")
    end = original.index("\n\n", start)
    path.write_text(original[:start] + original[end + 2:] + """
<place/ar/jujuy/la-quiaca> skos:exactMatch wd:Q990000777 .
<link/place-ar-jujuy-la-quiaca> a gl:WikidataLink ; gl:linkSubject <place/ar/jujuy/la-quiaca> ;
    gl:linkTarget wd:Q990000777 ; gl:linkedBy "hand" ; gl:linkNote "checked by a reviewer (test)" .
<place/cr/limon/puerto-viejo-de-talamanca> skos:exactMatch wd:Q990000778 .
""")
    try:
        code, report = run(capsys, "--format", "json")
        assert code == 0
        nodes = by_node(report)
        assert nodes["place/ar/jujuy/la-quiaca"]["linked_by"] == "hand"
        assert nodes["place/ar/jujuy/la-quiaca"]["qid"] == "Q990000777"
        assert nodes["place/cr/limon/puerto-viejo-de-talamanca"]["linked_by"] == "hand"
        links = Graph().parse(path)
        wd = Namespace("http://www.wikidata.org/entity/")
        assert (URIRef(ID + "place/ar/jujuy/la-quiaca"), SKOS.exactMatch, wd.Q990000777) in links
        assert (URIRef(ID + "place/ar/jujuy/la-quiaca"), SKOS.exactMatch, wd.Q693381) not in links
        assert str(links.value(URIRef(ID + "link/place-ar-jujuy-la-quiaca"), GL.linkNote)) == "checked by a reviewer (test)"
        assert (URIRef(ID + "place/cr/limon/puerto-viejo-de-talamanca"), SKOS.exactMatch, wd.Q990000778) in links
    finally:
        path.write_text(original)


def test_link_terms_are_documented():
    onto = Graph().parse(ROOT / "ontology/links.ttl")
    terms = [s for s in onto.subjects(RDF.type, None) if str(s).startswith(str(GL))]
    assert len(terms) >= 10
    for term in terms:
        assert [l.language for l in onto.objects(term, RDFS.label)] == ["en"], term
        assert len(list(onto.objects(term, SKOS.definition))) == 1, term
        assert (term, RDFS.isDefinedBy, URIRef("https://w3id.org/goinglocal/ontology")) in onto


def test_table_report(first, repo, monkeypatch, capsys):
    monkeypatch.setenv("GOINGLOCAL_HOME", str(repo))
    code, out = run(capsys)
    assert code == 0
    head = out.splitlines()[0].split()
    assert head[:2] == ["class", "linked"]
    assert any(line.startswith("Country") for line in out.splitlines())
    assert "Q3306" in out  # an ambiguous candidate is shown with its QID
