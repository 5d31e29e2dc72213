"""Every case of tests/bad_inputs/cases.toml through the real command line:
the exit code, the words of the message, and never a traceback.

The cases are independent subprocesses of a few seconds each, so they are
run together in a small thread pool once per session; each parametrised test
then checks its own result."""

from __future__ import annotations

import os
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

from goinglocal.reason import closure_for

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))


def _args(case: dict) -> list[str]:
    return [a.replace("{dir}", str(CORPUS.relative_to(ROOT))) for a in case["args"]]


@pytest.fixture(scope="session")
def results(layout):
    closure_for(layout)  # warm the repository's closure cache once, not in every process at the same time
    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        futures = {name: pool.submit(run_cli, *_args(case)) for name, case in CASES.items()}
        return {name: future.result() for name, future in futures.items()}


def test_every_file_of_the_corpus_has_a_case():
    named = {Path(a).name for case in CASES.values() for a in case["args"] if a.startswith("{dir}/")}
    present = {p.name for p in CORPUS.iterdir() if p.name != "cases.toml"}
    assert present - named == set()


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(name, results):
    case, result = CASES[name], results[name]
    message = result.stdout + result.stderr
    assert "Traceback" not in message, message
    assert result.returncode == case["exit"], f"exit {result.returncode}, expected {case['exit']}\n{message[-3000:]}"
    missing = [w for w in case["words"] if w not in message]
    assert missing == [], f"missing {missing} in:\n{message[-3000:]}"
    present = [w for w in case.get("absent", []) if w in message]
    assert present == [], f"{present} should not be in:\n{message[-3000:]}"
