"""Hostile files never make goinglocal reach the network: a JSON-LD context or
an XML entity named by URL points at a local HTTP server that counts the
requests it gets, and the count must stay zero. (The exit codes and messages
of the same families are cases of tests/bad_inputs/cases.toml.)"""

from __future__ import annotations

import contextlib
import io
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rdflib import Graph

from goinglocal.cli import main
from goinglocal.errors import RefusedInput

CONTEXT = {"@context": {"skos": "http://www.w3.org/2004/02/skos/core#"}}


class CountingServer:
    """Answers every GET with a valid JSON-LD context and records the path."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                body = json.dumps(CONTEXT).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/ld+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"

    def __enter__(self) -> "CountingServer":
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def counting():
    with CountingServer() as server:
        yield server


def validate(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(path)])
    return code, out.getvalue() + err.getvalue()


def test_the_counting_server_counts(counting):
    """The other tests would pass vacuously if the server did not record requests."""
    with urllib.request.urlopen(counting.url + "/context.jsonld", timeout=10) as resp:
        assert json.loads(resp.read()) == CONTEXT
    assert counting.requests == ["/context.jsonld"]


def documents(url: str) -> dict[str, dict]:
    node = {"@id": "https://w3id.org/goinglocal/id/place/ar/jujuy", "skos:altLabel": "Jujuy province"}
    return {
        "top-level context": {"@context": f"{url}/top.jsonld", **node},
        "context in a list": {"@context": [{"skos": "http://www.w3.org/2004/02/skos/core#"}, f"{url}/list.jsonld"],
                              **node},
        "scoped context of a term": {"@context": {"skos": "http://www.w3.org/2004/02/skos/core#",
                                                  "x": {"@id": "skos:note", "@context": f"{url}/scoped.jsonld"}},
                                     "@id": node["@id"], "x": {"skos:altLabel": "Jujuy"}},
        "import": {"@context": {"@version": 1.1, "@import": f"{url}/import.jsonld",
                                "skos": "http://www.w3.org/2004/02/skos/core#"}, **node},
        "nested node context": {"@context": {"skos": "http://www.w3.org/2004/02/skos/core#"}, **node,
                                "skos:related": {"@context": f"{url}/nested.jsonld", "@id": node["@id"]}},
    }


@pytest.mark.parametrize("kind", list(documents("")))
def test_validate_refuses_a_remote_context_without_fetching_it(kind, counting, tmp_path):
    doc = tmp_path / "remote.jsonld"
    doc.write_text(json.dumps(documents(counting.url)[kind], indent=1))
    code, message = validate(doc)
    assert code == 2, message
    assert f"{doc}:" in message and counting.url in message and "does not fetch contexts" in message
    assert "Traceback" not in message
    assert counting.requests == []


@pytest.mark.parametrize("kind", list(documents("")))
def test_rdflib_itself_cannot_fetch_a_context_once_goinglocal_is_loaded(kind, counting):
    """The loader-level guard: even a direct rdflib parse, which skips
    goinglocal's check of the document, makes no request."""
    with pytest.raises(RefusedInput):
        Graph().parse(data=json.dumps(documents(counting.url)[kind]), format="json-ld")
    assert counting.requests == []


def test_rdfxml_external_entity_by_url_is_refused_without_fetching(counting, tmp_path):
    doc = tmp_path / "external.rdf"
    doc.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY remote SYSTEM "{counting.url}/entity.txt"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:skos="http://www.w3.org/2004/02/skos/core#">
  <rdf:Description rdf:about="https://w3id.org/goinglocal/id/place/ar/jujuy">
    <skos:altLabel>&remote;</skos:altLabel>
  </rdf:Description>
</rdf:RDF>
""")
    code, message = validate(doc)
    assert code == 2, message
    assert f"{doc}:2:" in message and "DTD entity 'remote'" in message
    assert counting.requests == []


def test_rdfxml_external_dtd_is_refused_without_fetching(counting, tmp_path):
    doc = tmp_path / "dtd.rdf"
    doc.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF SYSTEM "{counting.url}/rdf.dtd">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:skos="http://www.w3.org/2004/02/skos/core#">
  <rdf:Description rdf:about="https://w3id.org/goinglocal/id/place/ar/jujuy">
    <skos:altLabel xml:lang="en">Jujuy province</skos:altLabel>
  </rdf:Description>
</rdf:RDF>
""")
    code, message = validate(doc)
    assert code == 2, message
    assert f"{doc}:2:1" in message and f"external DTD or entity '{counting.url}/rdf.dtd'" in message
    assert "Traceback" not in message
    assert counting.requests == []
