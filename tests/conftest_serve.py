"""Shared helpers for test_serve, test_remote and test_engines (imported by
them; not a pytest conftest so it does not touch other tests).

snapshot() copies the repository's data (ontology, shapes, instances, queries,
reference) and its closure cache into a temporary project once per test run,
so that the server, the in-process answers and rdflib all see the same data
even while authors keep editing instances/. server() starts `goinglocal
serve` on that snapshot, once, and stops it at exit."""

from __future__ import annotations

import atexit
import contextlib
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

from goinglocal.backend import LAUNCHER
from goinglocal.build import _alive as process_alive

REPO = Path(__file__).resolve().parents[1]


def _interrupt(signum, frame):
    raise KeyboardInterrupt


# a test run stopped with SIGTERM unwinds like a Ctrl-C, so atexit stops the servers
if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
    signal.signal(signal.SIGTERM, _interrupt)
GOINGLOCAL = Path(sys.executable).parent / "goinglocal"
COPIED = ("ontology", "shapes", "instances", "queries", "reference", "pyproject.toml")


SNAPSHOT_PREFIX = "goinglocal-serve-test-"


def wait_until(condition, seconds: float = 120) -> bool:
    """Poll condition until it holds or the time is up (generous: the machine may be loaded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def remove_stale_snapshots() -> None:
    """Snapshots of test runs that were killed (so their atexit never ran)."""
    for old in Path(tempfile.gettempdir()).glob(SNAPSHOT_PREFIX + "*"):
        pid = old.name[len(SNAPSHOT_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


@lru_cache(maxsize=None)
def snapshot() -> Path:
    remove_stale_snapshots()
    root = Path(tempfile.mkdtemp(prefix=f"{SNAPSHOT_PREFIX}{os.getpid()}-"))
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
    """`goinglocal serve` in a process group of its own (with its Oxigraph
    children), so stopping it can reach every process it started."""

    proc: subprocess.Popen
    port: int
    log: Path
    killed: bool = False  # stop() had to SIGKILL the group: it did not exit by itself
    stopped: bool = False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return self.base + "/query"

    def group_alive(self) -> bool:
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self, sig: int = signal.SIGINT, timeout: float = 120) -> tuple[int, str]:
        """Send sig to the group (as a terminal's Ctrl-C does), wait by polling
        for serve and its children to exit, and kill the group if they do not."""
        if self.stopped:  # once stopped, the group id may belong to another process
            return self.proc.returncode, self.log.read_text(errors="replace")
        self.stopped = True
        try:
            if self.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, sig)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    pass
            deadline = time.monotonic() + timeout
            while self.group_alive() and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            if self.group_alive():
                self.killed = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        return self.proc.returncode, self.log.read_text(errors="replace")


def start_server(home: Path, timeout: float = 240, extra: tuple[str, ...] = ()) -> Server:
    port = free_port()
    log = home / f"serve-{port}.log"
    env = dict(os.environ, GOINGLOCAL_HOME=str(home), PYTHONUNBUFFERED="1")
    with open(log, "wb") as out:
        # through the launcher: serve gets SIGTERM if this test process dies, even by SIGKILL
        proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(os.getpid()), str(GOINGLOCAL), "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
                                cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    server = Server(proc, port, log)
    atexit.register(server.stop)  # whatever happens to the test, the group goes at exit
    try:
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
        raise RuntimeError(f"goinglocal serve did not answer within {timeout} s:\n{log.read_text()}")
    except BaseException:
        server.stop(signal.SIGKILL)
        raise


@lru_cache(maxsize=None)
def server() -> Server:
    return start_server(snapshot())


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
