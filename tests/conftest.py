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
from goinglocal.store import KnowledgeGraph

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def layout() -> Layout:
    return Layout(ROOT)


@pytest.fixture(scope="session")
def kg(layout) -> KnowledgeGraph:
    from conftest_serve import repository_closure
    return KnowledgeGraph(repository_closure())


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
    import gc
    from goinglocal.cli import main
    env = {name: os.environ.get(name) for name in _CLI_ENV}
    rdflib_level = logging.getLogger("rdflib").level
    out, err = io.StringIO(), io.StringIO()
    old_cwd = os.getcwd()
    os.chdir(cwd)
    # the objects this test process already holds (graphs of other tests) are
    # set aside from the garbage collector, as a fresh process would not have them
    gc.freeze()
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
        gc.unfreeze()
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


# Modules that read the build made once per run (tests/conftest_serve.py
# built()): they run last, while under xdist the controlling process has that
# build made in the background from the start; the longest single tests first.
BUILD_MODULES = {"test_build", "test_faults", "test_site", "test_serve", "test_remote", "test_site_browser"}
LONG_MODULES = ["test_materialise", "test_contributor_loop", "test_fuzz", "test_shacl_engines", "test_mentions"]
_background: list[subprocess.Popen] = []


def _module(item) -> str:
    return item.module.__name__.rsplit(".", 1)[-1] if item.module is not None else ""


def _runs_build_modules(config) -> bool:
    here = Path(__file__).resolve().parent
    for arg in config.args or [str(here)]:
        path = Path(config.invocation_params.dir, arg.split("::", 1)[0]).resolve()
        if path.is_dir() and (path == here or here.is_relative_to(path)):
            return True
        if path.stem in BUILD_MODULES:
            return True
    return False


def pytest_configure(config):
    """In the controlling process (not an xdist worker): name the snapshot its
    workers share (tests/conftest_serve.py) after this process and, when
    workers will run modules that need it, start building it right away."""
    if hasattr(config, "workerinput"):
        return
    os.environ["GOINGLOCAL_TEST_SNAPSHOT_OWNER"] = str(os.getpid())
    if (getattr(config.option, "numprocesses", None) or 0) and config.getoption("dist", "no") != "no" \
            and _runs_build_modules(config):
        here = Path(__file__).resolve().parent
        env = dict(os.environ, PYTEST_XDIST_WORKER="build",  # the shared snapshot, as a worker would
                   PYTHONPATH=os.pathsep.join(filter(None, [str(here), os.environ.get("PYTHONPATH")])))
        _background.append(subprocess.Popen([sys.executable, "-c", "import conftest_serve; conftest_serve.built()"],
                                            cwd=here, env=env, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL))


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput") and os.environ.get("GOINGLOCAL_TEST_SNAPSHOT_OWNER") == str(os.getpid()):
        for proc in _background:  # a run of a few tests can end before the build
            if proc.poll() is None:
                proc.terminate()
            proc.wait()
        import conftest_serve
        conftest_serve.remove_shared(os.getpid())


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _module(item) in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)

    def order(item) -> int:
        module = _module(item)
        if module in LONG_MODULES:
            return LONG_MODULES.index(module)
        return len(LONG_MODULES) + (module in BUILD_MODULES)
    items.sort(key=order)  # stable: the order within each group is kept
