"""Shared fixtures: the repository layout, its (cached) closure as a
KnowledgeGraph, and two runners for the goinglocal command line: in-process
through goinglocal.cli.main (the `cli` fixture, for tests about what a
command answers) and as a real process (run_cli / run_console_script, for
tests about exit codes, tracebacks and the process itself)."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from goinglocal.paths import Layout
from goinglocal.reason import closure_for
from goinglocal.store import KnowledgeGraph

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def layout() -> Layout:
    return Layout(ROOT)


@pytest.fixture(scope="session")
def kg(layout) -> KnowledgeGraph:
    return KnowledgeGraph(closure_for(layout))


def run_cli(*args: str, cwd: Path = ROOT, timeout: int = 600) -> subprocess.CompletedProcess:
    """`python -m goinglocal ARGS` as a separate process."""
    return subprocess.run([sys.executable, "-m", "goinglocal", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


CONSOLE_SCRIPT = Path(sys.executable).parent / "goinglocal"


def run_console_script(*args: str, cwd: Path = ROOT, timeout: int = 600) -> subprocess.CompletedProcess:
    """The installed `goinglocal` command (the entry point pip writes) as a separate process."""
    return subprocess.run([str(CONSOLE_SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


@dataclass
class CliResult:
    """What a command gave: the same fields as subprocess.CompletedProcess."""
    args: list[str]
    returncode: int
    stdout: str
    stderr: str


# what main() may change in the process: restored after every in-process call
_CLI_ENV = ("GOINGLOCAL_HOME", "GOINGLOCAL_REASONER", "GOINGLOCAL_VALIDATOR")


def run_main(*args: str, cwd: Path = ROOT) -> CliResult:
    """goinglocal.cli.main(ARGS) in this process, isolated as a subprocess
    would be: run from cwd, stdout and stderr captured, an argparse
    SystemExit turned into its exit code, and the environment variables,
    working directory and rdflib log level main() sets restored afterwards."""
    from goinglocal.cli import main
    env = {name: os.environ.get(name) for name in _CLI_ENV}
    rdflib_level = logging.getLogger("rdflib").level
    out, err = io.StringIO(), io.StringIO()
    old_cwd = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: usage errors (2), --help and --version (0)
                if exc.code is None or isinstance(exc.code, int):
                    code = exc.code or 0
                else:  # sys.exit("message"), as the interpreter does it
                    print(exc.code, file=sys.stderr)
                    code = 1
    finally:
        os.chdir(old_cwd)
        logging.getLogger("rdflib").setLevel(rdflib_level)
        for name, value in env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return CliResult(list(args), code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def cli():
    """The command line in-process (see run_main)."""
    return run_main


# Modules whose tests each build the repository, start servers or run the
# whole question library on rdflib's engine: they are marked slow and run by
# `make test-all`, so that `make test` (CI) stays within its time budget.
SLOW_MODULES = {"test_engines", "test_concurrency", "test_cleanup", "test_incremental", "test_load"}


def pytest_configure(config):
    """In the controlling process (not an xdist worker): name the snapshot its
    workers share (tests/conftest_serve.py) after this process."""
    if not hasattr(config, "workerinput"):
        os.environ["GOINGLOCAL_TEST_SNAPSHOT_OWNER"] = str(os.getpid())


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput") and os.environ.get("GOINGLOCAL_TEST_SNAPSHOT_OWNER") == str(os.getpid()):
        import conftest_serve
        conftest_serve.remove_shared(os.getpid())


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module is not None and item.module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
