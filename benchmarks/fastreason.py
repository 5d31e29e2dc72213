"""An optional fast OWL 2 RL reasoner: `reasonable` (Rust, PyPI, bench extra).

owlrl stays the reference. `reasonable` may be used (behind a --reasoner
option) only if its closure equals owlrl's on every instance-level triple,
i.e. every triple whose subject is under https://w3id.org/goinglocal/id/;
`compare` measures that, and tests/test_engines.py-style checks can call it.

Comparison normalises what is not a difference of meaning: literals typed
xsd:string vs plain literals, and triples whose object is a blank node
(restriction classes, whose blank-node ids differ per run)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal
from rdflib.namespace import XSD

from goinglocal.namespaces import ID_BASE
from goinglocal.reason import clean_closure


def available() -> bool:
    try:
        import reasonable  # noqa: F401
        return True
    except ImportError:
        return False


def reasonable_closure(asserted: Graph) -> tuple[Graph, list[str]]:
    """(closure, inconsistency messages) computed by `reasonable`, cleaned as owlrl's is."""
    import reasonable
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(asserted)
    closure = Graph()
    for triple in reasoner.reason():
        closure.add(triple)
    closure += asserted
    return clean_closure(closure)


def _norm(triple):
    s, p, o = triple
    if isinstance(o, Literal) and o.datatype == XSD.string and not o.language:
        o = Literal(str(o))
    return s, p, o


def instance_triples(graph: Graph) -> set:
    return {_norm(t) for t in graph
            if str(t[0]).startswith(ID_BASE) and not isinstance(t[2], BNode)}


@dataclass
class Comparison:
    reference: int
    candidate: int
    missing: set = field(default_factory=set)   # in owlrl's closure, not the candidate's
    extra: set = field(default_factory=set)     # in the candidate's, not owlrl's

    @property
    def equal(self) -> bool:
        return not self.missing and not self.extra

    def summary(self, examples: int = 3) -> str:
        if self.equal:
            return f"equal on {self.reference} instance-level triples"
        lines = [f"owlrl {self.reference} instance-level triples, candidate {self.candidate}: "
                 f"{len(self.missing)} missing, {len(self.extra)} extra"]
        for name, triples in (("missing", self.missing), ("extra", self.extra)):
            by_predicate = Counter(str(p) for _, p, _ in triples)
            if by_predicate:
                lines.append(f"  {name} by predicate: " + ", ".join(f"{p.rsplit('#', 1)[-1].rsplit('/', 1)[-1]} {n}"
                                                                  for p, n in by_predicate.most_common(8)))
            for s, p, o in sorted(triples)[:examples]:
                lines.append(f"    {name}: {s.n3()} {p.n3()} {o.n3()}")
        return "\n".join(lines)


def compare(reference: Graph, candidate: Graph) -> Comparison:
    ref, cand = instance_triples(reference), instance_triples(candidate)
    return Comparison(len(ref), len(cand), ref - cand, cand - ref)
