"""Counts per class, asserted versus inferred, and triple counts."""

from __future__ import annotations

import json

from goinglocal.store import KnowledgeGraph

PER_CLASS = """
SELECT ?class (COUNT(DISTINCT ?node) AS ?n) WHERE {
  ?node a ?class .
  FILTER(STRSTARTS(STR(?class), "https://w3id.org/goinglocal/ontology#"))
  FILTER(STRSTARTS(STR(?node), "https://w3id.org/goinglocal/id/"))
} GROUP BY ?class"""


def compute_stats(kg: KnowledgeGraph) -> dict:
    def per_class(reasoning: bool) -> dict[str, int]:
        _, rows = kg.select(PER_CLASS, reasoning=reasoning)
        return {str(r["class"]).split("#")[1]: int(r["n"]) for r in rows}

    asserted, closure = per_class(False), per_class(True)
    classes = sorted(set(asserted) | set(closure), key=lambda c: (-closure.get(c, 0), c))
    return {
        "triples": {"asserted": kg.closure.asserted_triples, "inferred": kg.closure.inferred_triples,
                    "closure": kg.closure.closure_triples},
        "consistent": not kg.closure.errors,
        "classes": [{"class": f"gl:{c}", "asserted": asserted.get(c, 0), "with_reasoning": closure.get(c, 0)}
                    for c in classes],
    }


def stats_text(stats: dict) -> str:
    t = stats["triples"]
    lines = [f"triples: {t['asserted']} asserted (ontology + instances), {t['inferred']} inferred, "
             f"{t['closure']} in the closure", "",
             f"{'class':<34} {'asserted':>9} {'with reasoning':>15}", "-" * 60]
    lines += [f"{c['class']:<34} {c['asserted']:>9} {c['with_reasoning']:>15}" for c in stats["classes"]]
    return "\n".join(lines) + "\n"


def stats_json(stats: dict) -> str:
    return json.dumps(stats, indent=1) + "\n"
