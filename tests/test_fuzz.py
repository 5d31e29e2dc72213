"""Mutants of the repository's own Turtle, N-Triples, JSON-LD and RDF/XML
(tests/fuzzing.py) through `goinglocal validate`: exit 0, 1 or 2 only, never
an internal error or a traceback, each within a time limit, with no network.

The suite runs GOINGLOCAL_FUZZ_MUTANTS mutants (default 300) of seed
GOINGLOCAL_FUZZ_SEED (default 15); `make fuzz` runs a few thousand."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

import fuzzing

COUNT = int(os.environ.get("GOINGLOCAL_FUZZ_MUTANTS", "300"))
SEED = int(os.environ.get("GOINGLOCAL_FUZZ_SEED", "15"))


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt fails the run (and is recorded)."""
    attempts: list[object] = []

    def refuse(self, address, *args):
        attempts.append(address)
        raise OSError(f"network access during fuzzing: {address}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def test_mutants_give_exit_0_1_or_2_only(tmp_path, no_network, capsys):
    import logging
    logging.getLogger("rdflib").setLevel(logging.ERROR)  # as the command line does
    outcome = fuzzing.fuzz(tmp_path, COUNT, SEED)
    with capsys.disabled():
        print(f"\nfuzz: {COUNT} mutants (seed {SEED}): {len(outcome.refused)} refused with exit 2, "
              f"{len(outcome.parsed)} parsed and validated in {outcome.validate_runs} run(s) "
              f"(exit codes {outcome.exit_codes}), {len(outcome.failures)} failures")
    assert outcome.failures == []
    assert no_network == []
    # the generator must produce both kinds, or the test checks less than it claims
    assert outcome.refused and outcome.parsed


def test_mutants_through_the_real_command_line(tmp_path):
    """A few mutants as separate processes: the exit code and stderr the user sees."""
    mutants = fuzzing.write_mutants(tmp_path, 4, SEED + 1)
    for mutant in mutants:
        proc = subprocess.run([sys.executable, "-m", "goinglocal", "validate", str(mutant.path)],
                              capture_output=True, text=True, timeout=600, cwd=fuzzing.REPO)
        assert proc.returncode in (0, 1, 2), f"{mutant}: exit {proc.returncode}\n{proc.stderr[-2000:]}"
        assert "Traceback" not in proc.stdout + proc.stderr, f"{mutant}:\n{proc.stderr[-2000:]}"
        if proc.returncode == 2:
            assert str(mutant.path) in proc.stderr, proc.stderr
