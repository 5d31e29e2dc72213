"""The static site (build/site): paths mirror the IRIs, pages render the
profile contract, every internal link resolves, downloads parse, and `serve`
negotiates Turtle and JSON-LD for entity IRIs. Uses the site `goinglocal
serve` builds on a snapshot of the repository (tests/conftest_serve.py)."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef

import conftest_serve as cs
from goinglocal.site.negotiate import preferred_format, resolve
from goinglocal.site.render import render_page
from goinglocal.site.urls import entity_dir, iri_for_path, relative

GL = Namespace("https://w3id.org/goinglocal/ontology#")
ID = "https://w3id.org/goinglocal/id/"
JUJUY = URIRef(ID + "place/ar/jujuy")


@pytest.fixture(scope="module")
def server():
    return cs.server()


@pytest.fixture(scope="module")
def site() -> Path:
    root, _ = cs.built()
    return root / "build" / "site"


# --- paths and negotiation (pure functions) --------------------------------

def test_entity_iri_maps_to_a_folder_of_the_same_path():
    assert entity_dir(ID + "place/ar/jujuy") == "id/place/ar/jujuy/"
    assert entity_dir(ID + "source/myers-2020/fn/125") == "id/source/myers-2020/fn/125/"
    assert entity_dir("http://www.wikidata.org/entity/Q44764") is None
    assert entity_dir(ID + "place/../../etc") is None
    for path in ("/id/place/ar/jujuy", "/id/place/ar/jujuy/", "/id/place/ar/jujuy/index.ttl"):
        assert iri_for_path(path) == ID + "place/ar/jujuy"
    assert iri_for_path("/map/") is None


def test_links_are_relative_to_the_page_folder():
    assert relative("id/place/ar/jujuy/", "id/place/cn/guizhou/") == "../../../../id/place/cn/guizhou/"
    assert relative("", "map/") == "map/"
    assert relative("ontology/", "ontology/#Locality") == "../ontology/#Locality"


@pytest.mark.parametrize("accept, expected", [
    ("text/turtle", "ttl"), ("application/ld+json", "jsonld"), (None, "html"), ("*/*", "html"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
    ("application/ld+json;q=0.5, text/turtle;q=0.9", "ttl"), ("text/turtle;q=0, text/html", "html"),
])
def test_accept_header_chooses_the_format(accept, expected):
    assert preferred_format(accept) == expected


def test_resolve_refuses_paths_outside_the_site(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "secret.txt").write_text("x")
    assert resolve(tmp_path / "site", "/../secret.txt", None) is None
    assert resolve(tmp_path / "site", urllib.parse.unquote("/id/..%2f..%2fsecret.txt"), None) is None
    assert resolve(tmp_path / "site", "/id/place/nowhere", "text/html") is None


# --- the page template against the profile contract --------------------------

PROFILE = {  # the contract of goinglocal.profile.entity_profile
    "iri": ID + "place/xx/sample", "label": "Sample Province", "alt_labels": ["Provincia de Sámple"],
    "types": [{"iri": str(GL.Province), "label": "province"}], "country": "Xland",
    "description": "A province used by the tests.", "wikidata": ["http://www.wikidata.org/entity/Q1"],
    "facts": [
        {"property": str(GL.locatedIn), "property_label": "located in", "value": "Xland",
         "value_iri": ID + "place/xx", "inferred": False,
         "citations": [{"iri": ID + "source/s/fn/7", "label": "S, footnote 7", "source": "S",
                        "footnote": 7, "url": "https://example.org/article", "locator": None}]},
        {"property": str(GL.locatedIn), "property_label": "located in", "value": "Latin America",
         "value_iri": str(GL.LatinAmericaAndCaribbean), "inferred": True, "citations": []}],
    "roles": [{"year": "2017", "role": str(GL.hasParty), "role_label": "has party", "node_iri": ID + "agreement/a",
               "node_label": "An agreement", "node_type": "memorandum", "inferred": False, "citations": []},
              {"year": None, "role": str(GL.hasParticipant), "role_label": "participant", "node_iri": ID + "event/b",
               "node_label": "An undated visit", "node_type": "visit", "inferred": True, "citations": []}],
    "inside": [{"year": "2018", "node_iri": ID + "event/c", "node_label": "A meeting inside", "node_type": "meeting",
                "through": [{"relation": "held in", "place": "Sample City", "place_iri": ID + "place/xx/sample/city",
                             "actor": None, "actor_iri": None}], "inferred": True, "citations": []}],
    "figures": [], "citations": [{"iri": ID + "source/s/fn/7", "label": "S, footnote 7", "source": "S",
                                  "footnote": 7, "url": "https://example.org/article", "locator": None}],
}


def test_entity_page_shows_facts_citations_inferred_marks_and_wikidata(tmp_path):
    folder = entity_dir(PROFILE["iri"])
    render_page(tmp_path, folder, "entity.html", title=PROFILE["label"], p=PROFILE, jsonld="[]", incoming=[],
                numbers={ID + "source/s/fn/7": 1},
                roles_by_year=[("2017", PROFILE["roles"][:1]), ("no date", PROFILE["roles"][1:])])
    html = (tmp_path / folder / "index.html").read_text()
    assert "<h1>Sample Province</h1>" in html
    assert 'href="http://www.wikidata.org/entity/Q1"' in html
    assert 'href="https://example.org/article"' in html and ">fn 7<" in html
    assert 'href="#cite-1"' in html and 'id="cite-1"' in html  # a fact's citation points at the source list
    assert 'href="../../../../id/source/s/fn/7/"' in html  # the citation node's own page
    assert 'href="../../../../ontology/#locatedIn"' in html  # property linked to its documentation
    assert html.count('class="inferred"') == 3  # the inferred fact, role and roll-up row
    assert 'href="../../../../id/event/c/"' in html  # what happened inside


# --- the built site ------------------------------------------------------------

class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        for key in ("href", "src", "data-world"):
            if a.get(key):
                self.links.append(a[key])


def test_every_internal_link_resolves(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 1500
    parsed = {}
    for page in pages:
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        parsed[page] = parser
    broken = []
    for page, parser in parsed.items():
        for link in parser.links:
            if re.match(r"^[a-z]+:", link) or link.startswith("//"):
                continue
            target, _, fragment = link.partition("#")
            target = urllib.parse.unquote(target.split("?")[0])
            path = (page.parent / target).resolve() if target else page
            if path.is_dir():
                path = path / "index.html"
            if not path.is_file():
                broken.append(f"{page.relative_to(site)} -> {link}")
            elif fragment and path.suffix == ".html" and fragment not in parsed[path].ids:
                broken.append(f"{page.relative_to(site)} -> {link} (no such anchor)")
    assert not broken, f"{len(broken)} broken links, e.g.\n" + "\n".join(broken[:20])


def test_no_page_loads_anything_from_another_host(site):
    offenders = []
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        offenders += [f"{page.relative_to(site)}: {m}" for m in
                      re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(?:https?:)?//[^"]+"', text)]
    assert not offenders, offenders[:5]


def test_entity_page_embeds_its_json_ld_and_has_turtle_beside_it(site):
    folder = site / "id" / "place" / "ar" / "jujuy"
    html = (folder / "index.html").read_text(encoding="utf-8")
    embedded = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    g = Graph().parse(data=embedded, format="json-ld")
    assert (JUJUY, GL.locatedIn, URIRef(ID + "place/ar")) in g
    ttl = Graph().parse(folder / "index.ttl", format="turtle")
    assert (JUJUY, GL.locatedIn, URIRef(ID + "place/ar")) in ttl
    assert (JUJUY, GL.twinnedWith, URIRef(ID + "place/cn/guizhou")) in ttl
    assert "Jujuy-Guizhou twinning agreement" in html
    assert "https://www.wikidata.org" in html or "http://www.wikidata.org/entity/Q44764" in html


def test_entity_page_shows_exactly_the_profile_the_cli_gives(site):
    from goinglocal.profile import entity_profile
    profile = entity_profile(cs.knowledge_graph(), str(JUJUY))
    html = (site / "id" / "place" / "ar" / "jujuy" / "index.html").read_text(encoding="utf-8")
    facts = html.split('<table class="facts">', 1)[1].split("</table>", 1)[0]
    assert facts.count("<tr") - 1 == len(profile["facts"])
    inside = html.split('<table class="inside">', 1)[1].split("</table>", 1)[0]
    assert inside.count("<tr") - 1 == len(profile["inside"]) > 5
    for f in profile["facts"]:
        assert f["property_label"] in facts


def test_every_question_has_a_page_with_its_answer_table(site):
    queries = sorted(p.stem for p in (cs.snapshot() / "queries").glob("*.rq"))
    answers = site.parent / "answers"
    for name in queries:
        html = (site / "questions" / name / "index.html").read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO((answers / f"{name}.csv").read_text(encoding="utf-8"))))[1:]
        body = html.split('<table class="answer">', 1)[1].split("</table>", 1)[0]
        assert body.count("<tr>") - 1 == len(rows), name
        assert "editor/?query=" in html and "SELECT" in html


def test_downloads_parse_and_describe_the_licences(site):
    downloads = site / "downloads"
    for which in ("asserted", "closure"):
        for ext in ("ttl", "nt", "nq", "jsonld"):
            assert (downloads / f"goinglocal-{which}.{ext}").stat().st_size > 100_000
    closure = Dataset().parse(downloads / "goinglocal-closure.nq", format="nquads")
    graphs = {str(g.identifier) for g in closure.graphs() if len(g)}
    assert {ID + "graph/asserted", ID + "graph/inferred"} <= graphs
    void = Graph().parse(downloads / "void.ttl", format="turtle")
    dataset = URIRef(ID + "dataset")
    dct = Namespace("http://purl.org/dc/terms/")
    assert (dataset, dct.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in void
    assert "Countries States Cities Database" in str(void.value(dataset, dct.rights))
    rows = list(csv.DictReader(io.StringIO((downloads / "csv" / "Country.csv").read_text(encoding="utf-8"))))
    assert {"Argentina", "China"} <= {r["label"] for r in rows}
    assert (cs.snapshot() / "build" / "graph" / "goinglocal.nq").stat().st_size > 1_000_000


def test_w3id_rules_redirect_entities_by_accept_header(site):
    rules = (site.parent / "w3id" / "goinglocal" / ".htaccess").read_text()
    assert "RewriteEngine on" in rules
    assert re.search(r"RewriteCond %\{HTTP_ACCEPT\} text/turtle\nRewriteRule \^id/\(\.\+\?\)/\?\$ \S+index\.ttl \[R=303,L\]", rules)
    assert "index.jsonld [R=303,L]" in rules


def test_search_index_finds_labels_without_accents(site):
    text = (site / "static" / "search-index.js").read_text(encoding="utf-8")
    entries = json.loads(text[text.index("=") + 1:].rstrip().rstrip(";"))
    by_key = {k: e for e in entries for k in e["keys"]}
    assert by_key["entre rios"]["label"] == "Entre Ríos"
    assert (site / by_key["entre rios"]["href"] / "index.html").is_file()


# --- content negotiation through goinglocal serve ------------------------------------

def _get(url: str, accept: str) -> tuple[int, dict, bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers={"Accept": accept}), timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_serve_answers_an_entity_iri_with_turtle_or_json_ld(server):
    url = server.base + "/id/place/ar/jujuy"
    status, headers, body = _get(url, "text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle") and headers["Vary"] == "Accept"
    assert (JUJUY, GL.locatedIn, URIRef(ID + "place/ar")) in Graph().parse(data=body, format="turtle")
    status, headers, body = _get(url, "application/ld+json")
    assert status == 200 and headers["Content-Type"].startswith("application/ld+json")
    assert (JUJUY, GL.isoCode, Literal("AR-Y")) in Graph().parse(data=body, format="json-ld")
    status, headers, _ = _get(url, "text/html,*/*;q=0.8")
    assert status == 303 and headers["Location"] == "/id/place/ar/jujuy/"
    status, headers, body = _get(url + "/", "text/html")
    assert status == 200 and b"<h1>Jujuy</h1>" in body
    status, _, _ = _get(server.base + "/id/place/ar/no-such-place", "text/turtle")
    assert status == 404
