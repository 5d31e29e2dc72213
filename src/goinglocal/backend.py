"""The Oxigraph processes behind `goinglocal serve`, owned by it.

Each backend is an `oxigraph serve-read-only` process on an internal port of
127.0.0.1. Ownership:
- backends are started from the main thread, in serve's own process group
  (a Ctrl-C in the terminal, or a test killing the group, reaches them too);
- each is started through a tiny launcher that asks the kernel to send it
  SIGTERM when serve dies, so even `kill -9` of serve leaves no orphan;
- Backends.stop_all() runs on every way out of serve (finally and atexit).

Oxigraph's own --timeout-s does not stop a query that never yields a row
(a COUNT over a cross product runs on), so a query over the time limit is
stopped by replacing its process: the front answers 504, asks for a new
backend, new requests go to it, and the old one is terminated as soon as
only runaway queries remain on it."""

from __future__ import annotations

import atexit
import http.client
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from goinglocal.errors import EndpointError

# runs before exec: SIGTERM to this process when its parent dies (PR_SET_PDEATHSIG = 1)
LAUNCHER = ("import ctypes, os, signal, sys\n"
            "try:\n"
            "    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)\n"
            "except (OSError, AttributeError):\n"
            "    pass  # not Linux: serve's finally and atexit still stop it\n"
            "if os.getppid() != int(sys.argv[1]):\n"
            "    sys.exit(0)\n"
            "os.execv(sys.argv[2], sys.argv[2:])\n")


def free_port(host: str = "127.0.0.1") -> int:
    import socket
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Backend:
    """One Oxigraph server process, and the requests it is answering."""

    def __init__(self, binary: str, store: Path, timeout: float):
        self.port = free_port()
        # an unnamed file, not a pipe nobody reads (a full pipe would block Oxigraph); gone when closed
        self.errors = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(os.getpid()), binary, "serve-read-only",
             "--location", str(store), "--bind", f"127.0.0.1:{self.port}", "--union-default-graph",
             "--timeout-s", str(max(1, int(timeout)))],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.errors)
        self.lock = threading.Lock()
        self.active = 0  # requests being answered
        self.runaway = 0  # of those, queries past the time limit (they never finish)
        self.retired = False

    @property
    def address(self) -> tuple[str, int]:
        return "127.0.0.1", self.port

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_ready(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        query = urllib.parse.urlencode({"query": "ASK {}"})
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.errors.seek(0)
                err = self.errors.read().decode("utf-8", "replace")
                raise EndpointError(f"the Oxigraph server stopped at start: {err.strip()[-2000:]}")
            try:
                conn = http.client.HTTPConnection(*self.address, timeout=2)
                conn.request("GET", f"/query?{query}", headers={"Accept": "application/sparql-results+json"})
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.1)
        self.stop()
        raise EndpointError(f"the Oxigraph server did not answer within {seconds:.0f} s")

    def drained(self) -> bool:
        with self.lock:
            return self.active <= self.runaway

    def stop(self, grace: float = 10) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.errors.close()


class Backends:
    """The current backend, the ones being retired, and the main thread's
    supervision of them (start, replace, reap)."""

    def __init__(self, binary: str, store: Path, timeout: float):
        self.binary, self.store, self.timeout = binary, store, timeout
        self.lock = threading.Lock()
        self.current: Backend | None = None
        self.retiring: list[Backend] = []
        self.requests: queue.Queue[Backend] = queue.Queue()
        self.replaced = 0
        atexit.register(self.stop_all)

    def start(self) -> Backend:
        backend = Backend(self.binary, self.store, self.timeout)
        try:
            backend.wait_ready()
        except BaseException:
            backend.stop(grace=2)
            raise
        return backend

    def start_first(self) -> None:
        self.current = self.start()

    # called by request threads
    def acquire(self) -> Backend:
        with self.lock:
            backend = self.current
            assert backend is not None, "no backend started"
        with backend.lock:
            backend.active += 1
        return backend

    def release(self, backend: Backend, runaway: bool = False) -> None:
        with backend.lock:
            if runaway:
                backend.runaway += 1
            else:
                backend.active -= 1
        if runaway:
            self.requests.put(backend)

    # called by the main thread
    def supervise(self, wait: float = 0.5) -> None:
        """One round: replace a backend that has a runaway query, stop retired
        backends once only runaway queries remain on them, and raise if the
        current backend died by itself."""
        try:
            backend = self.requests.get(timeout=wait)
        except queue.Empty:
            backend = None
        if backend is not None and backend is self.current:
            fresh = self.start()
            with self.lock:
                self.current, backend.retired = fresh, True
                self.retiring.append(backend)
                self.replaced += 1
        for old in [b for b in self.retiring if b.drained()]:
            old.stop()
            self.retiring.remove(old)
        current = self.current
        if current is not None and not current.alive():
            if current.proc.returncode == -signal.SIGINT:  # a Ctrl-C in the terminal reached the group
                raise KeyboardInterrupt
            raise EndpointError(f"the Oxigraph server stopped unexpectedly (exit {current.proc.returncode})")

    def stop_all(self) -> None:
        with self.lock:
            backends = ([self.current] if self.current else []) + self.retiring
            self.current, self.retiring = None, []
        for backend in backends:
            backend.stop()


def ignore_signals_during_stop() -> None:
    """A second Ctrl-C while stopping must not leave children behind."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
