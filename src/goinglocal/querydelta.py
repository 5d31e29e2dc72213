"""Which focus nodes a change of triples can give other rows in a query.

A query's rows for a focus node (its variable ?node, say) can change after
triples are added or removed only if a solution, before or after, uses one
of those triples. So for each triple pattern of the query (a *probe*) the
changed triples it matches are bound to it, and the patterns that must hold
in the same solution (the required patterns of its group and of every group
around it) are evaluated with them; the focus nodes found can change, no
others can. Evaluated on the graph after the change plus the removed
triples, which holds every solution of both graphs, this over-approximates,
never misses:

- FILTERs and BINDs are left out (a dropped condition only finds more);
- OPTIONAL, UNION, EXISTS, NOT EXISTS and MINUS groups each give probes
  with the required patterns around them (a changed triple in a NOT EXISTS
  or OPTIONAL changes the rows of the solutions around it);
- a property path of IRIs (`a|b`, `^a`, `a*`, `a+`) matches a changed triple
  when its predicate is one of them; with * or + the path is followed from
  the subject back and from the object on;
- GRAPH is dropped (the default graph is the union).

Anything else (sub-queries, SERVICE, negated or sequence paths) raises
Unsupported: the caller then treats every node as changed. Blank nodes in
the changed triples stand for any term (their labels differ between loads).
tests/test_querydelta.py checks on random graphs and edits that every node
whose rows change is found."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path as FsPath
from typing import Iterable

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, Path


class Unsupported(Exception):
    """A construct the analysis does not model: assume every node changed."""


ANY = object()  # a blank node of a changed triple: stands for any term


@dataclass(frozen=True)
class Probe:
    """One triple pattern, and what must hold in a solution that matches it:
    triple patterns and VALUES blocks ((variables), rows)."""
    pattern: tuple
    context: tuple


def _exists_groups(expr) -> Iterable:
    """The graph patterns of the EXISTS / NOT EXISTS inside an expression."""
    from rdflib.plugins.sparql.algebra import translateGroupGraphPattern
    from rdflib.plugins.sparql.parserutils import CompValue
    if isinstance(expr, CompValue):
        if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            graph = expr.graph
            yield translateGroupGraphPattern(graph) if graph.name == "GroupGraphPatternSub" else graph
        for value in expr.values():
            yield from _exists_groups(value)
    elif isinstance(expr, (list, tuple)):
        for value in expr:
            yield from _exists_groups(value)


QUERY_NODES = ("Project", "Distinct", "Reduced", "Slice", "OrderBy", "Group", "AggregateJoin")


class _Walker:
    """Walks a query's algebra into (required, probes): the items every
    solution of a node satisfies, and (pattern, items holding with it) for
    each triple pattern. per_node: the probes are to find focus nodes, so a
    LIMIT or OFFSET anywhere (which lets a change push other rows out) is
    beyond the analysis; for the whole answer, only one inside a sub-query is."""

    def __init__(self, per_node: bool):
        self.per_node = per_node
        self.fresh = 0

    def variable(self, name: str) -> Variable:
        self.fresh += 1
        return Variable(f"{name}_{self.fresh}")

    def walk(self, node, top: bool = False) -> tuple[list, list]:
        """(alternatives, probes): the lists of items one of which every
        solution satisfies (one per way through the UNIONs), and
        (pattern, items holding with it) for each triple pattern."""
        name = node.name
        if name == "BGP":
            triples = [("triple", t) for t in self.expand(node.triples)]
            return [triples], [(t[1], triples) for t in triples]
        if name == "ToMultiSet":
            if node.p.name == "values":
                values = node.p
                variables = sorted({v for row in values.res for v in row}, key=str)
                rows = tuple(tuple(row.get(v) for v in variables) for row in values.res)
                return [[("values", (tuple(variables), rows))]], []
            return self.subquery(node.p)
        if name in ("Join", "LeftJoin", "Minus"):
            r1, s1 = self.walk(node.p1)
            r2, s2 = self.walk(node.p2)
            if name == "Join":
                probes = [(t, c + b) for t, c in s1 for b in r2] + [(t, c + a) for t, c in s2 for a in r1]
                return _capped([a + b for a in r1 for b in r2]), probes
            probes = s1 + [(t, c + a) for t, c in s2 for a in r1]
            if name == "LeftJoin":
                probes += self.expression_probes(node.expr, [a + b for a in r1 for b in r2])
            return r1, probes
        if name == "Union":
            r1, s1 = self.walk(node.p1)
            r2, s2 = self.walk(node.p2)
            return _capped(r1 + r2), s1 + s2
        if name in ("Filter", "Extend"):
            required, probes = self.walk(node.p)
            if name == "Extend" and isinstance(node.expr, Variable):  # BIND(?a AS ?b): the two are one term
                same = ("same", (node.expr, node.var))
                required = [a + [same] for a in required]
                probes = [(t, c + [same]) for t, c in probes]
            return required, probes + self.expression_probes(node.expr, required)
        if name == "Graph":
            return self.walk(node.p)
        if name == "SelectQuery":
            return self.walk(node.p, top=True)
        if name in QUERY_NODES:
            if name == "Slice" and (self.per_node or not top):
                raise Unsupported("a LIMIT or OFFSET")
            return self.walk(node.p, top=top)
        raise Unsupported(f"the algebra node {name}")

    def subquery(self, node) -> tuple[list, list]:
        """A sub-query's patterns, its variables other than those it
        selects renamed apart (they are not the outer query's)."""
        projected, inner = None, node
        while inner.name in QUERY_NODES:
            if inner.name == "Slice":
                raise Unsupported("a LIMIT or OFFSET in a sub-query")
            if inner.name == "Project":
                projected = set(inner.PV)
            inner = inner.p
        if projected is None:
            raise Unsupported(f"a sub-query ({node.name})")
        required, probes = self.walk(node)
        names: dict = {}

        def rename(term):
            if isinstance(term, Variable) and term not in projected:
                return names.setdefault(term, self.variable(f"{term}_sub"))
            return term

        def items(seq):
            return [(kind, (tuple(rename(v) for v in item[0]), item[1])) if kind == "values"
                    else (kind, tuple(rename(t) for t in item)) for kind, item in seq]
        return [items(a) for a in required], [(tuple(rename(t) for t in pattern), items(c)) for pattern, c in probes]

    def expand(self, triples) -> list[tuple]:
        """Triple patterns with each sequence path (a/b) written out as a
        chain through fresh variables (the same solutions for its ends)."""
        from rdflib.paths import SequencePath
        out = []
        for s, p, o in triples:
            if isinstance(p, SequencePath):
                ends = [s] + [self.variable("step") for _ in p.args[1:]] + [o]
                out.extend(self.expand([(ends[i], step, ends[i + 1]) for i, step in enumerate(p.args)]))
            else:
                out.append((s, p, o))
        return out

    def expression_probes(self, expr, around: list) -> list:
        """The probes of the EXISTS groups in an expression, with each of
        the alternatives around them."""
        probes = []
        for group in _exists_groups(expr):
            _, inner = self.walk(group)
            probes += [(t, c + a) for t, c in inner for a in around]
        return probes


ALTERNATIVES = 16
MAX_PROBES = 2000


def _capped(alternatives: list) -> list:
    """Too many ways through UNIONs: none required (leaving items out only finds more)."""
    return alternatives if len(alternatives) <= ALTERNATIVES else [[]]


@lru_cache(maxsize=256)
def probes(query: str, per_node: bool = True) -> tuple[Probe, ...]:
    """The probes of a SELECT query (Unsupported if it cannot be analysed);
    per_node: for affected(), else for reaches()."""
    from rdflib.plugins.sparql import prepareQuery  # rdflib's SPARQL parser: slow to import and to run
    try:
        algebra = prepareQuery(query).algebra
    except Exception as error:  # noqa: BLE001 - a query rdflib cannot read (Oxigraph may): not analysed
        raise Unsupported(f"rdflib could not read the query ({type(error).__name__})") from None
    _, found = _Walker(per_node).walk(algebra)
    if len(found) > MAX_PROBES:
        raise Unsupported(f"{len(found)} probes (the UNIONs multiply them)")
    out = []
    for pattern, context in found:
        pattern, context = _merge_bound(pattern, context)
        _path_predicates(pattern[1])  # raises Unsupported early
        rest = tuple(dict.fromkeys(item for item in context if item != ("triple", pattern)))
        out.append(Probe(pattern, rest))
    return tuple(dict.fromkeys(out))  # a pattern repeated in an EXISTS gives the same probe


def _merge_bound(pattern: tuple, context: list) -> tuple[tuple, list]:
    """BIND(?a AS ?b) makes ?b the term ?a is: ?b is written ?a throughout."""
    source: dict = {}
    for kind, item in context:
        if kind == "same":
            source[item[1]] = item[0]

    def term(t):
        seen = set()
        while t in source and t not in seen:
            seen.add(t)
            t = source[t]
        return t
    items = [(kind, (tuple(term(v) for v in item[0]), item[1])) if kind == "values"
             else (kind, tuple(term(t) for t in item)) for kind, item in context if kind != "same"]
    return tuple(term(t) for t in pattern), items


def cached_probes(queries: Iterable[str], cache: FsPath, per_node: bool = True,
                  warm_only: bool = False) -> dict[str, tuple[Probe, ...] | None]:
    """probes() of each query (None where Unsupported), kept in a cache file
    between runs: rdflib's parser takes tens of milliseconds a query. An
    entry is keyed by the query, this module's code and the packages'
    versions (versions.code_key). warm_only: only make the missing ones;
    the keys the file holds are listed beside it (.keys), so that when none
    is missing the probes are not read (unpickling them takes longer than
    listing them); returns {} then."""
    import hashlib
    import json
    import pickle
    import sys
    from goinglocal.versions import code_key
    queries = list(queries)
    salt = code_key("goinglocal-probes-1", sys.modules[__name__])
    key = lambda q: hashlib.sha256((salt + str(per_node) + q).encode()).hexdigest()  # noqa: E731
    listing = cache.with_name(cache.name + ".keys")
    if warm_only:
        try:
            listed = set(json.loads(listing.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            listed = set()
        if all(key(q) in listed for q in queries):
            return {}
    try:
        known = pickle.loads(cache.read_bytes())
        known = known if isinstance(known, dict) else {}
    except Exception:  # noqa: BLE001 - a missing, damaged or foreign cache is made again
        known = {}
    out, missing = {}, False
    for query in queries:
        k = key(query)
        if k not in known:
            missing = True
            try:
                known[k] = probes(query, per_node)
            except Unsupported:
                known[k] = None
        out[query] = known[k]
    if missing or warm_only:  # warm_only gets here when the listing lacks a key
        from goinglocal.reason import write_atomic
        keep = {key(q): out[q] for q in out}
        if missing:
            write_atomic(cache, pickle.dumps(keep))
        write_atomic(listing, json.dumps(sorted(keep)).encode("utf-8"))  # after the probes it lists
    return {} if warm_only else out


def _path_predicates(p) -> tuple[frozenset, bool, bool]:
    """(IRIs, inverse, repeated) of a path of IRI alternatives."""
    if not isinstance(p, Path):
        return frozenset(), False, False
    inverse = repeated = False
    if isinstance(p, MulPath):
        if p.mod not in ("*", "+"):
            raise Unsupported(f"the path {p.n3()}")
        repeated, p = True, p.path
    if isinstance(p, InvPath):
        inverse, p = True, p.arg
    args = p.args if isinstance(p, AlternativePath) else [p]
    if not all(isinstance(a, URIRef) for a in args):
        raise Unsupported(f"the path {p.n3()}")
    return frozenset(str(a) for a in args), inverse, repeated


def _to_ox(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        from goinglocal.store import to_ox
        return to_ox(term)
    if isinstance(term, BNode):
        raise Unsupported("a blank node in a query pattern")
    return term


def _n3(term) -> str:
    if isinstance(term, (Variable, URIRef, Literal)) or isinstance(term, Path):
        return term.n3()
    if term is None or term is ANY:
        return "UNDEF"
    return str(term)  # an Oxigraph term: N-Triples syntax is SPARQL syntax


@lru_cache(maxsize=8192)
def _constant(term):
    """A pattern's IRI or literal as an Oxigraph term (made once: a change is
    matched against every probe of every query)."""
    return _to_ox(term)


def _unify(pattern: tuple, triple: tuple) -> dict | None:
    """Variables bound by matching a changed triple to a plain pattern; None
    if it cannot match."""
    bound: dict = {}
    for part, value in zip(pattern, triple):
        if isinstance(part, Variable):
            if part in bound and bound[part] is not ANY and value is not ANY and bound[part] != value:
                return None
            if part not in bound or bound[part] is ANY:
                bound[part] = value
        elif value is not ANY and _constant(part) != value:
            return None
        elif value is ANY and isinstance(part, (URIRef, Literal)):
            return None  # a blank node is not this IRI or literal
    return bound


class ChangedTriples:
    """Changed triples (blank nodes as ANY), indexed by predicate: a probe
    whose predicate is an IRI is matched only against the triples with it."""

    def __init__(self, triples: list[tuple]):
        self.all = [tuple(ANY if isinstance(t, ox.BlankNode) else t for t in triple) for triple in triples]
        self.by_predicate: dict[str, list[tuple]] = {}
        for triple in self.all:
            self.by_predicate.setdefault(triple[1].value, []).append(triple)

    @classmethod
    def of(cls, changed: "ChangedTriples | list[tuple]") -> "ChangedTriples":
        return changed if isinstance(changed, cls) else cls(changed)

    def __len__(self) -> int:
        return len(self.all)

    def with_predicate(self, p) -> list[tuple]:
        """The triples a pattern with this predicate (a term or a variable) can match."""
        return self.by_predicate.get(str(p), []) if isinstance(p, URIRef) else self.all

    def with_predicates(self, iris: frozenset) -> list[tuple]:
        return [t for iri in sorted(iris) for t in self.by_predicate.get(iri, ())]


def _context_text(items: Iterable) -> str:
    lines = []
    for kind, item in items:
        if kind == "triple":
            lines.append(" ".join(_n3(t) for t in item) + " .")
        else:
            variables, rows = item
            lines.append("VALUES (" + " ".join(v.n3() for v in variables) + ") { "
                         + " ".join("(" + " ".join(_n3(v) for v in row) + ")" for row in rows) + " }")
    return "\n  ".join(lines)


def _values(variables: list, rows: Iterable[tuple]) -> str:
    return ("VALUES (" + " ".join(v.n3() for v in variables) + ") { "
            + " ".join("(" + " ".join(_n3(v) for v in row) + ")" for row in rows) + " }")


def _matches(probe: Probe, changed: ChangedTriples) -> tuple[list, list]:
    """The changed triples a probe's pattern matches: (bindings for a plain
    pattern or a one-step path, (subject, object) pairs for a repeated path)."""
    s, p, o = probe.pattern
    if not isinstance(p, Path):
        return [b for t in changed.with_predicate(p) if (b := _unify(probe.pattern, t)) is not None], []
    iris, inverse, repeated = _path_predicates(p)
    steps = [(t[0], t[2]) if not inverse else (t[2], t[0]) for t in changed.with_predicates(iris)]
    if repeated:
        return [], steps
    bindings = [b for a, z in steps if (b := _unify((s, o), (a, z))) is not None]
    return bindings, []


def affected(store: ox.Store, query: str, focus: str, changed: list[tuple],
             known: dict[str, tuple[Probe, ...] | None] | None = None) -> set[str] | None:
    """IRIs of the focus variable whose rows can differ between the graph
    before and after; `changed` holds the added and removed triples (as
    Oxigraph terms, ANY for a blank node), and `store` the graph after plus
    the removed triples, in its default graph (the union); `known` the
    probes of queries (cached_probes). None: any node may (the query is
    beyond the analysis)."""
    if not changed:
        return set()
    changed = ChangedTriples.of(changed)
    try:
        found = known[query] if known is not None and query in known else probes(query)
        if found is None:
            return None
        return _affected(store, found, Variable(focus), changed)
    except Unsupported:
        return None


def affected_by_any(store: ox.Store, queries: Iterable[str], focus: str, changed: list[tuple],
                    known: dict[str, tuple[Probe, ...] | None] | None = None) -> set[str] | None:
    """affected() of several queries about the same focus variable, together
    (None if any query is beyond the analysis)."""
    found: set[str] = set()
    changed = ChangedTriples.of(changed)  # indexed once for all
    for query in queries:
        nodes = affected(store, query, focus, changed, known)
        if nodes is None:
            return None
        found |= nodes
    return found


def _delta_pattern(probe: Probe, bindings: list[dict], steps: list[tuple]) -> tuple[list, set, list]:
    """(VALUES variables, rows, patterns) of the delta query of a probe:
    the changed triples it matches bound, and what must hold with them."""
    context = list(probe.context)
    if steps:  # ?x path* ?y through the changed step a -> z: ?x path* a, z path* ?y
        s, p, o = probe.pattern
        loose = MulPath(p.path, "*") if isinstance(p, MulPath) else p
        a, z = Variable("delta_from"), Variable("delta_to")
        context += [("triple", (s, loose, a)), ("triple", (z, loose, o))]
        return [a, z], {(x, y) for x, y in steps}, context
    head = sorted({v for b in bindings for v in b}, key=str)
    return head, {tuple(b.get(v) for v in head) for b in bindings}, context


def _variables(kind: str, item) -> set:
    return set(item[0]) if kind == "values" else {t for t in item if isinstance(t, Variable)}


def _connected(head: list, context: list) -> list:
    """The items of context linked to the head's variables through shared variables."""
    reached, items, grew = set(head), list(context), True
    kept: list = []
    while grew:
        grew = False
        for item in list(items):
            names = _variables(*item)
            if names & reached:
                reached |= names
                kept.append(item)
                items.remove(item)
                grew = True
    return [item for item in context if item in kept]


def _affected(store: ox.Store, found_probes: tuple[Probe, ...], var: Variable, changed: ChangedTriples) -> set[str] | None:
    nodes: set[str] = set()
    for probe in found_probes:
        bindings, steps = _matches(probe, changed)
        if not steps:
            direct = [b[var] for b in bindings if var in b]
            nodes.update(t.value for t in direct if isinstance(t, ox.NamedNode))
            bindings = [b for b in bindings if var not in b]
        if not bindings and not steps:
            continue
        head, rows, context = _delta_pattern(probe, bindings, steps)
        linked = _connected(head, context)
        if var in set(head).union(*(_variables(*item) for item in linked)):
            context = linked  # the rest only asks whether some solution exists: dropped
        elif var not in set().union(*(_variables(*item) for item in context)):
            return None
        text = (f"SELECT DISTINCT {var.n3()} WHERE {{\n  {_values(head, rows)}\n  {_context_text(context)}\n}}")
        for solution in store.query(text, use_default_graph_as_union=True):
            node = solution[0]
            if isinstance(node, ox.NamedNode):
                nodes.add(node.value)
    return nodes


def reaches(store: ox.Store, found: tuple[Probe, ...] | None, changed: list[tuple]) -> bool:
    """Whether a changed triple can take part in a solution of the query
    whose probes these are, before or after the change: `store` holds the
    graph after plus the removed triples (as for affected). A query it
    cannot reach has the same solutions before and after."""
    if found is None:
        return True
    changed = ChangedTriples.of(changed)
    try:
        for probe in found:
            bindings, steps = _matches(probe, changed)
            if not bindings and not steps:
                continue
            if not probe.context and bindings:
                return True
            head, rows, context = _delta_pattern(probe, bindings, steps)
            context = _connected(head, context)  # the rest only asks whether some solution exists: drop it
            if store.query(f"ASK {{\n  {_values(head, rows)}\n  {_context_text(context)}\n}}",
                           use_default_graph_as_union=True):
                return True
    except Unsupported:
        return True
    return False
