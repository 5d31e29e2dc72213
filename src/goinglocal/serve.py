"""`goinglocal serve`: a read-only SPARQL 1.1 endpoint over the built graph.

The asserted triples and the inferred ones are written as one N-Quads file
(build/graph/goinglocal.nq) with two named graphs,

    https://w3id.org/goinglocal/id/graph/asserted
    https://w3id.org/goinglocal/id/graph/inferred

loaded with `oxigraph load` into an on-disk store under build/cache/oxigraph/
(reused while the data is unchanged) and served by `oxigraph serve-read-only
--union-default-graph`, so a query without GRAPH sees the closure.

Oxigraph listens on an internal port on 127.0.0.1. In front of it a small
Python server on --host/--port forwards SPARQL queries (/query, /sparql, or /
with a query parameter) and GETs of /store, refuses every update with 403 and
a message, serves the built site (/answers/, /reports/, /graph/, stats) and
Oxigraph's query page (YASGUI) at /.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from goinglocal.errors import EndpointError, GoinglocalError
from goinglocal.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED
from goinglocal.paths import Layout
from goinglocal.reason import Closure, closure_for, write_atomic
from goinglocal.site import negotiate as site_negotiate
from goinglocal.store import inferred_only

NQUADS_NAME = "goinglocal.nq"
SITE_PREFIXES = ("/answers", "/reports", "/graph", "/stats.json", "/stats.txt")
QUERY_PATHS = ("/query", "/sparql")
READ_ONLY = ("goinglocal serve is read-only: SPARQL UPDATE and graph-store writes are refused. "
             "Edit the Turtle files under instances/ and restart the server instead.\n")


# --- data -----------------------------------------------------------------

def to_nquads(closure: Closure) -> bytes:
    """The asserted triples in graph/asserted, the rest of the closure in graph/inferred."""
    def quads(nt: bytes, graph: str) -> list[bytes]:
        suffix = f" <{graph}> .".encode()
        out = []
        for line in nt.splitlines():
            line = line.strip()
            if line and not line.startswith(b"#"):
                assert line.endswith(b"."), line
                out.append(line[:-1].rstrip() + suffix)
        return out
    lines = quads(closure.asserted_nt, GRAPH_ASSERTED) + quads(inferred_only(closure), GRAPH_INFERRED)
    return b"\n".join(lines) + b"\n"


def build_is_current(build_dir: Path, closure: Closure) -> bool:
    graph = build_dir / "graph" / "closure.nt"
    try:
        return (graph.read_bytes() == closure.closure_nt
                and (build_dir / "graph" / "asserted.nt").read_bytes() == closure.asserted_nt
                and (build_dir / "answers").is_dir() and (build_dir / "site" / "index.html").is_file())
    except OSError:
        return False


def prepare_data(layout: Layout, log=lambda text: print(text, flush=True)) -> Path:
    """Make sure build/ is current (running the build if not) and write the
    N-Quads file; return its path."""
    closure = closure_for(layout)
    build_dir = layout.build_dir
    if not build_is_current(build_dir, closure):
        from goinglocal.build import run_build
        log("goinglocal serve: build/ is missing or out of date; building first ...")
        summary = run_build(layout, build_dir)
        log(summary.text().rstrip())
        closure = closure_for(layout)
    nq = build_dir / "graph" / NQUADS_NAME
    data = to_nquads(closure)
    try:
        same = nq.read_bytes() == data
    except OSError:
        same = False
    if not same:
        write_atomic(nq, data)
    return nq


def oxigraph_binary() -> str:
    here = Path(sys.executable).parent / "oxigraph"
    if here.is_file():
        return str(here)
    found = shutil.which("oxigraph")
    if not found:
        raise GoinglocalError("the Oxigraph server (the 'oxigraph' command) is not installed",
                              "pip install oxigraph (it is a dependency of goinglocal; reinstall with pip install -e .)")
    return found


def prepare_store(layout: Layout, nq: Path, binary: str) -> Path:
    """An Oxigraph store directory holding exactly nq, reused while nq is unchanged."""
    digest = hashlib.sha256(nq.read_bytes()).hexdigest()[:20]
    root = layout.build_dir / "cache" / "oxigraph"
    store = root / digest
    if (store / ".complete").is_file():
        return store
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".loading-{digest}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    proc = subprocess.run([binary, "load", "--location", str(tmp), "--file", str(nq)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise GoinglocalError(f"oxigraph could not load {nq}: {proc.stderr.strip()[-2000:]}",
                              "run 'goinglocal build' and check the data validates")
    (tmp / ".complete").write_text(digest + "\n")
    try:
        os.replace(tmp, store)
    except OSError:  # another server loaded the same data meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
    for old in root.iterdir():  # stores of earlier data
        if old.name != digest and not old.name.startswith(".loading-"):
            shutil.rmtree(old, ignore_errors=True)
    return store


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


# --- the front ------------------------------------------------------------

def is_update_request(method: str, content_type: str, body: bytes, query: dict[str, list[str]]) -> bool:
    if "update" in query:
        return True
    if method == "POST":
        if content_type.startswith("application/sparql-update"):
            return True
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            return "update" in form
    return False


def make_handler(build_dir: Path, backend: tuple[str, int]):
    class Handler(SimpleHTTPRequestHandler):
        server_version = "goinglocal-serve"
        protocol_version = "HTTP/1.1"

        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(build_dir), **kwargs)

        def log_message(self, fmt, *args):  # quiet; errors still go to stderr
            if os.environ.get("GOINGLOCAL_SERVE_LOG"):
                super().log_message(fmt, *args)

        # routing
        def _route(self, method: str) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            content_type = self.headers.get("Content-Type", "")
            path = url.path.rstrip("/") or "/"
            if path == "/update" or is_update_request(method, content_type, body, query):
                return self._text(403, READ_ONLY)
            if path == "/store":
                if method in ("GET", "HEAD"):
                    return self._proxy(method, body)
                return self._text(403, READ_ONLY)
            if path in QUERY_PATHS or (path == "/" and ("query" in query or method == "POST")):
                return self._proxy(method, body, "/query" + (f"?{url.query}" if url.query else ""))
            if method not in ("GET", "HEAD"):
                return self._text(405, f"{method} is not allowed on {url.path}; "
                                       "send SPARQL queries to /query\n")
            if url.path.startswith(SITE_PREFIXES):
                return super().do_HEAD() if method == "HEAD" else super().do_GET()
            found = site_negotiate.resolve(build_dir / "site", urllib.parse.unquote(url.path), self.headers.get("Accept"))
            if found:
                return self._site(found)
            return self._proxy(method, body)  # anything else: Oxigraph

        def _site(self, found) -> None:
            data = found.file.read_bytes() if found.file else b""
            self.send_response(found.status)
            if found.location:
                self.send_header("Location", found.location)
            if found.vary:
                self.send_header("Vary", "Accept")
            self.send_header("Content-Type", found.content_type or "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_GET(self):
            self._route("GET")

        def do_HEAD(self):
            self._route("HEAD")

        def do_POST(self):
            self._route("POST")

        def do_PUT(self):
            self._route("PUT")

        def do_DELETE(self):
            self._route("DELETE")

        def do_PATCH(self):
            self._route("PATCH")

        def _text(self, status: int, text: str) -> None:
            data = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _proxy(self, method: str, body: bytes, path: str | None = None) -> None:
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() in ("accept", "content-type", "accept-encoding")}
            conn = http.client.HTTPConnection(*backend, timeout=600)
            try:
                conn.request(method, path or self.path, body=body or None, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except OSError as exc:
                return self._text(502, f"the Oxigraph backend did not answer: {exc}\n")
            finally:
                conn.close()
            self.send_response(resp.status)
            for key, value in resp.getheaders():
                if key.lower() not in ("transfer-encoding", "connection", "content-length", "server"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(data)

    return Handler


# --- running --------------------------------------------------------------

def wait_ready(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    query = urllib.parse.urlencode({"query": "ASK {}"})
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            raise EndpointError(f"the Oxigraph server stopped at start: {err.strip()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", f"/query?{query}", headers={"Accept": "application/sparql-results+json"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise EndpointError(f"the Oxigraph server did not answer within {seconds:.0f} s")


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def run_serve(layout: Layout, args) -> int:
    host, port = args.host, args.port
    try:
        front = ThreadingHTTPServer((host, port), make_handler(layout.build_dir, ("127.0.0.1", 0)))
    except OSError as exc:
        raise GoinglocalError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                              "choose another port with --port, or stop the program using it") from None
    front.daemon_threads = True
    oxigraph = None
    old_term = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        binary = oxigraph_binary()
        nq = prepare_data(layout)
        store = prepare_store(layout, nq, binary)
        backend_port = free_port()
        # its own session: a Ctrl-C in the terminal reaches us, and we stop it
        oxigraph = subprocess.Popen(
            [binary, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{backend_port}",
             "--union-default-graph", "--timeout-s", "300"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        wait_ready(backend_port, oxigraph)
        front.RequestHandlerClass = make_handler(layout.build_dir, ("127.0.0.1", backend_port))
        shown = host if host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        base = f"http://{'[' + shown + ']' if ':' in shown else shown}:{front.server_address[1]}"
        print(f"goinglocal serve: SPARQL endpoint {base}/query  (read-only; default graph = "
              f"asserted + inferred; named graphs <{GRAPH_ASSERTED}>, <{GRAPH_INFERRED}>)\n"
              f"  site {base}/   query page {base}/editor/   answers {base}/answers/   reports {base}/reports/\n"
              f"  try: goinglocal ask <question> --endpoint {base}/query\n"
              f"  Ctrl-C stops the server", flush=True)
        watcher = threading.Thread(target=_watch, args=(oxigraph, front), daemon=True)
        watcher.start()
        front.serve_forever(poll_interval=0.2)
        if oxigraph.poll() is not None:
            raise EndpointError(f"the Oxigraph server stopped unexpectedly (exit {oxigraph.returncode})")
    except KeyboardInterrupt:
        print("goinglocal serve: stopped", file=sys.stderr, flush=True)
    finally:
        signal.signal(signal.SIGTERM, old_term)
        front.server_close()
        if oxigraph is not None and oxigraph.poll() is None:
            oxigraph.terminate()
            try:
                oxigraph.wait(10)
            except subprocess.TimeoutExpired:
                oxigraph.kill()
                oxigraph.wait()
    return 0


def _watch(proc: subprocess.Popen, front: ThreadingHTTPServer) -> None:
    """Stop the front if Oxigraph dies."""
    proc.wait()
    front.shutdown()
