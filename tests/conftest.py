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
