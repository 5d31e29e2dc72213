"""Shared helpers for test_serve, test_remote and test_engines (imported by
them; not a pytest conftest so it does not touch other tests).

snapshot() copies the repository's data (ontology, shapes, instances, queries,
reference) and its closure cache into a temporary project once per test run,
so that the server, the in-process answers and rdflib all see the same data
even while authors keep editing instances/. Under pytest-xdist the workers
of one run share that snapshot (made by the first worker that asks, under a
file lock; removed by the controlling process at the end). built() runs
`goinglocal build` (goinglocal.build.run_build) on it once per run; the
tests read the output and never write it. server() starts `goinglocal
serve` on the built snapshot, once per worker, and stops it at exit."""

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
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:  # the lock file beside a shared snapshot
                with contextlib.suppress(OSError):
                    old.unlink()


# set by tests/conftest.py in the controlling pytest process before it starts
# its xdist workers: they share the snapshot named after that process
OWNER_ENV = "GOINGLOCAL_TEST_SNAPSHOT_OWNER"
CACHE_FILES = ("asserted.nt", "closure.nt", "meta.json")  # the closure cache


def shared_root(owner: int) -> Path:
    return Path(tempfile.gettempdir()) / f"{SNAPSHOT_PREFIX}{owner}-shared"


def remove_shared(owner: int) -> None:
    root = shared_root(owner)
    shutil.rmtree(root, ignore_errors=True)
    with contextlib.suppress(OSError):
        root.with_name(root.name + ".lock").unlink()


@contextlib.contextmanager
def _locked(path: Path):
    import fcntl
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def copy_cache(source: Path, target: Path) -> None:
    """The closure cache files of source/build/cache into target/build/cache."""
    for name in CACHE_FILES:  # reused when the data is unchanged
        if (source / "build" / "cache" / name).is_file():
            (target / "build" / "cache").mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / "build" / "cache" / name, target / "build" / "cache" / name)


def repository_closure():
    """closure_for the repository itself, computed by one test process at a
    time (on a fresh clone the others then read its cache, not reason again)."""
    from goinglocal.paths import Layout
    from goinglocal.reason import closure_for
    (REPO / "build").mkdir(exist_ok=True)
    with _locked(REPO / "build" / ".tests-closure.lock"):
        return closure_for(Layout(REPO))


def _copy_repository(root: Path) -> None:
    # the repository's own closure first (read from its cache, or computed and
    # cached once), so the snapshot starts with a valid cache and never reasons
    repository_closure()
    for name in COPIED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns(".*"))
        elif src.is_file():
            shutil.copy2(src, root / name)
    copy_cache(REPO, root)


@lru_cache(maxsize=None)
def snapshot() -> Path:
    remove_stale_snapshots()
    owner = os.environ.get(OWNER_ENV, "") if os.environ.get("PYTEST_XDIST_WORKER") else ""
    if not owner.isdigit():  # a run of its own (no xdist): its own folder, removed at exit
        root = Path(tempfile.mkdtemp(prefix=f"{SNAPSHOT_PREFIX}{os.getpid()}-"))
        atexit.register(shutil.rmtree, root, True)
        _copy_repository(root)
        return root
    root = shared_root(int(owner))
    with _locked(root.with_name(root.name + ".lock")):
        if not (root / ".copied").is_file():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            _copy_repository(root)
            (root / ".copied").write_text("")
    return root


@lru_cache(maxsize=None)
def built():
    """The snapshot after `goinglocal build` into its build/ (once per run,
    shared by the workers) and that build's summary."""
    import pickle
    from goinglocal.build import run_build
    root = snapshot()
    done = root / ".built.pickle"
    with _locked(root / ".built.lock"):
        if not done.is_file():
            summary = run_build(layout(), root / "build")
            tmp = done.with_suffix(".tmp")
            tmp.write_bytes(pickle.dumps(summary))
            tmp.replace(done)
    return root, pickle.loads(done.read_bytes())


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


def private_copy(target: Path) -> Path:
    """A copy of the built snapshot (data, closure cache and build/) for a test
    that writes build/ itself, so the shared one stays as the others read it."""
    root, _ = built()
    for name in COPIED:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, target / name)
        elif src.is_file():
            shutil.copy2(src, target / name)
    shutil.copytree(root / "build", target / "build", ignore=shutil.ignore_patterns("cache"))
    copy_cache(root, target)
    return target


@lru_cache(maxsize=None)
def server() -> Server:
    root, _ = built()  # serve finds build/ current and does not build again
    return start_server(root)


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
