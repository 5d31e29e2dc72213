"""Mutants of the repository's own RDF files, for tests/test_fuzz.py and
`make fuzz` (not a test module itself).

A seeded generator takes Turtle files of instances/ and the same data
serialised as N-Triples, JSON-LD and RDF/XML, and applies one to three
mutations: bit flips, truncation, deleted, duplicated or swapped lines, a
line from another seed, random Unicode (control characters, quotes and
brackets, astral and combining characters, a byte-order mark, lone
surrogates that are not valid UTF-8). The same seed gives the same mutants,
so a failure names the seed and the mutant's number to reproduce it.

Mutants are run through goinglocal in process, each under a SIGALRM time
limit: first the parsing stage (parse_file) for every mutant, which must
return a graph or raise a GoinglocalError (exit 2); then `goinglocal
validate` (cli.main) on the mutants that parse, several files per call,
which must exit 0 or 1 without a traceback."""

from __future__ import annotations

import contextlib
import io
import random
import signal
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

REPO = Path(__file__).resolve().parents[1]
SEED_TURTLE = ("instances/cases/appendix-a-pe.ttl", "instances/cases/appendix-a-cl.ttl",
               "instances/places/macro-regions.ttl", "instances/places/pe.ttl")
# serialised to the other formats: one file with literals, dates and several kinds of node
SEED_OTHER = "instances/cases/appendix-a-cl.ttl"
NOISE = ("<", ">", "{", "}", '"', "'", "\\", "^", "|", "`", "@", "#", ":", ";", ".", ",", "_:", "[", "]",
         "(", ")", "&", "%", "%zz", "\x00", "\x01", "\x0b", "\x7f", "\u00a0", "\u200b", "\u200f", "\u0301",
         "\ufeff", "\ufffe", "\uffff", "\U0001f600", "\U000e0001", "\ud800", "\udfff", "é", "中",
         "\r", "\n", "\t", "\"\"\"", "^^", "@en_US", "@123", "<!ENTITY x 'y'>", "&x;", "]]>", "<!--",
         '{"@context": "http://127.0.0.1:9/"}', "9" * 40, "-", "e+999", "\\u0000", "\\U0010ffff",
         "\\uD800", "http://", "file:///etc/passwd", "_:b1", "a", "xsd:date")


class Timeout(BaseException):
    """Raised by the alarm; a BaseException so no `except Exception` swallows it."""


@contextlib.contextmanager
def time_limit(seconds: float):
    def expire(signum, frame):
        raise Timeout(f"no answer within {seconds:.0f} s")
    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def seeds() -> dict[str, bytes]:
    """name -> content: the Turtle seeds as written, and SEED_OTHER in three other syntaxes."""
    found = {Path(name).name: (REPO / name).read_bytes() for name in SEED_TURTLE}
    graph = Graph().parse(REPO / SEED_OTHER, format="turtle")
    stem = Path(SEED_OTHER).stem
    for suffix, fmt in ((".nt", "nt"), (".jsonld", "json-ld"), (".rdf", "xml")):
        found[stem + suffix] = graph.serialize(format=fmt, encoding="utf-8")
    return found


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [data]


def mutate(data: bytes, rng: random.Random, others: list[bytes]) -> tuple[bytes, list[str]]:
    """Apply one to three random mutations; return the mutant and their names."""
    done = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        kind = rng.choice(("flip", "truncate", "delete-line", "duplicate-line", "swap-lines",
                           "splice-line", "unicode", "unicode", "delete-span"))
        if not data:
            data = b" "
        if kind == "flip":
            for _ in range(rng.randint(1, 4)):
                at = rng.randrange(len(data))
                data = data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1:]
        elif kind == "truncate":
            data = data[:rng.randrange(len(data))]
        elif kind == "delete-span":
            at = rng.randrange(len(data))
            data = data[:at] + data[at + rng.randint(1, 40):]
        elif kind in ("delete-line", "duplicate-line", "swap-lines", "splice-line"):
            lines = _lines(data)
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            if kind == "delete-line":
                del lines[i:i + rng.randint(1, 3)]
            elif kind == "duplicate-line":
                lines[i:i] = lines[i:i + rng.randint(1, 4)]
            elif kind == "swap-lines":
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines.insert(i, rng.choice(_lines(rng.choice(others))))
            data = b"".join(lines)
        else:
            text = rng.choice(NOISE) if rng.random() < 0.7 else "".join(
                chr(rng.choice((rng.randint(0, 0x7f), rng.randint(0x80, 0xffff), rng.randint(0x10000, 0x10ffff))))
                for _ in range(rng.randint(1, 5)))
            at = rng.randrange(len(data) + 1)
            data = data[:at] + text.encode("utf-8", "surrogatepass") + data[at:]
        done.append(kind)
    return data, done


@dataclass
class Mutant:
    number: int
    seed: str
    path: Path
    mutations: list[str]

    def __str__(self) -> str:
        return f"mutant {self.number} of {self.seed} ({', '.join(self.mutations)}): {self.path}"


def write_mutants(folder: Path, count: int, seed: int) -> list[Mutant]:
    rng = random.Random(seed)
    sources = seeds()
    names = sorted(sources)
    made = []
    for number in range(count):
        name = names[number % len(names)]
        data, mutations = mutate(sources[name], rng, [sources[n] for n in names])
        path = folder / f"m{number:05d}-{name}"
        path.write_bytes(data)
        made.append(Mutant(number, name, path, mutations))
    return made


@dataclass
class Outcome:
    parsed: list[Mutant] = field(default_factory=list)
    refused: list[Mutant] = field(default_factory=list)  # exit 2
    failures: list[str] = field(default_factory=list)  # internal errors, tracebacks, time-outs
    exit_codes: dict[int, int] = field(default_factory=dict)
    validate_runs: int = 0


def parse_stage(mutants: list[Mutant], outcome: Outcome, limit: float) -> None:
    from goinglocal.errors import GoinglocalError
    from goinglocal.load import parse_file
    for mutant in mutants:
        try:
            with time_limit(limit):
                parse_file(mutant.path)
        except GoinglocalError as exc:
            if exc.exit_code != 2 or not str(exc).startswith(str(mutant.path)):
                outcome.failures.append(f"{mutant}: exit {exc.exit_code}, message not naming the file: {exc}")
            outcome.refused.append(mutant)
        except Timeout as exc:
            outcome.failures.append(f"{mutant}: parsing: {exc}")
        except Exception as exc:  # noqa: BLE001 - the internal errors the fuzz looks for
            outcome.failures.append(f"{mutant}: parsing raised {type(exc).__name__}: {exc}")
        else:
            outcome.parsed.append(mutant)


def run_validate(paths: list[Path], limit: float) -> tuple[int | str, str]:
    from goinglocal.cli import main
    out = io.StringIO()
    try:
        with time_limit(limit), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code: int | str = main(["validate", *map(str, paths)])
    except Timeout as exc:
        code = f"time-out ({exc})"
    return code, out.getvalue()


def validate_stage(mutants: list[Mutant], outcome: Outcome, per_call: int, limit: float) -> None:
    """`goinglocal validate` on the mutants that parse, per_call files at a
    time (the mutants of a few seeds mention the same nodes, so a call with
    many files costs little more than one with a single file); a failing
    group is run again file by file to name the mutant. A call may take
    `limit` seconds plus 2 s per file."""
    for start in range(0, len(mutants), per_call):
        group = mutants[start:start + per_call]
        code, output = run_validate([m.path for m in group], limit + 2 * len(group))
        outcome.validate_runs += 1
        if code in (0, 1) and "Traceback" not in output:
            outcome.exit_codes[code] = outcome.exit_codes.get(code, 0) + len(group)
            continue
        for mutant in group if len(group) > 1 else []:
            code, output = run_validate([mutant.path], limit)
            outcome.validate_runs += 1
            if code not in (0, 1) or "Traceback" in output:
                outcome.failures.append(f"{mutant}: validate exit {code}: {output[-1500:]}")
        if len(group) == 1:
            outcome.failures.append(f"{group[0]}: validate exit {code}: {output[-1500:]}")


def fuzz(folder: Path, count: int, seed: int, per_call: int = 150, parse_limit: float = 20,
         validate_limit: float = 120) -> Outcome:
    mutants = write_mutants(folder, count, seed)
    outcome = Outcome()
    parse_stage(mutants, outcome, parse_limit)
    validate_stage(outcome.parsed, outcome, per_call, validate_limit)
    return outcome
