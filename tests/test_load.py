"""`goinglocal serve` under load: 20 clients on 127.0.0.1 ask the library's
questions (with their default parameters, through `ask --endpoint`'s client)
in a bounded loop and every answer must equal queries/expected/<name>.csv
(up to row order and GROUP_CONCAT order, which SPARQL leaves open).

The suite runs a few seconds of it; `make loadtest` runs 60 s (marked slow,
excluded by default) and prints the figures: answers, HTTP requests,
throughput, median and 95th percentile latency."""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field

import pytest

from conftest_serve import csv_rows, layout, questions, separators, server
from goinglocal.remote import ask_remote

CLIENTS = 20


@dataclass
class Load:
    answers: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")

    def summary(self) -> str:
        return (f"{CLIENTS} clients, {self.seconds:.1f} s: {self.answers} answers "
                f"({self.answers / self.seconds:.1f}/s), latency median {statistics.median(self.latencies) * 1000:.0f} ms, "
                f"p95 {self.percentile(0.95) * 1000:.0f} ms, max {max(self.latencies) * 1000:.0f} ms; "
                f"{len(self.errors)} errors, {len(self.wrong)} wrong answers")


def expected_answers() -> dict[str, tuple[list[str], list[tuple[str, ...]]]]:
    found = {}
    for name, question in sorted(questions().items()):
        found[name] = csv_rows(question.expected_csv.read_text(encoding="utf-8"), separators(question.text))
    return found


def run_load(seconds: float, clients: int = CLIENTS) -> Load:
    endpoint = server().endpoint
    library = questions()
    expected = expected_answers()
    names = sorted(expected)
    load = Load()
    start = time.monotonic()
    deadline = start + seconds

    def client(number: int) -> None:
        turn = number
        while time.monotonic() < deadline:  # bounded: no new question after the deadline
            name = names[turn % len(names)]
            turn += clients
            began = time.monotonic()
            try:
                text = ask_remote(endpoint, library[name], {}, "csv", layout())
            except Exception as exc:  # noqa: BLE001 - every failure is counted and shown
                with load.lock:
                    load.errors.append(f"{name}: {type(exc).__name__}: {exc}")
                continue
            took = time.monotonic() - began
            correct = csv_rows(text, separators(library[name].text)) == expected[name]
            with load.lock:
                load.answers += 1
                load.latencies.append(took)
                if not correct:
                    load.wrong.append(name)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.seconds = time.monotonic() - start
    return load


def check(load: Load) -> None:
    assert load.errors == [], f"{len(load.errors)} errors: {load.errors[:5]}"
    assert load.wrong == [], sorted(set(load.wrong))
    assert load.answers >= CLIENTS  # every client got at least one answer


def test_twenty_clients_for_a_few_seconds_get_only_correct_answers(capsys):
    load = run_load(seconds=3)
    with capsys.disabled():
        print(f"\nload: {load.summary()}")
    check(load)


@pytest.mark.slow
def test_twenty_clients_for_a_minute_get_only_correct_answers(capsys):
    load = run_load(seconds=60)
    with capsys.disabled():
        print(f"\nload test: {load.summary()}")
    check(load)
