"""The qualified-relation constructs of ontology/qualified.ttl answer
questions, and the answers change when the construct is removed.

The fixture is the shape cases' conforming base graph (tests/shape_cases/
_base.ttl), whose last block writes one example of every construct the way
instances/README.md tells authors to. Each test asks a question over its
closure and asserts the exact answer, then removes the construct's triples
and asserts that the answer changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDFS

from goinglocal.load import load_dataset
from goinglocal.namespaces import GL, ID
from goinglocal.reason import compute
from goinglocal.store import KnowledgeGraph

BASE = Path(__file__).parent / "shape_cases" / "_base.ttl"
PREFIXES = """BASE <https://w3id.org/goinglocal/id/>
PREFIX gl: <https://w3id.org/goinglocal/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX id: <https://w3id.org/goinglocal/id/>
"""


def knowledge_graph(layout, tmp_path: Path, drop: list[tuple] | None = None) -> KnowledgeGraph:
    graph = Graph().parse(BASE)
    for pattern in drop or []:
        graph.remove(tuple(ID[t] if isinstance(t, str) and not t.startswith("http") else t for t in pattern))
    path = tmp_path / "base.ttl"
    graph.serialize(path, format="turtle")
    dataset = load_dataset(layout, extra=[path], include_repository=False)
    return KnowledgeGraph(compute(dataset))


def ask(kg: KnowledgeGraph, where: str) -> list[tuple[str, ...]]:
    variables, rows = kg.select(PREFIXES + where)
    short = lambda v: "" if v is None else str(v).replace(str(ID), "")
    return sorted(tuple(short(row[v]) for v in variables) for row in rows)


@pytest.fixture(scope="module")
def full(layout, tmp_path_factory):
    return knowledge_graph(layout, tmp_path_factory.mktemp("full"))


def without(layout, tmp_path_factory, *patterns):
    return knowledge_graph(layout, tmp_path_factory.mktemp("cut"), list(patterns))


PARTICIPANTS = """SELECT ?who WHERE { <event/2019-east-forum> gl:hasParticipant ?who }"""
PLACES_OF_FORUM = """SELECT ?place WHERE { <event/2019-east-forum> gl:concernsPlace ?place . ?place a gl:Country }"""
ROLES = """SELECT ?who ?role WHERE { <event/2019-east-forum> gl:qualifiedParticipation ?p .
  ?p gl:participantRole ?role . OPTIONAL { ?p gl:participant ?who } }"""


def test_a_participation_node_gives_the_direct_participant(full, layout, tmp_path_factory):
    assert ask(full, PARTICIPANTS) == [("org/cn/east-government",)]
    assert ask(full, ROLES) == [("", "role/attendee"), ("org/cn/east-government", "role/host")]
    cut = without(layout, tmp_path_factory, ("event/2019-east-forum#host", GL.participant, None))
    assert ask(cut, PARTICIPANTS) == []


def test_a_collective_participation_concerns_the_places_it_represents(full, layout, tmp_path_factory):
    # held in China; the unnamed mayors came from Testland's North province
    assert ask(full, PLACES_OF_FORUM) == [("place/cn",), ("place/tt",)]
    cut = without(layout, tmp_path_factory, ("event/2019-east-forum#mayors", GL.representedPlace, None))
    assert ask(cut, PLACES_OF_FORUM) == [("place/cn",)]


BIDDERS = """SELECT ?bidder ?outcome WHERE { <project/tt/north-plan> gl:bidder ?bidder .
  <project/tt/north-plan> gl:hasBid [ gl:bidBy ?bidder ; gl:bidOutcome ?outcome ] }"""
FINANCIERS = """SELECT ?f WHERE { <project/tt/north-plan> gl:financier ?f }"""


def test_a_bid_makes_a_bidder_and_a_lender_is_a_financier(full, layout, tmp_path_factory):
    assert ask(full, BIDDERS) == [("org/cn/east-bank", "bid-outcome/lost")]
    assert ask(full, FINANCIERS) == [("org/cn/east-bank",)]
    cut = without(layout, tmp_path_factory, ("project/tt/north-plan", GL.hasBid, None),
                  ("project/tt/north-plan", GL.lender, None))
    assert ask(cut, BIDDERS) == [] and ask(cut, FINANCIERS) == []


PLAN_PLACES = """SELECT ?place WHERE { <project/tt/north-plan> gl:concernsPlace ?place }"""


def test_a_plan_concerns_the_places_of_its_components(full, layout, tmp_path_factory):
    assert ask(full, PLAN_PLACES) == [("https://w3id.org/goinglocal/ontology#LatinAmericaAndCaribbean",), ("place/tt",), ("place/tt/north",)]
    cut = without(layout, tmp_path_factory, ("project/tt/north-solar", GL.partOfProject, None))
    assert ask(cut, PLAN_PLACES) == [("https://w3id.org/goinglocal/ontology#LatinAmericaAndCaribbean",), ("place/tt",)]


STAKES = """SELECT ?holder ?share ?date WHERE { <project/tt/north-plan> gl:stakeholder ?holder ;
  gl:stakeTransaction ?t . ?t gl:buyer ?holder ; gl:sharePercent ?share ; gl:date ?date }"""
STAKE_PLACES = """SELECT ?place WHERE { <event/2020-east-bank-stake> gl:stakePlace ?place }"""


def test_a_stake_transaction_names_the_stakeholder_and_concerns_the_project_place(full, layout, tmp_path_factory):
    assert ask(full, STAKES) == [("org/cn/east-bank", "20", "2020")]
    assert ask(full, STAKE_PLACES) == [("place/tt",)]
    cut = without(layout, tmp_path_factory, ("event/2020-east-bank-stake", GL.stakeIn, None))
    assert ask(cut, STAKES) == [] and ask(cut, STAKE_PLACES) == []


POWER_STAKE_PLACES = """SELECT ?place WHERE { <event/2021-north-power-stake> gl:stakePlace ?place }"""


def test_a_stake_in_a_projects_operator_concerns_the_projects_place(full, layout, tmp_path_factory):
    assert ask(full, POWER_STAKE_PLACES) == [("place/tt/north",)]
    cut = without(layout, tmp_path_factory, ("project/tt/north-solar", GL.operator, None))
    assert ask(cut, POWER_STAKE_PLACES) == []


PARENT_IN_2019 = """SELECT ?parent WHERE { ?m gl:member <org/cn/east-bank> ; gl:parentOrganization ?parent ; gl:startDate ?start .
  FILTER(STR(?start) <= "2019") FILTER NOT EXISTS { ?m gl:endDate ?end FILTER(STR(?end) < "2019") }
  <org/cn/east-bank> gl:partOfOrganization ?parent }"""
PARENT_IN_2017 = PARENT_IN_2019.replace('"2019"', '"2017"')


def test_a_dated_membership_answers_who_was_the_parent_in_a_year(full, layout, tmp_path_factory):
    assert ask(full, PARENT_IN_2019) == [("org/cn/east-network",)]
    assert ask(full, PARENT_IN_2017) == []  # the bank was placed under the network in 2018
    cut = without(layout, tmp_path_factory, ("org/cn/east-bank#membership-network", GL.parentOrganization, None))
    assert ask(cut, PARENT_IN_2019) == []


HISTORY = """SELECT ?status ?date ?cause WHERE { <project/tt/north-plan> gl:statusHistory [ gl:newStatus ?status ;
  gl:date ?date ; gl:changedBy ?cause ] }"""


def test_a_status_change_records_when_and_why(full, layout, tmp_path_factory):
    assert ask(full, HISTORY) == [("status/stalled", "2019", "event/2019-east-forum")]
    cut = without(layout, tmp_path_factory, ("project/tt/north-plan", GL.statusHistory, None))
    assert ask(cut, HISTORY) == []


GIFTS = """SELECT ?item ?n ?to WHERE { ?d gl:gave ?i ; gl:recipient ?to . ?i rdfs:label ?item ; gl:quantity ?n }"""
CLAIMS = """SELECT ?kind ?n WHERE { ?c gl:about <project/tt/north-plan> ; gl:claimKind ?kind ; gl:quantity ?n }"""


def test_donated_items_and_claims_are_figures_a_query_reaches(full):
    assert ask(full, GIFTS) == [("face masks", "1000", "org/tt/north-government")]
    assert ask(full, CLAIMS) == [("claim-kind/households-served", "5000")]


SECTION = """SELECT ?node WHERE { ?node gl:evidence ?c . ?c gl:inSection/gl:sectionOf* <section/t/summary> .
  FILTER(STRSTARTS(STR(?node), "https://w3id.org/goinglocal/id/event/") && !CONTAINS(STR(?node), "#")) }"""


def test_citations_carry_their_section(full, layout, tmp_path_factory):
    assert ask(full, SECTION) == [("event/2019-east-forum",), ("event/2020-east-bank-stake",), ("event/2020-east-donation",),
                                  ("event/2021-north-power-stake",)]
    cut = without(layout, tmp_path_factory, ("source/t/fn/1", GL.inSection, None))
    assert ask(cut, SECTION) == []


VALUES = """SELECT ?value ?source ?rank WHERE { <project/tt/north-solar> gl:qualifiedValue [ gl:ofProperty gl:capacity ;
  gl:statedValue ?value ; gl:statedIn ?source ; gl:valueRank ?rank ] }"""


def test_a_value_statement_says_which_source_gives_the_value(full):
    assert ask(full, VALUES) == [("100", "source/t/fn/1", "value-rank/preferred")]


def test_every_term_of_the_qualified_module_is_used_by_the_fixture_or_derived(full, layout):
    """A new term with no example is a term no test protects."""
    module = Graph().parse(layout.ontology_dir / "qualified.ttl")
    terms = {s for s in module.subjects(RDFS.label) if str(s).startswith(str(GL))}
    _, rows = full.select("SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } }")
    used = {row["t"] for row in rows}
    # defined for authors, exercised by the repository data rather than this fixture
    elsewhere = {GL.signatory, GL.FreeTradeAgreement, GL.Review, GL.supplier, GL.investor, GL.speaker,
                 GL.hostedBy, GL.representedBody, GL.representedAt, GL.representedIn, GL.claimedBy,
                 GL.outcome, GL.unlinkedMention, GL.membershipRole, GL.organization, GL.memberOf, GL.seller}
    assert sorted(str(t) for t in terms - used - elsewhere) == []
