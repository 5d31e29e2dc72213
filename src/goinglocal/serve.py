"""`goinglocal serve`: a read-only SPARQL 1.1 endpoint over the built graph.

The asserted triples and the inferred ones are written as one N-Quads file
(build/graph/goinglocal.nq) with two named graphs,

    https://w3id.org/goinglocal/id/graph/asserted
    https://w3id.org/goinglocal/id/graph/inferred

loaded with `oxigraph load` into an on-disk store under build/cache/oxigraph/
(reused while the data is unchanged) and served by `oxigraph serve-read-only
--union-default-graph`, so a query without GRAPH sees the closure.

Oxigraph listens on an internal port on 127.0.0.1 (goinglocal.backend owns
the process). In front of it a small Python server on --host/--port forwards
SPARQL queries (/query, /sparql, or / with a query parameter) and GETs of
/store, serves the built site (/answers/, /reports/, /graph/, stats) and
Oxigraph's query page (YASGUI) at /. It refuses every update and every other
write with 403, a request body over 1 MB with 413, a query running past
--query-timeout with 504 (stopping it: see goinglocal.backend) and a result
over 64 MB with 507, each with a message that says what to do.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from goinglocal.backend import Backends, ignore_signals_during_stop
from goinglocal.buildlock import build_lock
from goinglocal.errors import GoinglocalError
from goinglocal.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED
from goinglocal.paths import Layout
from goinglocal.reason import Closure, closure_for, write_atomic
from goinglocal.site import negotiate as site_negotiate
from goinglocal.store import to_nquads  # noqa: F401 - the build's and the tests' name for it

NQUADS_NAME = "goinglocal.nq"
SITE_PREFIXES = ("/answers", "/reports", "/graph", "/stats.json", "/stats.txt")
QUERY_PATHS = ("/query", "/sparql")
READ_ONLY = ("goinglocal serve is read-only: SPARQL UPDATE and graph-store writes are refused. "
             "Edit the Turtle files under instances/ and restart the server instead.\n")


# --- data -----------------------------------------------------------------

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


# --- the front ------------------------------------------------------------

@dataclass(frozen=True)
class Limits:
    query_seconds: float = 120.0  # a query running longer is stopped (504)
    request_bytes: int = 1 << 20  # a larger request body is refused (413)
    response_bytes: int = 64 << 20  # a larger result is refused (507)
    idle_seconds: float = 60.0  # a client that sends nothing for this long is disconnected


WRITE_METHODS = ("POST", "PUT", "DELETE", "PATCH")


def is_update_request(method: str, content_type: str, body: bytes, query: dict[str, list[str]]) -> bool:
    if "update" in query:
        return True
    content_type = content_type.lower()
    if method in WRITE_METHODS:
        if content_type.startswith("application/sparql-update"):
            return True
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            return "update" in form
    return False


class Runaway(Exception):
    """The backend did not finish the answer within the limits."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def make_handler(build_dir: Path, backends: "Backends | None", limits: Limits = Limits()):
    class Handler(SimpleHTTPRequestHandler):
        server_version = "goinglocal-serve"
        protocol_version = "HTTP/1.1"
        timeout = limits.idle_seconds

        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(build_dir), **kwargs)

        def log_message(self, fmt, *args):  # quiet; errors still go to stderr
            if os.environ.get("GOINGLOCAL_SERVE_LOG"):
                super().log_message(fmt, *args)

        def _body(self) -> bytes | None:
            """The request body, or None after answering 4xx for one we will not read."""
            if self.headers.get("Transfer-Encoding"):
                self.close_connection = True
                self._text(411, "send the request with a Content-Length (chunked bodies are not accepted)\n")
                return None
            raw = self.headers.get("Content-Length") or "0"
            if not raw.isdigit():
                self.close_connection = True
                self._text(400, f"bad Content-Length: {raw!r}\n")
                return None
            length = int(raw)
            if length > limits.request_bytes:
                left = length if length <= 16 * limits.request_bytes else 0
                while left > 0:  # read and drop it, so the client is not cut off mid-send
                    chunk = self.rfile.read(min(1 << 16, left))
                    if not chunk:
                        break
                    left -= len(chunk)
                self.close_connection = True
                self._text(413, f"request body of {length} bytes refused: the limit is {limits.request_bytes} "
                                "bytes. SPARQL queries are small; send the query, not data.\n")
                return None
            return self.rfile.read(length) if length else b""

        # routing
        def _route(self, method: str) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            body = self._body()
            if body is None:
                return None
            content_type = self.headers.get("Content-Type", "")
            path = "/" + url.path.strip("/")
            if path.endswith("/update") or is_update_request(method, content_type, body, query):
                return self._text(403, READ_ONLY)
            if path == "/store":
                if method in ("GET", "HEAD"):
                    return self._proxy(method, body)
                return self._text(403, READ_ONLY)
            if path in QUERY_PATHS or (path == "/" and ("query" in query or method == "POST")):
                if method not in ("GET", "HEAD", "POST"):
                    return self._text(403, READ_ONLY)
                return self._proxy(method, body, "/query" + (f"?{url.query}" if url.query else ""))
            if method not in ("GET", "HEAD"):
                return self._text(403, READ_ONLY)
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
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _fetch(self, backend, method: str, body: bytes, path: str) -> tuple[int, list, bytes]:
            """The backend's answer, read within the time and size limits."""
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() in ("accept", "content-type", "accept-encoding")}
            deadline = time.monotonic() + limits.query_seconds
            conn = http.client.HTTPConnection(*backend.address, timeout=limits.query_seconds)
            try:
                conn.request(method, path, body=body or None, headers=headers)
                sock = conn.sock  # the response reads from it; conn.sock is None once a closing response is read
                resp = conn.getresponse()
                chunks, size = [], 0
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    sock.settimeout(left)
                    chunk = resp.read1(1 << 16)
                    if not chunk:
                        return resp.status, resp.getheaders(), b"".join(chunks)
                    size += len(chunk)
                    if size > limits.response_bytes:
                        raise Runaway(507, f"the result is larger than {limits.response_bytes >> 20} MB and was "
                                           "refused; add a LIMIT or narrow the query, or download the graph from "
                                           "/graph/ instead\n")
                    chunks.append(chunk)
            except TimeoutError:
                raise Runaway(504, f"the query ran longer than the {limits.query_seconds:g} s limit and was stopped. "
                                   "Narrow it: bind variables, add a LIMIT, and avoid patterns that share no "
                                   "variable (?a ?b ?c . ?d ?e ?f is a cross product). The server's limit is set "
                                   "with goinglocal serve --query-timeout SECONDS.\n") from None
            finally:
                conn.close()

        def _proxy(self, method: str, body: bytes, path: str | None = None) -> None:
            backend = backends.acquire()
            runaway = False
            try:
                status, headers, data = self._fetch(backend, method, body, path or self.path)
            except Runaway as exc:
                runaway = True
                return self._text(exc.status, exc.message)
            except OSError as exc:
                return self._text(502, f"the Oxigraph backend did not answer: {exc}\n")
            finally:
                backends.release(backend, runaway)
            self.send_response(status)
            for key, value in headers:
                if key.lower() not in ("transfer-encoding", "connection", "content-length", "server"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(data)

    return Handler


# --- running --------------------------------------------------------------

class FrontServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 refuses connections when 20 clients arrive at once

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-answer is no error; anything else is one
        line on stderr (the traceback with GOINGLOCAL_SERVE_LOG=1), never a
        traceback in the user's terminal."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        if os.environ.get("GOINGLOCAL_SERVE_LOG"):
            return super().handle_error(request, client_address)
        print(f"goinglocal serve: internal error answering {client_address[0]}: "
              f"{type(error).__name__}: {error}", file=sys.stderr, flush=True)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def run_serve(layout: Layout, args) -> int:
    host, port = args.host, args.port
    limits = Limits(query_seconds=args.query_timeout)
    try:
        front = FrontServer((host, port), make_handler(layout.build_dir, None, limits))
    except OSError as exc:
        raise GoinglocalError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                              "choose another port with --port, or stop the program using it") from None
    backends: Backends | None = None
    serving: threading.Thread | None = None
    old = {sig: signal.signal(sig, _raise_interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        binary = oxigraph_binary()
        with build_lock(layout.build_dir):  # no build swaps build/ while it is prepared
            nq = prepare_data(layout)
            store = prepare_store(layout, nq, binary)
        backends = Backends(binary, store, limits.query_seconds)
        backends.start_first()
        front.RequestHandlerClass = make_handler(layout.build_dir, backends, limits)
        shown = host if host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        base = f"http://{'[' + shown + ']' if ':' in shown else shown}:{front.server_address[1]}"
        print(f"goinglocal serve: SPARQL endpoint {base}/query  (read-only; default graph = "
              f"asserted + inferred; named graphs <{GRAPH_ASSERTED}>, <{GRAPH_INFERRED}>)\n"
              f"  site {base}/   query page {base}/editor/   answers {base}/answers/   reports {base}/reports/\n"
              f"  queries stop after {limits.query_seconds:g} s (--query-timeout)\n"
              f"  try: goinglocal ask <question> --endpoint {base}/query\n"
              f"  Ctrl-C stops the server", flush=True)
        # the front answers in its own thread; the main thread owns the Oxigraph processes
        serving = threading.Thread(target=front.serve_forever, kwargs={"poll_interval": 0.2},
                                   name="goinglocal-front", daemon=True)
        serving.start()
        while serving.is_alive():
            backends.supervise()
    except KeyboardInterrupt:
        print("goinglocal serve: stopped", file=sys.stderr, flush=True)
    finally:
        ignore_signals_during_stop()
        if serving is not None:
            front.shutdown()
        front.server_close()
        if backends is not None:
            backends.stop_all()
        for sig, handler in old.items():
            signal.signal(sig, handler)
    return 0
