"""The polite SPARQL client against a real local HTTP server: back-off that
honours Retry-After, the User-Agent, errors as EndpointError, the cache,
and safe literals in VALUES."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from rdflib import Graph

from goinglocal.errors import EndpointError
from goinglocal.wikidata.client import USER_AGENT, SparqlClient, values_items, values_literals

RESULT = {"head": {"vars": ["item", "label"]},
          "results": {"bindings": [{"item": {"type": "uri", "value": "http://www.wikidata.org/entity/Q44764"},
                                    "label": {"type": "literal", "value": "Jujuy", "xml:lang": "es"}}]}}


class Server:
    """Answers `script` status codes in turn (then 200 with RESULT), recording requests."""

    def __init__(self, script: list[int], retry_after: str | None = "1"):
        self.script, self.retry_after, self.seen = list(script), retry_after, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                outer.seen.append({"time": time.monotonic(), "agent": self.headers.get("User-Agent"),
                                   "query": parse_qs(body).get("query", [""])[0]})
                status = outer.script.pop(0) if outer.script else 200
                self.send_response(status)
                if status in (429, 503) and outer.retry_after is not None:
                    self.send_header("Retry-After", outer.retry_after)
                data = json.dumps(RESULT).encode() if status == 200 else b"slow down"
                self.send_header("Content-Type", "application/sparql-results+json" if status == 200 else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_retry_after_is_honoured(tmp_path):
    with Server([429, 429]) as server:
        client = SparqlClient(server.url, cache_dir=tmp_path / "cache", timeout=5)
        start = time.monotonic()
        rows = client.select("SELECT ?item ?label WHERE { ?item rdfs:label ?label }")
        elapsed = time.monotonic() - start
    assert rows == [{"item": "http://www.wikidata.org/entity/Q44764", "label": "Jujuy", "label@lang": "es"}]
    assert len(server.seen) == 3 and client.requests == 3
    assert elapsed >= 2.0 and client.waited == pytest.approx(2.0)
    assert server.seen[2]["time"] - server.seen[0]["time"] >= 2.0
    assert all(s["agent"] == USER_AGENT for s in server.seen)
    assert USER_AGENT.startswith("goinglocal/") and "https://w3id.org/goinglocal" in USER_AGENT
    # the answer is cached: asking again makes no request
    again = SparqlClient(server.url, cache_dir=tmp_path / "cache")
    assert again.select("SELECT ?item ?label WHERE { ?item rdfs:label ?label }") == rows
    assert again.requests == 0 and again.cache_hits == 1


def test_wait_is_capped_and_attempts_limited():
    with Server([503, 503, 503], retry_after="3600") as server:
        client = SparqlClient(server.url, max_attempts=3, max_wait=0.2, timeout=5)
        with pytest.raises(EndpointError) as info:
            client.select("SELECT * WHERE { ?s ?p ?o }")
    assert info.value.exit_code == 3 and "503" in str(info.value)
    assert len(server.seen) == 3 and client.waited == pytest.approx(0.4)


def test_server_error_is_an_endpoint_error():
    with Server([500]) as server:
        with pytest.raises(EndpointError) as info:
            SparqlClient(server.url, timeout=5).select("SELECT * WHERE { ?s ?p ?o }")
    assert info.value.exit_code == 3


def test_values_are_escaped():
    nasty = 'Jujuy" } ; DROP ALL ; { "'
    body = values_literals([nasty, "Guizhou"], ("es",))
    parsed = Graph().query(f"SELECT ?l WHERE {{ VALUES ?l {{ {body} }} }}")
    assert {str(r.l) for r in parsed} == {nasty, "Guizhou"}
    with pytest.raises(ValueError):
        values_items(["Q1> } ; DROP ALL"])
    assert values_items(["Q414", "Q44764"]) == "<http://www.wikidata.org/entity/Q414> <http://www.wikidata.org/entity/Q44764>"
