"""`goinglocal serve`: a read-only SPARQL 1.1 endpoint over the asserted graph
and its closure, started as a real subprocess on a free port."""

from __future__ import annotations

import json
import os
import signal
import urllib.error
import urllib.parse
import urllib.request

import pytest
from pathlib import Path

from conftest_serve import server, snapshot, start_server, wait_until

ASSERTED = "https://w3id.org/goinglocal/id/graph/asserted"
INFERRED = "https://w3id.org/goinglocal/id/graph/inferred"
INSERT = "INSERT DATA { <https://example.org/a> <https://example.org/b> <https://example.org/c> }"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def request(url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def select(query: str) -> list[dict]:
    url = server().endpoint + "?" + urllib.parse.urlencode({"query": query})
    status, body = request(url, headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body
    return json.loads(body)["results"]["bindings"]


def count(query: str) -> int:
    return int(select(query)[0]["n"]["value"])


def test_serves_both_graphs_and_their_union():
    from conftest_serve import knowledge_graph
    closure = knowledge_graph().closure
    asserted = count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ASSERTED}> {{ ?s ?p ?o }} }}")
    inferred = count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }}")
    assert asserted == closure.asserted_triples
    assert inferred == closure.inferred_triples
    assert count(COUNT_ALL) == closure.closure_triples  # the default graph is the union


def test_prints_its_url():
    running = server()
    assert f"{running.base}/query" in running.log.read_text()


@pytest.mark.parametrize("how", ["update endpoint form", "update endpoint direct", "query endpoint direct",
                                 "query endpoint form", "query string"])
def test_update_is_refused(how):
    base = server().base
    form = urllib.parse.urlencode({"update": INSERT}).encode()
    direct = {"Content-Type": "application/sparql-update"}
    formtype = {"Content-Type": "application/x-www-form-urlencoded"}
    status, body = {
        "update endpoint form": lambda: request(base + "/update", form, formtype),
        "update endpoint direct": lambda: request(base + "/update", INSERT.encode(), direct),
        "query endpoint direct": lambda: request(base + "/query", INSERT.encode(), direct),
        "query endpoint form": lambda: request(base + "/query", form, formtype),
        "query string": lambda: request(base + "/query?" + urllib.parse.urlencode({"update": INSERT})),
    }[how]()
    assert status in (400, 403), (status, body)
    assert "read-only" in body
    assert count("SELECT (COUNT(*) AS ?n) WHERE { <https://example.org/a> ?p ?o }") == 0


def test_update_through_sparqlwrapper_is_refused():
    from SPARQLWrapper import POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException
    sparql = SPARQLWrapper(server().endpoint, updateEndpoint=server().base + "/update")
    sparql.setMethod(POST)
    sparql.setQuery(INSERT)
    with pytest.raises((SPARQLWrapperException, urllib.error.HTTPError)) as info:
        sparql.query()
    assert "403" in str(info.value) or "read-only" in str(info.value) or getattr(info.value, "code", 0) == 403
    assert count("SELECT (COUNT(*) AS ?n) WHERE { <https://example.org/a> ?p ?o }") == 0


def test_graph_store_writes_are_refused_reads_work():
    base = server().base
    status, _ = request(f"{base}/store?graph={urllib.parse.quote(ASSERTED)}", b"<a:b> <a:c> <a:d> .",
                        {"Content-Type": "application/n-triples"}, method="PUT")
    assert status == 403
    status, body = request(f"{base}/store?graph={urllib.parse.quote(ASSERTED)}", headers={"Accept": "application/n-triples"})
    assert status == 200 and body.count("\n") > 100


def test_serves_the_built_site():
    base = server().base
    status, body = request(base + "/answers/index.md")
    assert status == 200 and body.startswith("# Answers")
    status, body = request(base + "/reports/validation.txt")
    assert status == 200 and body
    status, body = request(base + "/")
    assert status == 200 and "<html" in body.lower()  # the site's home page


def test_nquads_written_with_two_named_graphs():
    nq = snapshot() / "build" / "graph" / "goinglocal.nq"
    server()
    lines = nq.read_text().splitlines()
    graphs = {line.rsplit(" ", 2)[-2] for line in lines}
    assert graphs == {f"<{ASSERTED}>", f"<{INFERRED}>"}


def test_ctrl_c_stops_cleanly():
    second = start_server(snapshot())  # built and loaded already: starts quickly
    code, log = second.stop(signal.SIGINT)  # to the group, as a terminal's Ctrl-C
    assert code in (0, 130), log
    assert "Traceback" not in log
    assert not second.killed, "serve or its Oxigraph had to be killed after Ctrl-C"
    status = None
    try:
        urllib.request.urlopen(second.endpoint + "?query=ASK%7B%7D", timeout=2)
    except OSError as exc:
        status = exc
    assert status is not None, "the server still answers after Ctrl-C"


def children(pid: int) -> list[int]:
    """Processes whose parent is pid, read from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_serve_stopped_alone_takes_its_oxigraph_with_it(sig):
    """A signal to serve only (not its group): SIGTERM is handled by serve,
    SIGKILL by the kernel (the parent-death signal of the launcher)."""
    running = start_server(snapshot())
    try:
        oxigraphs = children(running.proc.pid)
        assert len(oxigraphs) == 1, oxigraphs
        os.kill(running.proc.pid, sig)
        running.proc.wait(120)
        assert wait_until(lambda: not alive(oxigraphs[0])), f"Oxigraph {oxigraphs[0]} outlived serve ({sig.name})"
        if sig == signal.SIGTERM:
            assert running.proc.returncode == 0, running.log.read_text()
    finally:
        running.stop(signal.SIGKILL)


def test_busy_port_is_a_clear_error():
    import subprocess, os, sys
    from pathlib import Path
    running = server()
    proc = subprocess.run([str(Path(sys.executable).parent / "goinglocal"), "serve", "--port", str(running.port)],
                          env=dict(os.environ, GOINGLOCAL_HOME=str(snapshot())), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "--port" in proc.stderr


CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def count_at(endpoint: str, query: str) -> int:
    status, body = request(endpoint + "?" + urllib.parse.urlencode({"query": query}),
                           headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_a_cross_product_is_stopped_and_the_server_keeps_answering():
    from conftest_serve import knowledge_graph
    import threading
    total = knowledge_graph().closure.closure_triples
    running = start_server(snapshot(), extra=("--query-timeout", "2"))
    try:
        first = children(running.proc.pid)
        assert len(first) == 1
        runaway: dict = {}
        thread = threading.Thread(target=lambda: runaway.update(answer=request(
            running.endpoint, urllib.parse.urlencode({"query": CROSS_PRODUCT}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"})))
        thread.start()
        assert count_at(running.endpoint, COUNT_ALL) == total  # answered while the runaway runs
        thread.join(300)
        status, body = runaway["answer"]
        assert status == 504, body
        assert "longer than the 2 s limit and was stopped" in body and "cross product" in body
        assert wait_until(lambda: not alive(first[0])), "the Oxigraph process running the cross product lives on"
        assert count_at(running.endpoint, COUNT_ALL) == total  # and answers after it
        assert len(children(running.proc.pid)) == 1
    finally:
        code, log = running.stop()
    assert "Traceback" not in log


def test_an_oversized_request_is_refused():
    big = b"query=" + b"%20" * (1 << 19)  # 1.5 MB of form data
    status, body = request(server().endpoint, big, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413 and "limit is 1048576 bytes" in body
    assert count(COUNT_ALL) > 0  # still answering


@pytest.mark.parametrize("path", ["/update", "/query", "/sparql", "/", "/store", "/answers/index.md",
                                  "/graph/", "/sparql/update", "//update", "/update/"])
def test_writes_are_refused_on_every_path(path):
    base = server().base
    insert = INSERT.encode()
    tries = {
        "POST sparql-update": request(base + path, insert, {"Content-Type": "application/sparql-update"}),
        "POST form update": request(base + path, urllib.parse.urlencode({"update": INSERT}).encode(),
                                    {"Content-Type": "application/x-www-form-urlencoded"}),
        "GET update=": request(base + path + "?" + urllib.parse.urlencode({"update": INSERT})),
        "PUT": request(base + path, b"<a:b> <a:c> <a:d> .", {"Content-Type": "application/n-triples"}, "PUT"),
        "DELETE": request(base + path, method="DELETE"),
        "PATCH": request(base + path, insert, {"Content-Type": "application/sparql-update"}, "PATCH"),
    }
    wrong = {how: status for how, (status, _) in tries.items() if status != 403}
    assert wrong == {}
    assert all("read-only" in body for _, body in tries.values())
    assert count("SELECT (COUNT(*) AS ?n) WHERE { <https://example.org/a> ?p ?o }") == 0
    assert count("SELECT (COUNT(*) AS ?n) WHERE { <a:b> ?p ?o }") == 0


def test_a_huge_declared_body_is_refused_without_reading_it():
    import socket
    with socket.create_connection(("127.0.0.1", server().port), timeout=60) as sock:
        sock.sendall(b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 10000000000\r\n\r\nSELECT")
        reply = sock.makefile("rb").read()
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b"10000000000 bytes refused" in reply
