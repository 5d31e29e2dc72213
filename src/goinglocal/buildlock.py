"""One writer of build/ at a time.

`goinglocal build`, and `goinglocal serve` while it prepares its data, hold
an exclusive fcntl.flock on a lock file beside the output folder
(build/ -> .build.lock). A second command waits, saying which process it
waits for; the kernel drops the lock when its holder dies, however it dies.
Together with the staging folder of goinglocal.build (everything is written
aside and swapped in by renames), two builds at once, or a build while
serve prepares, never leave a half-written build/ or a cache moved away.

The lock is re-entrant within a process (serve builds while holding it)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

_held: dict[Path, int] = {}  # lock file -> depth, for this process
_guard = threading.Lock()


def lock_path(out: Path) -> Path:
    out = out.resolve()
    return out.with_name(f".{out.name}.lock")


@contextlib.contextmanager
def build_lock(out: Path, say=lambda text: print(text, file=sys.stderr, flush=True)) -> Iterator[None]:
    path = lock_path(out)
    with _guard:
        if path in _held:
            _held[path] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                _held[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "another process"
            say(f"goinglocal: waiting for {holder}, which is writing {out}/ ...")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"goinglocal pid {os.getpid()}\n".encode(), 0)
        with _guard:
            _held[path] = 1
        try:
            yield
        finally:
            with _guard:
                del _held[path]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the lock
