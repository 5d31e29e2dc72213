"""Validation: SHACL shapes (the store engine, or rudof or pySHACL with --validator; see
shacl_engines.py) over the asserted data plus the ontology, the strict checks
of strict.py (undefined terms and IRIs, missing citations, ill-formed
literals), and the OWL-RL consistency of the closure. The report is a list of rows that name the
file, the node, the property and what to fix."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from goinglocal.errors import UnreadableInput
from goinglocal.load import Dataset, graph_of, parse_cache, parse_part
from goinglocal.namespaces import ONTOLOGY_BASE

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
from goinglocal.paths import Layout
from goinglocal.reason import compute, owlrl_closure
from goinglocal.shacl_engines import Data, Inverse, validate as run_shapes


@dataclass
class Problem:
    severity: str
    file: str
    node: str
    node_iri: str
    property: str
    message: str
    shape: str
    value: str = ""


@dataclass
class Report:
    problems: list[Problem]
    files_checked: int
    triples_checked: int

    @property
    def violations(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations


def load_shapes(layout: Layout) -> Graph:
    files = layout.shape_files()
    if not files:
        raise UnreadableInput(f"{layout.shapes_dir}: no shape files", "run from the repository root")
    cache = parse_cache(layout)
    return graph_of([parse_part(p, cache) for p in files])


def _label(graph: Graph, node: Node) -> str:
    for label in graph.objects(node, RDFS.label):
        return str(label)
    return str(node)


def _where(dataset: Dataset, layout: Layout, node: Node) -> str:
    path = dataset.lookup.file_of(node)
    if path is None:
        return ""
    try:
        return str(path.resolve().relative_to(layout.root))
    except ValueError:
        return str(path)


def _short(term: Node | None) -> str:
    if term is None:
        return ""
    text = str(term)
    for prefix, base in (("gl:", ONTOLOGY_BASE), ("rdfs:", str(RDFS)), ("owl:", str(OWL)),
                         ("skos:", "http://www.w3.org/2004/02/skos/core#")):
        if text.startswith(base):
            return prefix + text[len(base):]
    return text


def _path_text(path) -> str:
    """A readable SHACL path: gl:a, ^gl:a for an inverse path, gl:a|gl:b for an alternative path."""
    if isinstance(path, tuple):
        return "|".join(_path_text(p) for p in path)
    if isinstance(path, Inverse):
        return "^" + _short(path.iri)
    if isinstance(path, URIRef) or path is None:
        return _short(path)
    return "(path)"


def neighbourhood(dataset: Dataset, focus: set[Node], hops: int = 2) -> Graph:
    """The ontology, the named files, and the instance triples within `hops`
    links of the nodes they mention: enough context for the shapes to judge
    those nodes, in a fraction of the time the whole repository takes.
    (pySHACL's own focus_nodes option also filters the value nodes of nested
    shapes such as sh:or, so it misses e.g. ill-formed dates.)"""
    data = Graph()
    data += dataset.ontology
    if dataset.named is not None:
        data += dataset.named
    frontier, seen = set(focus), set()
    for _ in range(hops):
        reached: set[Node] = set()
        for node in frontier - seen:
            for s, p, o in dataset.lookup.about(node):
                data.add((s, p, o))
                reached.add(o)
            for s, p, o in dataset.lookup.pointing_to(node):
                data.add((s, p, o))
                reached.add(s)
        seen |= frontier
        frontier = {n for n in reached if isinstance(n, URIRef)}
    return data


def shacl_problems(dataset: Dataset, layout: Layout, shapes: Graph,
                   focus: set[Node] | None = None, asserted_nt: bytes | None = None,
                   only: set[Node] | None = None, store=None, routes: list | None = None) -> list[Problem]:
    """The shapes' results as problems. `asserted_nt` (the repository's
    asserted graph as N-Triples, from the closure cache) spares a serialisation;
    `store`: a KnowledgeGraph's store, whose asserted graph holds exactly those
    triples (the store engine reads it instead of loading a copy).
    `focus`: the nodes of named files, judged on their neighbourhood, or on
    the whole asserted graph when `asserted_nt` is given (named files of the
    repository); `only`: repository nodes, judged on the whole repository (an
    incremental build); `routes`: the shapes' routes (goinglocal.shapescache)."""
    if focus is not None and asserted_nt is not None:  # named repository files: the whole graph, narrowed
        data, only, focus = Data(nt=asserted_nt), focus, None
    elif focus is not None:
        data = Data(graph=neighbourhood(dataset, focus))
    elif asserted_nt is not None:
        from goinglocal.store import ASSERTED
        data = Data(nt=asserted_nt, store=store, graph_name=ASSERTED if store is not None else None,
                    rewrites_cache=layout.build_dir / "cache" / "rewritten.pickle")
    else:
        data = Data(graph=dataset.asserted())
    problems = []
    for result in run_shapes(shapes, data, focus=only, probe_cache=layout.build_dir / "cache" / "datatype-probe.json",
                             routes=routes):
        node = result.focus
        if focus is not None and node not in focus:
            continue  # a repository node seen only in part, as context
        problems.append(Problem(
            severity=result.severity, file=_where(dataset, layout, node),
            node=dataset.lookup.label(node, default="") or _label(dataset.ontology, node), node_iri=str(node),
            property=_path_text(result.path), message=result.message,
            shape=_short(result.shape).replace("https://w3id.org/goinglocal/shapes#", "gls:"),
            value=_short(result.value) if result.value is not None else ""))
    return problems


def duplicate_label_problems(dataset: Dataset, layout: Layout) -> list[Problem]:
    """Two instances with the same label (ignoring case) and the same asserted
    gl: type are probably one thing minted twice."""
    import pyoxigraph as ox
    lookup = dataset.lookup
    label_p, type_p, base = ox.NamedNode(str(RDFS.label)), ox.NamedNode(str(RDF.type)), ONTOLOGY_BASE

    def text(term) -> str:  # str() of the rdflib term, made only where rdflib would rewrite the lexical form
        if isinstance(term, ox.Literal) and not term.language and term.datatype.value != XSD_STRING:
            return str(lookup.term(term))
        return term.value
    groups: dict[tuple[str, ox.NamedNode], list[ox.NamedNode]] = {}
    for node, triples in lookup.out.items():
        if not isinstance(node, ox.NamedNode):
            continue
        labels = [t.object for t in triples if t.predicate == label_p]
        types = [t.object for t in triples if t.predicate == type_p] if labels else []
        for label in labels:
            for cls in types:
                if text(cls).startswith(base):
                    groups.setdefault((text(label).casefold(), cls), []).append(node)
    problems = []
    for (label, cls), raw_nodes in groups.items():
        if len(set(raw_nodes)) < 2:
            continue
        nodes = sorted({lookup.term(n) for n in raw_nodes})
        cls = lookup.term(cls)
        for node in nodes:
            others = " ".join(f"<{n}>" for n in nodes if n != node)
            problems.append(Problem(
                severity="Violation", file=_where(dataset, layout, node), node=lookup.label(node),
                node_iri=str(node), property="rdfs:label",
                message=f"Another {_short(cls)} has the same label ({others}). If it is the same thing, merge the two "
                        f"into one IRI and keep other spellings as skos:altLabel; if not, make the labels tell them apart.",
                shape="duplicate-label", value=others))
    return problems


def consistency_problems(dataset: Dataset, layout: Layout, errors: list[str] | None = None) -> list[Problem]:
    if errors is None:
        errors = compute(dataset).errors
    problems = []
    for message in errors:
        nodes = [n for n in dataset.origin if isinstance(n, URIRef) and str(n) in message]
        first = nodes[0] if nodes else None
        problems.append(Problem(
            severity="Violation", file=_where(dataset, layout, first) if first else "",
            node=", ".join(dataset.lookup.label(n) for n in nodes) or "(closure)",
            node_iri=" ".join(str(n) for n in nodes), property="",
            message=f"The data contradicts the ontology: {message}. Check the types of these nodes "
                    f"(e.g. a person typed as an organization, or a place typed as an actor).",
            shape="owl-rl consistency"))
    return problems


def neighbourhood_errors(dataset: Dataset, layout: Layout) -> list[str]:
    """OWL-RL consistency of files the user named, outside instances/: the
    ontology, the named files, and what the repository's (cached) closure
    says about every node they mention, in either direction. The closure
    already holds the repository's inferences (types, transitive chains), so
    this finds what the whole closure would, in seconds rather than a minute,
    except contradictions that need two or more hops through repository nodes
    the files do not mention; `goinglocal validate` with no paths, once the
    file is under instances/, checks the whole."""
    import pyoxigraph as ox
    from goinglocal.reason import closure_for
    from goinglocal.store import from_ox
    graph = Graph()
    graph += dataset.ontology
    graph += dataset.named if dataset.named is not None else dataset.instances
    mentioned = {ox.NamedNode(str(n)) for n in dataset.mentioned()}
    for triple in ox.parse(closure_for(layout).closure_nt, format=ox.RdfFormat.N_TRIPLES):
        if triple.subject in mentioned or triple.object in mentioned:
            graph.add((from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object)))
    from goinglocal.reason import default_reasoner
    if default_reasoner() == "rules":  # the default reasoner, as for the repository's own closure
        from goinglocal.materialise import materialise
        return materialise(graph.serialize(format="nt", encoding="utf-8"))[2]
    _, errors = owlrl_closure(graph)
    return errors


def named_context(dataset: Dataset, layout: Layout, named_files: list[Path]) -> tuple[list[str], bytes | None]:
    """Consistency errors for `validate PATHS`, and the asserted graph the
    shapes judge the named files' nodes on. When every named file is one of
    the repository's instance files, the repository's own closure (cached,
    or extended after an edit) covers them, and the shapes run on the whole
    asserted graph, narrowed to those nodes; otherwise the files are checked
    with the nodes they mention (None: the shapes then run on their
    neighbourhood)."""
    from goinglocal.reason import closure_for
    repository = {p.resolve() for p in layout.instance_files()}
    if all(p.resolve() in repository for p in named_files):
        closure = closure_for(layout, dataset=dataset)
        return closure.errors, closure.asserted_nt
    return neighbourhood_errors(dataset, layout), None


def validate_dataset(dataset: Dataset, layout: Layout, closure_errors: list[str] | None = None,
                     focus: set[Node] | None = None, asserted_nt: bytes | None = None,
                     shacl: list[Problem] | None = None) -> Report:
    """All checks. With `focus` (the nodes of files the user named), only
    problems of those nodes are reported: the rest of the repository is
    checked by `goinglocal validate` with no paths. `shacl`: the shapes'
    problems, when the caller has them (goinglocal.incremental)."""
    from goinglocal.strict import overrule, strict_problems
    problems = strict_problems(dataset, layout, focus) + duplicate_label_problems(dataset, layout)
    problems += consistency_problems(dataset, layout, closure_errors)
    if focus is not None:
        problems = [p for p in problems if any(URIRef(i) in focus for i in p.node_iri.split())]
    shapes_problems = shacl if shacl is not None else shacl_problems(dataset, layout, load_shapes(layout), focus, asserted_nt)
    problems = overrule(problems + shapes_problems)
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    problems.sort(key=lambda p: (order.get(p.severity, 3), p.file, p.node, p.property, p.message))
    return Report(problems, len(dataset.files), dataset.triple_count())


def report_table(report: Report) -> str:
    if not report.problems:
        return f"conforms: {report.files_checked} files, {report.triples_checked} triples, no problems\n"
    lines = []
    for p in report.problems:
        where = p.file or "(ontology or generated)"
        prop = f" {p.property}" if p.property else ""
        value = f" = {p.value}" if p.value else ""
        lines.append(f"{p.severity:<9} {where}\n          node {p.node} <{p.node_iri}>{prop}{value}\n"
                     f"          {p.message}  [{p.shape}]")
    v, w = len(report.violations), len(report.problems) - len(report.violations)
    verdict = "does not conform" if v else "conforms"
    lines.append(f"\n{verdict}: {v} violation(s), {w} warning(s) in {report.files_checked} files")
    return "\n".join(lines) + "\n"


def report_json(report: Report) -> str:
    return json.dumps({"conforms": report.conforms, "files": report.files_checked,
                       "triples": report.triples_checked,
                       "problems": [asdict(p) for p in report.problems]}, ensure_ascii=False, indent=1) + "\n"
