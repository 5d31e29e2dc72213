"""The goinglocal command line. User mistakes end in a one-paragraph message
and an exit code (see errors.py); tracebacks only with --debug."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from goinglocal import __version__
from goinglocal.errors import GoinglocalError

FORMATS = ("table", "csv", "json")


def _layout():
    from goinglocal.paths import Layout
    return Layout.discover()


def _knowledge_graph(layout):
    from goinglocal.reason import closure_for
    from goinglocal.store import KnowledgeGraph
    return KnowledgeGraph(closure_for(layout))


def cmd_validate(args) -> int:
    from goinglocal.load import expand_paths, load_dataset
    from goinglocal.validate import named_context, report_json, report_table, validate_dataset
    layout = _layout()
    dataset = load_dataset(layout, extra=[Path(p) for p in args.paths])
    if args.paths:  # the named files, with the repository: report the problems of the nodes they mention
        closure_errors, asserted_nt = named_context(dataset, layout, expand_paths([Path(p) for p in args.paths]))
        report = validate_dataset(dataset, layout, closure_errors=closure_errors, focus=dataset.mentioned(),
                                  asserted_nt=asserted_nt)
    else:  # the repository's own data: its cached closure says whether it is consistent
        from goinglocal.reason import closure_for
        closure = closure_for(layout, dataset=dataset)
        report = validate_dataset(dataset, layout, closure_errors=closure.errors, asserted_nt=closure.asserted_nt)
    if args.paths:  # show problems of the files the user named first, then the rest
        named = {str(Path(p)) for p in args.paths}
        report.problems.sort(key=lambda p: not any(p.file.startswith(n) or n.endswith(p.file) for n in named if p.file))
    sys.stdout.write(report_json(report) if args.format == "json" else report_table(report))
    return 0 if report.conforms else 1


def cmd_questions(args) -> int:
    from goinglocal.questions import load_questions
    questions = load_questions(_layout())
    if args.format == "json":
        import json
        print(json.dumps([{"name": q.name, "family": q.family, "summary": q.summary,
                           "needs": "reasoning" if q.needs_reasoning else "asserted",
                           "params": [{"name": p.name, "type": p.kind, "default": p.default, "doc": p.doc}
                                      for p in q.params]} for q in questions.values()], indent=1))
        return 0
    for q in sorted(questions.values(), key=lambda q: (q.family, q.name)):
        flag = "R" if q.needs_reasoning else " "
        print(f"{flag} {q.name:<40} {q.summary}")
        for p in q.params:
            default = f" (default: {p.default})" if p.default else " (required)"
            print(f"    --param {p.name}=<{p.kind}>{default}  {p.doc}")
    print(f"\n{len(questions)} questions; R = needs OWL-RL reasoning")
    return 0


def cmd_ask(args) -> int:
    from goinglocal import answers
    from goinglocal.questions import find_question, load_questions, parse_param_args
    layout = _layout()
    question = find_question(load_questions(layout), args.name)
    raw = parse_param_args(args.param or [])
    if args.endpoint:
        from goinglocal.remote import ask_remote
        sys.stdout.write(ask_remote(args.endpoint, question, raw, args.format, layout, width=args.width))
        return 0
    kg = _knowledge_graph(layout)
    answer = answers.run(kg, question, raw, reasoning=not args.asserted_only)
    sys.stdout.write(answers.render(kg, answer, args.format, width=args.width))
    return 0


def cmd_search(args) -> int:
    from goinglocal.answers import to_table
    from goinglocal.search import search
    kg = _knowledge_graph(_layout())
    found = search(kg, args.text, type=args.type)
    if args.format == "json":
        import json
        sys.stdout.write(json.dumps(found, ensure_ascii=False, indent=1) + "\n")
        return 0
    rows = [{"label": e["label"], "type": "; ".join(t["label"] for t in e["types"]), "home country": e["country"],
             "IRI": e["iri"]} for e in found[: args.limit or None]]
    sys.stdout.write(to_table(["label", "type", "home country", "IRI"], rows, max_width=args.width,
                              uncut={"IRI"}))
    if args.limit and len(found) > args.limit:
        print(f"{len(found) - args.limit} more; --limit 0 shows all")
    return 0


def cmd_profile(args) -> int:
    from goinglocal import profile
    from goinglocal.search import resolve_entity
    kg = _knowledge_graph(_layout())
    data = profile.entity_profile(kg, resolve_entity(kg, args.entity))
    if args.format == "json":
        sys.stdout.write(profile.to_json(data))
    elif args.format == "md":
        sys.stdout.write(profile.to_markdown(data))
    else:
        sys.stdout.write(profile.to_table(data, width=args.width))
    return 0


def cmd_check(args) -> int:
    from goinglocal.checks import checks_text, run_checks
    layout = _layout()
    results = run_checks(_knowledge_graph(layout), layout)
    sys.stdout.write(checks_text(results))
    return 1 if any(r.rows for r in results) else 0


def cmd_stats(args) -> int:
    from goinglocal.stats import compute_stats, stats_json, stats_text
    stats = compute_stats(_knowledge_graph(_layout()))
    sys.stdout.write(stats_json(stats) if args.format == "json" else stats_text(stats))
    return 0


def cmd_build(args) -> int:
    from goinglocal.build import run_build
    layout = _layout()
    summary = run_build(layout, Path(args.out) if args.out else layout.build_dir)
    sys.stdout.write(summary.text())
    return 0


def cmd_link(args) -> int:
    from goinglocal.link import run_link
    return run_link(_layout(), args)


def cmd_diff(args) -> int:
    from goinglocal.diff import compute_diff, report_json, report_text
    diff = compute_diff(_layout(), args.against)
    sys.stdout.write(report_json(diff) if args.format == "json" else report_text(diff, args.limit))
    return 0


def cmd_expected(args) -> int:
    from goinglocal import expected
    kg, questions = expected.load(_layout())
    if args.action == "check":
        return expected.run_check(kg, questions)
    return expected.run_update(kg, questions, args.names, args.all, args.yes)


def cmd_why(args) -> int:
    from goinglocal import why
    from goinglocal.errors import TermError
    from goinglocal.questions import parse_param_args
    if args.question:
        if args.terms or args.row is None:
            raise TermError("why --question NAME needs --row N and no S P O",
                            "write: goinglocal why --question place-engagements --param place=Jujuy --row 1")
        explainer = why.Why.for_layout(_layout())
        row = why.explain_row(explainer, args.question, parse_param_args(args.param or []), args.row)
        sys.stdout.write(why.row_json(explainer, row) if args.format == "json" else why.row_text(explainer, row))
        return 0
    if len(args.terms) != 3 or args.param or args.row is not None:
        raise TermError(f"why needs a subject, a property and an object (got {len(args.terms)} term(s))"
                        if len(args.terms) != 3 else "--param and --row go with --question NAME",
                        "write: goinglocal why place/ar/jujuy gl:locatedIn gl:LatinAmericaAndCaribbean, "
                        "or goinglocal why --question NAME --row N")
    explainer = why.Why.for_layout(_layout())
    explanation = explainer.explain(explainer.resolve(*args.terms))
    render = why.explanation_json if args.format == "json" else why.explanation_text
    sys.stdout.write(render(explainer, explanation))
    return 0 if explanation.holds else 1


def cmd_serve(args) -> int:
    from goinglocal.serve import run_serve
    return run_serve(_layout(), args)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="goinglocal", description="A cited knowledge graph of China's subnational engagement with Latin America and the Caribbean.")
    ap.add_argument("--version", action="version", version=f"goinglocal {__version__}")
    ap.add_argument("--debug", action="store_true", help="show Python tracebacks")
    ap.add_argument("--reasoner", choices=("rules", "owlrl"),
                    help="OWL 2 RL reasoner: rules (fast, default) or owlrl (the reference)")
    ap.add_argument("--validator", choices=("store", "rudof", "pyshacl"),
                    help="SHACL engine: store (shapes on the Oxigraph store, default), rudof or pyshacl (the reference)")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check data against the shapes and the ontology (exit 0 conforms, 1 violations, 2 unreadable)")
    p.add_argument("paths", nargs="*", help="files or folders to check together with the repository's data (default: the repository's data)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("questions", help="list the analytical questions")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_questions)

    p = sub.add_parser("ask", help="answer a question")
    p.add_argument("name")
    p.add_argument("--param", action="append", metavar="K=V", help="a parameter, by label or IRI (repeatable)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--endpoint", metavar="URL", help="ask a remote SPARQL endpoint instead of the local graph")
    p.add_argument("--asserted-only", action="store_true", help="answer without reasoning, to see what the closure adds")
    p.add_argument("--width", type=int, default=60, metavar="N", help="cut table cells at N characters (0 = never)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("search", help="find entities by label or alternative label (accents and case ignored)")
    p.add_argument("text")
    p.add_argument("--type", metavar="CLASS", help="only this class (Province, gl:Company, Engagement, ...; subclasses included)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--limit", type=int, default=25, help="rows shown in the table (0 = all; default 25)")
    p.add_argument("--width", type=int, default=60, metavar="N", help="cut table cells at N characters (0 = never)")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("profile", help="everything about one entity: facts, roles by year, what happened inside it, figures, citations")
    p.add_argument("entity", help="a label (as for ask parameters) or an IRI")
    p.add_argument("--format", choices=("table", "json", "md"), default="table")
    p.add_argument("--width", type=int, default=60, metavar="N", help="cut table cells at N characters (0 = never)")
    p.set_defaults(func=cmd_profile)

    p = sub.add_parser("check", help="run the quality-check queries (queries/qc); exit 1 if any returns rows")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("stats", help="counts per class, asserted vs inferred")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("build", help="merged graph, closure, reports, every answer")
    p.add_argument("--out", metavar="DIR", help="output folder (default: build/)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("link", help="reconcile places and organizations with Wikidata (offline by default)")
    p.add_argument("--endpoint", metavar="URL", nargs="?", const="https://query.wikidata.org/sparql",
                   help="also query a live SPARQL endpoint (default: Wikidata's)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_link)

    p = sub.add_parser("diff", help="what the working tree changes against a git ref: triples and every question's rows")
    p.add_argument("--against", metavar="REF", default="HEAD", help="a commit, branch or tag (default: HEAD)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--limit", type=int, default=50, metavar="N",
                   help="triples shown per section in the text report (0: all; default 50)")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("expected", help="compare answers with queries/expected/*.csv, and rewrite the ones you name",
                       description="Expected answers: `check` lists the files that differ from the current answers "
                                   "(exit 1 if any); `update NAME ...` shows each one's rows added and removed and "
                                   "rewrites those files (asks first unless --yes).")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = actions.add_parser("check", help="list the expected files that are out of date; writes nothing (exit 1 if any)")
    q.set_defaults(func=cmd_expected)
    q = actions.add_parser("update", help="show the rows that change and rewrite the named expected files")
    q.add_argument("names", nargs="*", metavar="NAME", help="questions whose answers changed on purpose")
    q.add_argument("--all", action="store_true", help="every question whose answer differs")
    q.add_argument("--yes", action="store_true", help="write without asking")
    q.set_defaults(func=cmd_expected)


    p = sub.add_parser("why", help="why a triple (or an answer row) is there: the rules, ontology axioms and cited asserted triples it rests on (exit 1 if it does not hold)")
    p.add_argument("terms", nargs="*", metavar="S P O",
                   help="subject, property, object: labels, prefixed names (gl:concernsPlace) or IRIs (place/ar/jujuy)")
    p.add_argument("--question", metavar="NAME", help="explain a row of this question's answer instead")
    p.add_argument("--param", action="append", metavar="K=V", help="a parameter of the question (repeatable)")
    p.add_argument("--row", type=int, metavar="N", help="the row to explain, numbered from 1 as `ask` lists them")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_why)

    p = sub.add_parser("serve", help="a read-only SPARQL 1.1 endpoint over the built graph")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7878)
    p.add_argument("--query-timeout", type=float, default=120.0, metavar="SECONDS",
                   help="stop a query that runs longer and answer 504 (default: 120)")
    p.set_defaults(func=cmd_serve)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.reasoner:
        import os
        os.environ["GOINGLOCAL_REASONER"] = args.reasoner
    if args.validator:
        import os
        os.environ["GOINGLOCAL_VALIDATOR"] = args.validator
    if not args.debug:  # rdflib logs a traceback for every ill-formed literal; the shapes report those
        import logging
        logging.getLogger("rdflib").setLevel(logging.ERROR)
    try:
        return args.func(args)
    except GoinglocalError as exc:
        if args.debug:
            raise
        print(f"goinglocal {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug, not a user mistake: say so briefly, details with --debug
        if args.debug:
            raise
        print(f"goinglocal {args.command}: internal error: {type(exc).__name__}: {exc}\n"
              f"  this is a bug in goinglocal; run again with --debug and report the traceback", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
