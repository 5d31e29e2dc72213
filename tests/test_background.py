"""goinglocal.background runs the build's validation half in a forked child:
its value comes back from another process, a failure surfaces as the
genuine exception (hint included), and without fork the same value comes
from this process."""

import os

import pytest

from goinglocal.background import Background
from goinglocal.errors import UnreadableInput


def test_the_value_is_computed_in_a_child_process_and_returned():
    assert Background(os.getpid).result() != os.getpid()
    assert Background(lambda a, b=1: a * b, 6, b=7).result() == 42


def test_a_failure_in_the_child_raises_the_genuine_error_with_its_hint():
    def unreadable():
        raise UnreadableInput("shapes/x.ttl: no such file", "check the path")
    with pytest.raises(UnreadableInput) as caught:
        Background(unreadable).result()
    assert caught.value.hint == "check the path"


def test_without_fork_it_runs_in_this_process(monkeypatch):
    monkeypatch.setenv("GOINGLOCAL_NO_FORK", "1")
    assert Background(os.getpid).result() == os.getpid()


def test_a_cancelled_child_is_gone():
    import time
    job = Background(time.sleep, 30)
    pid = job.process.pid
    job.cancel()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
