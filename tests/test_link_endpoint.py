"""goinglocal link --endpoint against a real Oxigraph server loaded with a
fixture in Wikidata's shape (tests/fixtures/wikidata-fixture.ttl), and
against an endpoint that is down."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import SKOS

from goinglocal.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "wikidata-fixture.ttl"
ID = "https://w3id.org/goinglocal/id/"
GL = Namespace("https://w3id.org/goinglocal/ontology#")
WD = Namespace("http://www.wikidata.org/entity/")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_repo(dest: Path) -> Path:
    for name in ("ontology", "shapes", "queries", "reference"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copytree(ROOT / "instances", dest / "instances", ignore=shutil.ignore_patterns("links"))
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def link(repo: Path, *args) -> tuple[int, dict, str]:
    out, err = io.StringIO(), io.StringIO()
    mp = pytest.MonkeyPatch()
    mp.setenv("GOINGLOCAL_HOME", str(repo))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["link", "--format", "json", *args])
    finally:
        mp.undo()
    return code, (json.loads(out.getvalue()) if out.getvalue() else {}), err.getvalue()


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    proc = subprocess.Popen([oxigraph, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
                             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("oxigraph did not start")
        req = urllib.request.Request(f"{base}/store?default", data=FIXTURE.read_bytes(), method="POST",
                                     headers={"Content-Type": "text/turtle"})
        urllib.request.urlopen(req, timeout=10).read()
        yield f"{base}/query"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def runs(endpoint, tmp_path_factory):
    repo = copy_repo(tmp_path_factory.mktemp("repo"))
    code, first, _ = link(repo, "--endpoint", endpoint)
    assert code == 0
    files = [repo / "instances/links/wikidata.ttl", repo / "instances/links/wikidata-facts.ttl",
             repo / "build/links/twinning-comparison.csv"]
    snapshot = [(p.read_bytes(), p.stat().st_mtime_ns) for p in files]
    code, second, _ = link(repo, "--endpoint", endpoint)
    assert code == 0
    return repo, first, second, files, snapshot


def outcomes(report):
    return {o["node"][len(ID):]: o for o in report["outcomes"]}


def test_endpoint_links(runs):
    repo, first, _, _, _ = runs
    nodes = outcomes(first)
    # a low-confidence reference row confirmed by name and P131 in the unit
    panama = nodes["place/pa/panama/panama-city"]
    assert (panama["status"], panama["qid"], panama["linked_by"]) == ("linked", "Q3306", "endpoint")
    assert "wd:Q557506" in panama["matched_on"]
    # two items called Barva in Heredia: reported, not guessed
    barva = nodes["place/cr/heredia/barva"]
    assert barva["status"] == "ambiguous"
    assert {c["qid"] for c in barva["candidates"]} == {"Q2614093", "Q990000003"}
    # an organization by label and P17; the US item and the disambiguation page are not taken
    assert (nodes["org/cn/ccpit"]["qid"], nodes["org/cn/ccpit"]["linked_by"]) == ("Q990000001", "endpoint")
    # a person with public office, by label, P39 and P27
    assert nodes["person/gerardo-morales"]["qid"] == "Q990000002"
    # what the tables gave stays as it was
    assert (nodes["place/ar/jujuy"]["qid"], nodes["place/ar/jujuy"]["linked_by"]) == ("Q44764", "reference-table")
    links = Graph().parse(repo / "instances/links/wikidata.ttl")
    assert (URIRef(ID + "place/pa/panama/panama-city"), SKOS.exactMatch, WD.Q3306) in links
    assert str(links.value(URIRef(ID + "link/place-pa-panama-panama-city"), GL.linkedBy)) == "endpoint"


def test_facts_fetched_back(runs):
    repo = runs[0]
    facts = Graph().parse(repo / "instances/links/wikidata-facts.ttl")
    rec = URIRef(ID + "link/place-ar-jujuy/wikidata")
    assert str(facts.value(rec, GL.factsFrom)) == "endpoint"
    assert facts.value(rec, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")) == WD.Q44764
    assert int(facts.value(rec, GL.population)) == 811611          # the latest statement
    assert facts.value(rec, GL.populationDate) == Literal("2022-05-18", datatype=XSD_DATE)
    assert str(facts.value(rec, GL.reportedIsoCode)) == "AR-Y"
    assert str(facts.value(rec, URIRef("http://www.opengis.net/ont/geosparql#asWKT"))) == "Point(-65.759529 -23.316146)"
    assert Literal("贵州省", lang="zh") in set(facts.objects(URIRef(ID + "link/place-cn-guizhou/wikidata"), GL.wikidataLabel))


def test_twinning_comparison(runs):
    repo = runs[0]
    with open(repo / "build/links/twinning-comparison.csv", encoding="utf-8") as fh:
        rows = {(r["qid_a"], r["qid_b"]): r for r in csv.DictReader(fh)}
    jujuy = rows[("Q44764", "Q47097")]
    assert (jujuy["in_graph"], jujuy["in_wikidata"]) == ("yes", "yes")
    assert "source/myers-2020/fn/125" in jujuy["citations"]
    coquimbo = rows[("Q2121", "Q43684")]
    assert (coquimbo["in_graph"], coquimbo["in_wikidata"]) == ("yes", "no")
    assert "P190" in coquimbo["action"] and coquimbo["citations"]
    only = rows[("Q3612", "Q16666")]
    assert (only["in_graph"], only["in_wikidata"]) == ("no", "yes")


def test_second_run_makes_no_request(runs):
    _, first, second, files, snapshot = runs
    assert first["requests"] > 0
    assert second["requests"] == 0 and second["cache_hits"] == first["requests"]
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in files] == snapshot
    assert second["written"] == []


def test_offline_run_keeps_endpoint_links(runs):
    repo = runs[0]
    code, report, _ = link(repo)
    assert code == 0
    nodes = outcomes(report)
    assert (nodes["place/pa/panama/panama-city"]["qid"], nodes["place/pa/panama/panama-city"]["linked_by"]) == ("Q3306", "endpoint")
    links = Graph().parse(repo / "instances/links/wikidata.ttl")
    assert (URIRef(ID + "org/cn/ccpit"), SKOS.exactMatch, WD.Q990000001) in links
    facts = Graph().parse(repo / "instances/links/wikidata-facts.ttl")
    assert int(facts.value(URIRef(ID + "link/place-ar-jujuy/wikidata"), GL.population)) == 811611


def test_endpoint_down(runs):
    repo = runs[0]
    files = runs[3]
    before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in files[:2]]
    code, report, err = link(repo, "--endpoint", f"http://127.0.0.1:{free_port()}/query")
    assert code == 3
    assert "could not be reached" in err and "Traceback" not in err
    assert report == {}
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in files[:2]] == before
