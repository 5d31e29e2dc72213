"""Shared helpers for test_serve, test_remote and test_engines (imported by
them; not a pytest conftest so it does not touch other tests).

snapshot() copies the repository's data (ontology, shapes, instances, queries,
reference) and its closure cache into a temporary project once per test run,
so that the server, the in-process answers and rdflib all see the same data
even while authors keep editing instances/. server() starts `goinglocal
serve` on that snapshot, once, and stops it at exit."""

from __future__ import annotations

import atexit
import csv
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOINGLOCAL = Path(sys.executable).parent / "goinglocal"
COPIED = ("ontology", "shapes", "instances", "queries", "reference", "pyproject.toml")


@lru_cache(maxsize=None)
def snapshot() -> Path:
    root = Path(tempfile.mkdtemp(prefix="goinglocal-serve-test-"))
    atexit.register(shutil.rmtree, root, True)
    for name in COPIED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns(".*"))
        elif src.is_file():
            shutil.copy2(src, root / name)
    cache = REPO / "build" / "cache"
    for name in ("asserted.nt", "closure.nt", "meta.json"):  # reused when the data is unchanged
        if (cache / name).is_file():
            (root / "build" / "cache").mkdir(parents=True, exist_ok=True)
            shutil.copy2(cache / name, root / "build" / "cache" / name)
    return root


def layout():
    from goinglocal.paths import Layout
    return Layout(snapshot())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return self.base + "/query"

    def stop(self, sig: int = signal.SIGINT, timeout: float = 20) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode, self.log.read_text(errors="replace")


def start_server(home: Path, timeout: float = 240) -> Server:
    port = free_port()
    log = home / f"serve-{port}.log"
    env = dict(os.environ, GOINGLOCAL_HOME=str(home), PYTHONUNBUFFERED="1")
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(GOINGLOCAL), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = Server(proc, port, log)
    deadline = time.monotonic() + timeout
    query = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"goinglocal serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{server.endpoint}?{query}", timeout=2) as resp:
                if resp.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.stop(signal.SIGKILL)
    raise RuntimeError(f"goinglocal serve did not answer within {timeout} s:\n{log.read_text()}")


@lru_cache(maxsize=None)
def server() -> Server:
    started = start_server(snapshot())
    atexit.register(started.stop)
    return started


@lru_cache(maxsize=None)
def knowledge_graph():
    from goinglocal.reason import closure_for
    from goinglocal.store import KnowledgeGraph
    return KnowledgeGraph(closure_for(layout()))


def questions() -> dict:
    from goinglocal.questions import load_questions
    found = load_questions(layout())
    assert found, f"no questions in {layout().queries_dir}: the library is empty"
    return found


def question_names() -> list[str]:
    """Names for parametrize, read from the repository (the snapshot is made lazily)."""
    return sorted(p.stem for p in (REPO / "queries").glob("*.rq")) or ["<no questions>"]


def separators(query: str) -> list[str]:
    """The GROUP_CONCAT separators of a query (SPARQL leaves the order of concatenation open)."""
    if "GROUP_CONCAT" not in query.upper():
        return []
    found = re.findall(r"""separator\s*=\s*(?:"([^"]*)"|'([^']*)')""", query, re.I)
    return [a or b for a, b in found] or [" "]


def normalise_cell(text: str, seps: list[str]) -> str:
    for sep in seps:
        if sep and sep in text:
            return sep.join(sorted(text.split(sep)))
    return text


def csv_rows(text: str, seps: list[str]) -> tuple[list[str], list[tuple[str, ...]]]:
    reader = list(csv.reader(io.StringIO(text)))
    header, rows = (reader[0] if reader else []), reader[1:]
    return header, sorted(tuple(normalise_cell(c, seps) for c in row) for row in rows)
