"""`goinglocal why`: why a triple is in the closure, as a tree of rule
applications down to asserted triples, each asserted triple with the file and
line it is written on and the citations of its subject (the derivations come
from goinglocal.derivations, files and citations from goinglocal.provenance).

`explain_row` explains an answer row of a question: it re-runs the question's
WHERE clause with the row's values bound, takes the triples one solution
matched (`matched`: the clause's patterns, UNION branches, OPTIONALs and
FILTER EXISTS instantiated with it), and explains those that hold only in the
inferred graph."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.term import Node

from goinglocal.derivations import (PREFIXES, TYPE, XSD, Derivations, Describer, Step, Term, Triple,
                                    is_schema, short)
from goinglocal.errors import QuestionFileError, TermError
from goinglocal.paths import Layout
from goinglocal.provenance import Sources
from goinglocal.store import KnowledgeGraph, from_ox, to_ox

MAX_CITATIONS = 4    # citations shown per asserted triple in text (JSON lists them all)


# --------------------------------------------------------------------------
# reading S P O from the command line
# --------------------------------------------------------------------------

ROLES = {0: "subject", 1: "property", 2: "object"}


class Resolver:
    """Turns what the user typed for S, P or O into a term of the graph:
    an IRI (<...>, https://..., place/ar/jujuy), a prefixed name (gl:locatedIn,
    or `a`), a quoted literal ("AR-Y") or a label (Jujuy, any case), refusing
    unknown terms and labels that name several things."""

    def __init__(self, kg: KnowledgeGraph):
        self.kg = kg
        self.store = kg.store

    def known(self, term: ox.NamedNode) -> bool:
        return any(next(self.store.quads_for_pattern(*pattern), None) is not None
                   for pattern in ((term, None, None), (None, term, None), (None, None, term)))

    def resolve(self, text: str, role: int) -> Term:
        from goinglocal.questions import as_iri
        from goinglocal.errors import ParameterError
        name = ROLES[role]
        if role == 1 and text == "a":
            return TYPE
        if role == 2 and len(text) >= 2 and text.startswith('"') and text.endswith('"'):
            return ox.Literal(text[1:-1])
        prefix, colon, local = text.partition(":")
        if colon and prefix in PREFIXES and not local.startswith("//"):
            iri = ox.NamedNode(PREFIXES[prefix] + local)
        else:
            try:
                found = as_iri(text)
            except ParameterError as exc:
                raise TermError(f"{name} {text!r}: {exc.message}", exc.hint) from None
            iri = ox.NamedNode(str(found)) if found is not None else None
        if iri is not None:
            if not self.known(iri):
                raise TermError(f"{name} {text!r}: no node <{iri.value}> in the graph",
                                self._close_iris(iri.value))
            return iri
        return self._by_label(text, name)

    def _close_iris(self, iri: str) -> str:
        namespace = iri.rsplit("#", 1)[0] + "#" if "#" in iri else iri.rsplit("/", 1)[0] + "/"
        candidates = {t.value for quad in self.store.quads_for_pattern(None, None, None)
                      for t in (quad.subject, quad.predicate, quad.object)
                      if isinstance(t, ox.NamedNode) and t.value.startswith(namespace)}
        close = difflib.get_close_matches(iri, sorted(candidates), n=5, cutoff=0.6)
        if close:
            return "did you mean: " + "; ".join(short(ox.NamedNode(c)) for c in close)
        return "check the IRI, or give the label instead"

    def _by_label(self, text: str, name: str) -> Term:
        """Labels match as for `ask` parameters: case, accents and punctuation aside."""
        from goinglocal.search import close_labels, exact_matches
        nodes = exact_matches(self.kg, None, text)
        if len(nodes) == 1:
            return to_ox(nodes[0])
        if not nodes:
            close = close_labels(self.kg, None, text)
            hint = ("did you mean: " + "; ".join(close)) if close else \
                "give an IRI (place/ar/jujuy), a prefixed name (gl:locatedIn) or an exact label"
            raise TermError(f"{name} {text!r}: nothing in the graph has that label", hint)
        listing = "\n".join(f"    {self.kg.label(n)}  <{n}>" for n in nodes)
        raise TermError(f"{name} {text!r} is ambiguous; it names {len(nodes)} things:\n{listing}",
                        f"give one of the IRIs instead, e.g. {_typed(nodes[0])}")


def _typed(iri: URIRef) -> str:
    """An IRI as one would type it: relative to the id base, or a prefixed name."""
    text = short(to_ox(iri))
    return text[1:-1] if text.startswith("<") else text


# --------------------------------------------------------------------------
# explanations: a triple, an answer row
# --------------------------------------------------------------------------

@dataclass
class Explanation:
    """What `why S P O` found: the triple, whether it holds, its derivation
    (or, when it does not hold, triples of the closure close to it)."""
    triple: Triple
    step: Step | None
    suggestions: list[Triple] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return self.step is not None


class Why:
    """The explainer: derivations, term resolution, locations and citations."""

    def __init__(self, layout: Layout, asserted_nt: bytes):
        self.layout = layout
        self.derivations = Derivations(asserted_nt)
        self.kg = self.derivations.knowledge_graph()
        self.describe = Describer(self.derivations.store)
        self.sources = Sources(layout, self.describe)
        self.resolver = Resolver(self.kg)

    @classmethod
    def for_layout(cls, layout: Layout) -> "Why":
        from goinglocal.reason import closure_for
        # the asserted triples from the rules reasoner's cache: derivations
        # are the rules' whatever --reasoner says (owlrl's closure agrees)
        return cls(layout, closure_for(layout, reasoner="rules").asserted_nt)

    def resolve(self, s: str, p: str, o: str) -> Triple:
        subject, predicate, obj = (self.resolver.resolve(text, i) for i, text in enumerate((s, p, o)))
        if isinstance(obj, ox.Literal) and obj.datatype.value == XSD + "string":
            # a quoted string: the literal of that text, whatever its datatype or language
            for (triple, _) in self.derivations.match(subject, predicate, None):
                if isinstance(triple[2], ox.Literal) and triple[2].value == obj.value:
                    obj = triple[2]
                    break
        return subject, predicate, obj

    def explain(self, triple: Triple) -> Explanation:
        if not self.derivations.holds(triple):
            return Explanation(triple, None, self.suggest(triple))
        return Explanation(triple, self.derivations.prove(triple))

    def suggest(self, triple: Triple, limit: int = 8) -> list[Triple]:
        """Triples of the closure that share two of the three terms, the reversed one first."""
        s, p, o = triple
        found: dict[Triple, None] = {}
        patterns = [(o, p, s)] if not isinstance(o, ox.Literal) else []
        patterns += [(s, p, None), (s, None, o), (None, p, o)]
        for pattern in patterns:
            for t, _ in self.derivations.match(*pattern):
                if len(found) >= limit:
                    break
                found.setdefault(t, None)
        return list(found)

    def label(self, term: Term) -> str:
        if isinstance(term, ox.NamedNode):
            return self.kg.labels.get(from_ox(term)) or short(term)
        return self.describe.term(term)


@dataclass
class RowExplanation:
    question: str
    params: dict[str, str]
    row_number: int
    row: dict[str, str]
    solutions: int
    binding: dict[str, Term]
    asserted: list[Triple]
    inferred: list[Step]


def _strip_parentheses(text: str) -> str:
    out, depth = [], 0
    for ch in text:
        depth += ch == "("
        if not depth:
            out.append(ch)
        depth -= ch == ")" and depth > 0
    return "".join(out)


def _where_body(query: str) -> tuple[str, str, str]:
    """(prologue, projection, body) of a SELECT query: the text before
    SELECT, between SELECT and WHERE, and inside the outermost WHERE braces."""
    code = "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))
    select = re.search(r"\bSELECT\b", code, re.IGNORECASE)
    where = re.search(r"\bWHERE\s*\{", code[select.end():], re.IGNORECASE) if select else None
    if select is None or where is None:
        raise QuestionFileError("the question is not a SELECT ... WHERE { ... } query")
    start = select.end() + where.end()
    depth, i, in_string = 1, start, None
    while i < len(code) and depth:
        ch = code[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == in_string:
                in_string = None
        elif ch in "\"'":
            in_string = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        i += 1
    return code[:select.start()], code[select.end():select.end() + where.start()], code[start:i - 1]


def _algebra(prologue: str, body: str):
    from rdflib.plugins.sparql import prepareQuery
    return prepareQuery(f"{prologue}\nSELECT * WHERE {{ {body} }}").algebra


def _exists(expr) -> list:
    """The graph patterns of the positive EXISTS of a filter (alone or and-ed)."""
    from rdflib.plugins.sparql.parserutils import CompValue
    if not isinstance(expr, CompValue):
        return []
    if expr.name == "Builtin_EXISTS":  # rdflib leaves it in parse form until evaluation
        from rdflib.plugins.sparql.algebra import translateGroupGraphPattern
        graph = expr["graph"]
        return [translateGroupGraphPattern(graph) if graph.name == "GroupGraphPatternSub" else graph]
    if expr.name == "ConditionalAndExpression":
        return [g for part in [expr["expr"], *(expr.get("other") or [])] for g in _exists(part)]
    return []


def matched(node, solution: dict[str, Node], holds) -> list[Triple] | None:
    """The triples a solution matched in a WHERE clause's algebra (rdflib's):
    the triple patterns it instantiates fully, of every group, of the first
    UNION branch it matches, of the OPTIONALs it matches and of positive
    FILTER EXISTS; not of NOT EXISTS or MINUS. Patterns with a variable the
    solution leaves unbound, and property paths, are left out. None when a
    required pattern does not hold."""
    from rdflib.plugins.sparql.parserutils import CompValue
    if isinstance(node, (list, tuple)):
        out: list[Triple] = []
        for item in node:
            if (found := matched(item, solution, holds)) is None:
                return None
            out += found
        return out
    if not isinstance(node, CompValue):
        return []
    if node.name == "BGP":
        out = []
        for pattern in node["triples"]:
            if not isinstance(pattern[1], (URIRef, Variable)):
                continue  # a property path
            terms = [solution.get(str(t)) if isinstance(t, Variable) else t for t in pattern]
            if any(t is None or isinstance(t, BNode) for t in terms):
                continue
            triple = tuple(to_ox(t) for t in terms)
            if not holds(triple):
                return None
            out.append(triple)
        return out
    if node.name == "Union":
        branches = [found for b in (node["p1"], node["p2"]) if (found := matched(b, solution, holds)) is not None]
        return next((b for b in branches if b), branches[0] if branches else None)
    if node.name in ("LeftJoin", "Minus"):
        required = matched(node["p1"], solution, holds)
        optional = matched(node["p2"], solution, holds) if node.name == "LeftJoin" and required is not None else None
        return None if required is None else required + (optional or [])
    if node.name == "Filter":
        required = matched(node["p"], solution, holds)
        if required is None:
            return None
        for graph in _exists(node["expr"]):
            required += matched(graph, solution, holds) or []
        return required
    return matched([value for key, value in node.items() if key != "expr"], solution, holds)


def _values(bindings: dict[str, Node]) -> str:
    """A VALUES block of typed terms (see goinglocal.questions.bind_values)."""
    if not bindings:
        return ""
    return ("VALUES (" + " ".join(f"?{n}" for n in bindings) + ") { ("
            + " ".join(term.n3() for term in bindings.values()) + ") }")


def explain_row(why: Why, name: str, raw_params: dict[str, str], row_number: int) -> RowExplanation:
    from goinglocal import answers
    from goinglocal.questions import bind_values, find_question, load_questions
    question = find_question(load_questions(why.layout), name)
    answer = answers.run(why.kg, question, raw_params)
    columns, records = answers.records(why.kg, answer)
    if not 1 <= row_number <= len(answer.rows):
        raise TermError(f"--row {row_number}: the answer of {name!r} has {len(answer.rows)} row(s)",
                        f"give a row number from 1 to {len(answer.rows)} (as `goinglocal ask {name}` lists them)"
                        if answer.rows else "the answer is empty, so there is nothing to explain")
    row = answer.rows[row_number - 1]
    prologue, projection, body = _where_body(question.text)
    plain = (set(answer.variables) if "*" in _strip_parentheses(projection)
             else set(re.findall(r"\?(\w+)", _strip_parentheses(projection))))
    # the parameters as the question binds them (inside its WHERE clause, where
    # its filters see them), the row's values after it (a variable the clause
    # BINDs cannot be bound before)
    row_values = {v: value for v, value in row.items() if v in plain and v not in answer.bindings
                  and isinstance(value, (URIRef, Literal))}
    query = (f"{prologue}\nSELECT * WHERE {{\n{{ {_values(answer.bindings)}\n{body} }}\n"
             f"{_values(row_values)}\n}} LIMIT 500")
    _, solutions = why.kg.select(query)
    algebra = _algebra(prologue, f"{_values(answer.bindings)}\n{body}")
    candidates = []
    for solution in solutions:
        found = matched(algebra, solution, why.derivations.holds)
        if found is None:
            continue
        triples = list(dict.fromkeys(found))
        inferred = [t for t in triples if why.derivations.rank_of(t)]
        asserted = [t for t in triples if not why.derivations.rank_of(t)]
        bound = sorted(f"{k}={v.n3()}" for k, v in solution.items() if v is not None)
        key = (len(inferred), len(bound), bound)  # the simplest solution: fewest inferred triples, then variables
        candidates.append((key, solution, asserted, inferred))
    if not candidates:  # cannot happen: the row came from this query
        raise RuntimeError(f"row {row_number} of {name!r} has no solution when its values are bound")
    _, solution, asserted, inferred = min(candidates, key=lambda c: c[0])
    return RowExplanation(
        question=name, params={k: str(v) for k, v in answer.bindings.items()}, row_number=row_number,
        row={c: records[row_number - 1][c] for c in columns}, solutions=len(candidates),
        binding={k: to_ox(v) for k, v in solution.items() if v is not None and not isinstance(v, BNode)},
        asserted=asserted, inferred=sorted((why.derivations.prove(t) for t in inferred),
                                           key=lambda step: -step.rank))  # the deepest first: it may explain the others


# --------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------

def _tree(why: Why, step: Step, prefix: str, lines: list[str], shown: set[Triple], last: bool, root: bool) -> None:
    d = why.describe
    branch = "" if root else ("└─ " if last else "├─ ")
    inner = prefix + ("" if root else ("   " if last else "│  "))
    text = d.triple(step.triple)
    if step.asserted:
        where = why.sources.locate(step.triple)
        lines.append(f"{prefix}{branch}{text}  asserted" + (f"  [{where}]" if where else ""))
        citations = why.sources.citations(step.triple[0])
        for citation in citations[:MAX_CITATIONS]:
            lines.append(f"{inner}   cited: {citation.text()}")
        if len(citations) > MAX_CITATIONS:
            more = len(citations) - MAX_CITATIONS
            lines.append(f"{inner}   … and {more} more citation{'s' if more != 1 else ''} (--format json lists them all)")
        return
    if step.triple in shown:
        lines.append(f"{prefix}{branch}{text}  (derived above)")
        return
    shown.add(step.triple)
    lines.append(f"{prefix}{branch}{text}")
    axioms = [f"{d.axiom(a)}" + (f"  [{loc}]" if (loc := why.sources.locate(a)) else "")
              for a in d.axioms(step.axioms)]
    bar = "│ " if step.premises else "  "
    inferred_axioms = any(is_schema(atom) for atom in step.rule.body) and len(step.axioms) < sum(
        1 for atom in step.rule.body if is_schema(atom)) and step.rule.chain_property is None
    note = " (its ontology axiom is itself inferred, below)" if inferred_axioms and not axioms else ""
    lines.append(f"{inner}{bar}by {step.rule.title}" + (f": {axioms[0]}" if axioms else "") + note)
    for more in axioms[1:]:
        lines.append(f"{inner}{bar}   and {more}")
    for i, premise in enumerate(step.premises):
        _tree(why, premise, inner, lines, shown, i == len(step.premises) - 1, False)


def tree_text(why: Why, step: Step, shown: set[Triple] | None = None) -> str:
    """The derivation as an indented tree; a triple already in `shown` (derived
    earlier in the same output) is named, not derived again."""
    lines: list[str] = []
    _tree(why, step, "", lines, shown if shown is not None else set(), True, True)
    return "\n".join(lines) + "\n"


def _labels(why: Why, triple: Triple) -> str:
    s, p, o = triple
    return f"{why.label(s)} — {why.label(p) if p != TYPE else 'is a'} — {why.label(o)}"


def explanation_text(why: Why, explanation: Explanation) -> str:
    d, triple = why.describe, explanation.triple
    head = f"{d.triple(triple)}\n  ({_labels(why, triple)})\n"
    step = explanation.step
    if step is None:
        out = head + "is not in the closure: it is neither asserted nor inferred.\n"
        if explanation.suggestions:
            out += "triples of the closure close to it:\n"
            out += "".join(f"    {d.triple(t)}\n" for t in explanation.suggestions)
        return out
    if step.asserted:
        where = why.sources.locate(triple)
        out = head + "is asserted" + (f" in {where}" if where else "") + "; nothing was inferred.\n"
        citations = why.sources.citations(triple[0])
        out += "".join(f"  cited: {c.text()}\n" for c in citations) or "  (its subject cites no evidence)\n"
        return out
    leaves = step.leaves()
    out = head + (f"is inferred, in {step.rank} step{'s' if step.rank != 1 else ''} "
                  f"({', '.join(step.rules())}), from {len(leaves)} asserted triple{'s' if len(leaves) != 1 else ''}:\n\n")
    return out + tree_text(why, step)


def row_text(why: Why, row: RowExplanation) -> str:
    d = why.describe
    params = ", ".join(f"{k}={short(ox.NamedNode(v)) if v.startswith('http') else v}" for k, v in row.params.items())
    out = [f"question {row.question}" + (f" ({params})" if params else "")]
    out.append(f"row {row.row_number}: " + "; ".join(f"{c}={v}" for c, v in row.row.items()
                                                      if not c.endswith("_iri") and v))
    out.append(f"the WHERE clause has {row.solutions} solution{'s' if row.solutions != 1 else ''} for this row; "
               f"explaining {'it' if row.solutions == 1 else 'the one with the fewest inferred triples'}:")
    out.append("  " + "  ".join(f"?{k}={d.term(v)}" for k, v in sorted(row.binding.items())))
    out.append("")
    out.append(f"asserted triples it matched ({len(row.asserted)}):")
    out += [f"  {d.triple(t)}" + (f"  [{loc}]" if (loc := why.sources.locate(t)) else "") for t in row.asserted]
    out.append("")
    if not row.inferred:
        out.append("it needed no inferred triple: the row holds on the asserted triples alone.")
    else:
        out.append(f"inferred triples it needed ({len(row.inferred)}):")
    shown: set[Triple] = set()
    for step in row.inferred:
        out.append("")
        out.append(tree_text(why, step, shown).rstrip("\n"))
    return "\n".join(out) + "\n"


def _term_json(why: Why, term: Term) -> dict:
    if isinstance(term, ox.Literal):
        out = {"value": term.value, "datatype": term.datatype.value}
        if term.language:
            out["language"] = term.language
        return out
    out = {"text": why.describe.term(term)}
    if isinstance(term, ox.NamedNode):
        out["iri"] = term.value
        out["label"] = why.label(term)
    return out


def _triple_json(why: Why, triple: Triple) -> dict:
    return {"text": why.describe.triple(triple),
            **{k: _term_json(why, t) for k, t in zip(("subject", "predicate", "object"), triple)}}


def step_json(why: Why, step: Step) -> dict:
    out = {"triple": _triple_json(why, step.triple), "status": "asserted" if step.asserted else "inferred",
           "depth": step.rank}
    if step.asserted:
        out["location"] = why.sources.locate(step.triple)
        out["citations"] = [c.__dict__ for c in why.sources.citations(step.triple[0])]
        return out
    out["rule"] = step.rule.title
    out["axioms"] = [{"text": why.describe.axiom(a), "location": why.sources.locate(a)}
                     for a in why.describe.axioms(step.axioms)]
    out["premises"] = [step_json(why, p) for p in step.premises]
    return out


def explanation_json(why: Why, explanation: Explanation) -> str:
    out: dict = {"triple": _triple_json(why, explanation.triple)}
    if explanation.step is None:
        out["status"] = "absent"
        out["suggestions"] = [_triple_json(why, t) for t in explanation.suggestions]
    else:
        out["status"] = "asserted" if explanation.step.asserted else "inferred"
        out["rules"] = explanation.step.rules()
        out["leaves"] = [_triple_json(why, t) for t in explanation.step.leaves()]
        out["derivation"] = step_json(why, explanation.step)
    return json.dumps(out, ensure_ascii=False, indent=1) + "\n"


def row_json(why: Why, row: RowExplanation) -> str:
    out = {"question": row.question, "params": row.params, "row_number": row.row_number, "row": row.row,
           "solutions": row.solutions,
           "binding": {k: _term_json(why, v) for k, v in sorted(row.binding.items())},
           "asserted": [{**_triple_json(why, t), "location": why.sources.locate(t)} for t in row.asserted],
           "inferred": [{"rules": s.rules(), "leaves": [_triple_json(why, t) for t in s.leaves()],
                         "derivation": step_json(why, s)} for s in row.inferred]}
    return json.dumps(out, ensure_ascii=False, indent=1) + "\n"
