"""No process and no temporary folder outlives a test run that starts
`goinglocal serve`, whether its test fails, or the run is stopped with
SIGTERM or SIGKILL. A separate pytest run is started with its own TMPDIR
and a marker in its environment; afterwards /proc must hold no process with
the marker (serve, the launcher and Oxigraph inherit it), and TMPDIR must be
empty (after a SIGKILL, once the next run has removed the stale snapshot)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conftest_serve import server, snapshot, wait_until

TESTS = Path(__file__).resolve().parent

LEAKY = '''
import os, time
from pathlib import Path
from conftest_serve import snapshot, start_server

def test_with_a_server_running():
    snapshot()  # a temporary folder of this run
    start_server(Path(os.environ["GOINGLOCAL_PREBUILT"]))
    Path(os.environ["GOINGLOCAL_READY"]).write_text("serving")
    if os.environ["GOINGLOCAL_HOW"] == "fails":
        assert False, "fails on purpose"
    time.sleep(600)  # until the parent stops the run
'''


def marked(marker: str) -> list[int]:
    """Processes with the marker in their environment."""
    found = []
    needle = marker.encode()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if needle in environ.read_bytes():
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("how", ["fails", "SIGTERM", "SIGKILL"])
def test_nothing_outlives_a_test_run(how, tmp_path):
    server()  # the snapshot is built and its store loaded: the inner run starts quickly
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    (tmp_path / "test_leaky.py").write_text(LEAKY)
    marker = f"leak-{uuid.uuid4().hex}"
    ready = tmp_path / "ready"
    env = dict(os.environ, TMPDIR=str(tmp), GOINGLOCAL_LEAK_MARKER=marker, GOINGLOCAL_PREBUILT=str(snapshot()),
               GOINGLOCAL_READY=str(ready), GOINGLOCAL_HOW=how,
               PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
    env.pop("PYTEST_XDIST_WORKER", None)
    inner = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                              str(tmp_path / "test_leaky.py")], cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        if how == "fails":
            out, _ = inner.communicate(timeout=600)
            assert inner.returncode == 1 and b"fails on purpose" in out, out.decode()[-3000:]
        else:
            assert wait_until(lambda: ready.exists() or inner.poll() is not None, 600), "the inner run never served"
            assert ready.exists(), inner.communicate()[0].decode()[-3000:]
            inner.send_signal(getattr(signal, how))
            inner.communicate(timeout=600)
        assert wait_until(lambda: not marked(marker)), f"left running: {marked(marker)}"
        if how == "SIGKILL":  # its atexit never ran: the next run removes its snapshot
            subprocess.run([sys.executable, "-c", "import conftest_serve; conftest_serve.remove_stale_snapshots()"],
                           env=env, check=True, timeout=120)
        assert sorted(p.name for p in tmp.iterdir()) == []
    finally:
        if inner.poll() is None:
            os.killpg(inner.pid, signal.SIGKILL)
            inner.wait()
        for pid in marked(marker):
            os.kill(pid, signal.SIGKILL)
