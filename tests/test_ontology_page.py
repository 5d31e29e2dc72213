"""The ontology's page is rendered once for any usage counts and kept for
the next build, which only puts its own counts in (goinglocal.site.
ontology_docs); the page is always the one a plain rendering gives."""

from __future__ import annotations

from pathlib import Path

from goinglocal.paths import Layout
from goinglocal.reason import Closure
from goinglocal.site import ontology_docs
from goinglocal.site.output import SiteOutput
from goinglocal.site.render import render_page
from goinglocal.store import KnowledgeGraph

ID = "https://w3id.org/goinglocal/id/"
GL = "https://w3id.org/goinglocal/ontology#"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
OWL = "http://www.w3.org/2002/07/owl#"
ONTOLOGY = [f"<{GL}Bank> <{TYPE}> <{OWL}Class> .", f'<{GL}Bank> <{LABEL}> "bank"@en .',
            f"<{GL}Person> <{TYPE}> <{OWL}Class> .", f'<{GL}Person> <{LABEL}> "person"@en .',
            f"<{GL}basedIn> <{TYPE}> <{OWL}ObjectProperty> .", f'<{GL}basedIn> <{LABEL}> "based in"@en .']


def _kg(data: list[str]) -> KnowledgeGraph:
    nt = ("\n".join(ONTOLOGY + data) + "\n").encode()
    return KnowledgeGraph(Closure(nt, nt, 0, 0, [], from_cache=False))


def _plain(kg: KnowledgeGraph, layout: Layout, folder: Path) -> bytes:
    """The page as rendered with the counts themselves."""
    terms = ontology_docs.terms(kg)
    groups = [(title, [t for t in terms if t["kind"] == kind]) for kind, title in ontology_docs.KINDS]
    render_page(SiteOutput(folder), "ontology/", "ontology.html", title="Ontology", groups=[g for g in groups if g[1]],
                ontology_iri=ontology_docs.ONTOLOGY_IRI, modules=[p.name for p in layout.ontology_files()],
                count=len(terms))
    return (folder / "ontology" / "index.html").read_bytes()


def _written(kg: KnowledgeGraph, layout: Layout, folder: Path, kept: dict | None) -> tuple[bytes, dict | None]:
    _, page = ontology_docs.write(kg, layout, SiteOutput(folder), kept)
    return (folder / "ontology" / "index.html").read_bytes(), page


def test_the_kept_page_takes_new_counts_and_a_count_leaving_zero_renders_it_again(tmp_path):
    layout = Layout(tmp_path)
    bank = [f"<{ID}org/b{i}> <{TYPE}> <{GL}Bank> ." for i in range(3)]
    first = _kg(bank + [f"<{ID}person/a> <{TYPE}> <{GL}Person> ."])
    page, kept = _written(first, layout, tmp_path / "1", None)
    assert kept is not None and page == _plain(first, layout, tmp_path / "p1")
    assert b"3 times</a>" in page
    more = _kg(bank + [f"<{ID}org/b9> <{TYPE}> <{GL}Bank> .", f"<{ID}person/a> <{TYPE}> <{GL}Person> ."])
    page, again = _written(more, layout, tmp_path / "2", kept)
    assert again == kept  # the same page without counts: not rendered again
    assert page == _plain(more, layout, tmp_path / "p2") and b"4 times</a>" in page
    none = _kg(bank)  # no person left: its count is no longer a link
    page, other = _written(none, layout, tmp_path / "3", kept)
    assert other["key"] != kept["key"] and page == _plain(none, layout, tmp_path / "p3")


def test_a_kept_page_of_another_key_or_a_damaged_one_is_not_used(tmp_path):
    layout = Layout(tmp_path)
    kg = _kg([f"<{ID}org/b> <{TYPE}> <{GL}Bank> ."])
    reference = _plain(kg, layout, tmp_path / "p")
    _, kept = _written(kg, layout, tmp_path / "1", None)
    assert _written(kg, layout, tmp_path / "2", {"key": "other", "page": "stale"})[0] == reference
    page, again = _written(kg, layout, tmp_path / "3", dict(kept, page="no marks"))  # shows no count: rendered plainly
    assert page == reference and again is None
