"""Every case of tests/bad_inputs/cases.toml through the command line: the
exit code, the words of the message, and never a traceback.

The cases run in-process through goinglocal.cli.main (tests/conftest.py
run_main: stdout and stderr captured, the working directory, environment and
log level main() touches restored), which gives byte for byte what the
command prints as a process. A few cases, chosen to cover exit codes 0, 1
and 2, a file:line message and an argparse usage error, run instead as real
processes of the installed `goinglocal` console script: there the exit code
is the process's own, the process really ends, and no traceback reaches
its stderr."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conftest import ROOT, run_console_script, run_main

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))
# run as processes of the console script; every other case runs in-process
AS_PROCESS = {
    "valid_ntriples",  # exit 0
    "why_triple_not_in_closure",  # exit 1
    "turtle_syntax",  # exit 2, file:line:column and the line quoted
    "ask_param_without_equals",  # exit 2 from a usage error
}


def _args(case: dict) -> list[str]:
    return [a.replace("{dir}", str(CORPUS.relative_to(ROOT))) for a in case["args"]]


@pytest.fixture(scope="session")
def repository_closure(layout):
    """`validate FILE` reads the repository's closure cache: filled once per worker."""
    from conftest_serve import repository_closure
    return repository_closure()


def test_every_file_of_the_corpus_has_a_case():
    named = {Path(a).name for case in CASES.values() for a in case["args"] if a.startswith("{dir}/")}
    present = {p.name for p in CORPUS.iterdir() if p.name != "cases.toml"}
    assert present - named == set()


def test_the_cases_run_as_processes_exist():
    assert AS_PROCESS <= set(CASES)
    assert {CASES[name]["exit"] for name in AS_PROCESS} == {0, 1, 2}


def _check(case: dict, returncode: int, message: str) -> None:
    assert "Traceback" not in message, message
    assert returncode == case["exit"], f"exit {returncode}, expected {case['exit']}\n{message[-3000:]}"
    missing = [w for w in case["words"] if w not in message]
    assert missing == [], f"missing {missing} in:\n{message[-3000:]}"
    present = [w for w in case.get("absent", []) if w in message]
    assert present == [], f"{present} should not be in:\n{message[-3000:]}"


@pytest.mark.parametrize("name", sorted(set(CASES) - AS_PROCESS))
def test_bad_input(name, repository_closure):
    case = CASES[name]
    result = run_main(*_args(case))
    _check(case, result.returncode, result.stdout + result.stderr)


@pytest.mark.parametrize("name", sorted(AS_PROCESS))
def test_bad_input_as_a_process(name, repository_closure):
    case = CASES[name]
    result = run_console_script(*_args(case), timeout=600)  # run() waits: the process has ended
    _check(case, result.returncode, result.stdout + result.stderr)
