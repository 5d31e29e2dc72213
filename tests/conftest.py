"""Shared fixtures: the repository layout, its (cached) closure as a
KnowledgeGraph, and a runner for the goinglocal command line."""

from __future__ import annotations

import subprocess
import sys
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
    return subprocess.run([sys.executable, "-m", "goinglocal", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="session")
def cli():
    return run_cli


# Modules whose tests each build the repository, start servers or run the
# whole question library on rdflib's engine: they are marked slow and run by
# `make test-all`, so that `make test` (CI) stays within its time budget.
SLOW_MODULES = {"test_engines", "test_concurrency", "test_cleanup", "test_incremental", "test_load"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module is not None and item.module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
