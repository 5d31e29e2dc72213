"""`goinglocal why`: the derivations it shows, on the real graph. Each case
asserts the exact rules applied and the exact asserted triples they rest on;
one test checks every triple of every derivation shown here against owlrl's
closure (the reference reasoner) of the ontology and the derivations' leaves."""

from __future__ import annotations

import json

import pytest
from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL

from goinglocal import answers
from goinglocal.errors import TermError
from goinglocal.namespaces import ID_BASE as ID
from goinglocal.questions import find_question, load_questions
from goinglocal.load import load_ontology
from goinglocal.reason import closure_for, owlrl_closure
from goinglocal.store import from_ox
from goinglocal.derivations import Step
from goinglocal.why import Why, explain_row, row_text

ROLL_UP = ("agreement/cochabamba-huawei-2016-strategic-cooperation", "gl:concernsPlace", "Bolivia")
CITY_VISIT = ("event/2006-12-chen-duqing-stop-in-itajai", "gl:concernsPlace", "place/br")
ACTIVE_IN = ("Yang Wanming", "gl:activeIn", "place/br")
INVERSE = ("Eric Xing", "gl:participatedIn", "event/2016-01-zte-meeting-with-morales")
CHINESE_ACTOR = ("China Eximbank", "a", "gl:ChineseActor")
ENERGY_PROJECT = ("Cauchari solar project", "a", "gl:EnergyProject")
# (question, parameters, the row to explain: a column and its label)
ROWS = [("place-engagements", {"place": "Jujuy"}, ("engagement_iri", ID + "event/2016-01-zte-meeting-with-morales")),
        ("actor-places", {"actor": "Yang Wanming"}, ("place", "Brazil")),
        ("place-chinese-actors", {"place": "Jujuy"}, ("actor", "China Eximbank"))]


@pytest.fixture(scope="module")
def why(layout) -> Why:
    return Why.for_layout(layout)


def _explain(why: Why, terms: tuple[str, str, str]) -> Step:
    explanation = why.explain(why.resolve(*terms))
    assert explanation.holds
    return explanation.step


def _texts(why: Why, triples) -> list[str]:
    return [why.describe.triple(t) for t in triples]


def _assert_axiom_written(why: Why, layout, step: Step, text: str, module: str) -> None:
    """The rule's axiom is shown as `text`, located on a line of `module` that writes it."""
    shown = {why.describe.axiom(a): why.sources.locate(a) for a in step.axioms}
    assert text in shown, shown
    path, line = shown[text].rsplit(":", 1)
    assert path == module
    written = (layout.root / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
    assert text.split()[-1].strip("])") in written, written


def test_the_derivation_closure_is_the_reasoners_closure(why, layout):
    closure = closure_for(layout, reasoner="rules")
    assert len(why.derivations.rank) == closure.inferred_triples
    assert why.derivations.rounds >= 5


def test_a_city_governments_agreement_rolls_up_to_its_country(why, layout):
    step = _explain(why, ROLL_UP)
    assert step.rules() == ["prp-spo2 chain of gl:concernsPlace", "prp-spo1",
                            "prp-spo2 chain of gl:partyHomePlace", "prp-trp"]
    assert _texts(why, step.leaves()) == [
        "<agreement/cochabamba-huawei-2016-strategic-cooperation> gl:hasParty <org/bo/cochabamba-government>",
        "<org/bo/cochabamba-government> gl:homePlace <place/bo/cochabamba/cochabamba>",
        "<place/bo/cochabamba/cochabamba> gl:locatedIn <place/bo/cochabamba>",
        "<place/bo/cochabamba> gl:locatedIn <place/bo>",
    ]
    _assert_axiom_written(why, layout, step, "gl:concernsPlace owl:propertyChainAxiom ( gl:concernsPlace gl:locatedIn )",
                          "ontology/core.ttl")
    trp = step.premises[1]
    assert trp.rule.title == "prp-trp"
    _assert_axiom_written(why, layout, trp, "gl:locatedIn a owl:TransitiveProperty", "ontology/places.ttl")


def test_an_engagement_held_in_a_city_concerns_its_country(why):
    step = _explain(why, CITY_VISIT)
    assert step.rank == 3
    assert step.rules() == ["prp-spo1", "prp-spo2 chain of gl:eventPlace", "prp-trp"]
    assert _texts(why, step.leaves()) == [
        "<event/2006-12-chen-duqing-stop-in-itajai> gl:heldIn <place/br/santa-catarina/itajai>",
        "<place/br/santa-catarina/itajai> gl:locatedIn <place/br/santa-catarina>",
        "<place/br/santa-catarina> gl:locatedIn <place/br>",
    ]


def test_active_in_comes_from_its_property_chain(why, layout):
    step = _explain(why, ACTIVE_IN)
    assert step.rules() == ["prp-spo2 chain of gl:activeIn", "prp-inv1", "prp-spo1"]
    assert _texts(why, step.leaves()) == [
        "<event/2019-08-yang-wanming-meets-minas-gerais-development-bank> gl:ledBy <person/yang-wanming>",
        "<event/2019-08-yang-wanming-meets-minas-gerais-development-bank> gl:heldIn <place/br>",
    ]
    _assert_axiom_written(why, layout, step, "gl:activeIn owl:propertyChainAxiom ( gl:participatedIn gl:eventPlace )",
                          "ontology/engagements.ttl")


def test_participated_in_is_the_inverse_of_has_participant(why, layout):
    step = _explain(why, INVERSE)
    assert step.rules() == ["prp-inv1"]
    assert _texts(why, step.leaves()) == [
        "<event/2016-01-zte-meeting-with-morales> gl:hasParticipant <person/eric-xing>"]
    _assert_axiom_written(why, layout, step, "gl:hasParticipant owl:inverseOf gl:participatedIn", "ontology/engagements.ttl")
    citations = why.sources.citations(step.leaves()[0][0])
    assert [c.label for c in citations] == ["Myers 2020, Jujuy case study, third paragraph"]


def test_a_chinese_actor_is_classified_from_its_home_place(why, layout):
    step = _explain(why, CHINESE_ACTOR)
    assert step.rules() == ["cax-sco", "cls-svf1", "scm-eqc/2", "cls-hv2"]
    assert _texts(why, step.leaves()) == ["<org/cn/china-eximbank> gl:homePlace <place/cn>",
                                          "<place/cn> gl:locatedIn gl:ChinaRegion"]
    _assert_axiom_written(why, layout, step, "[gl:homePlace some gl:ChineseLocality] rdfs:subClassOf gl:ChineseActor",
                          "ontology/actors.ttl")


def test_a_solar_project_is_an_energy_project_by_subclass(why, layout):
    step = _explain(why, ENERGY_PROJECT)
    assert step.rules() == ["cax-sco"]
    assert _texts(why, step.leaves()) == ["<project/ar/cauchari-solar> a gl:SolarProject"]
    _assert_axiom_written(why, layout, step, "gl:SolarProject rdfs:subClassOf gl:EnergyProject", "ontology/projects.ttl")


def test_an_asserted_triple_is_shown_with_its_file_and_citation(why, layout):
    explanation = why.explain(why.resolve("place/ar/jujuy", "gl:locatedIn", "place/ar"))
    assert explanation.step.asserted
    path, line = why.sources.locate(explanation.triple).rsplit(":", 1)
    assert path == "instances/places/ar.ttl"
    assert "gl:locatedIn <place/ar>" in (layout.root / path).read_text().splitlines()[int(line) - 1]
    assert [c.label for c in why.sources.citations(explanation.triple[0])] == ["reference table of first-level units"]


def test_a_triple_outside_the_closure_gets_the_closest_triples(why):
    explanation = why.explain(why.resolve("place/ar", "gl:locatedIn", "place/ar/jujuy"))
    assert not explanation.holds
    assert _texts(why, explanation.suggestions)[0] == "<place/ar/jujuy> gl:locatedIn <place/ar>"


@pytest.mark.parametrize("text, words", [
    ("Coquimbo", ["ambiguous", "place/cl/coquimbo>", "place/cl/coquimbo/coquimbo>"]),
    ("Jujuyy", ["nothing in the graph has that label", "Jujuy"]),
    ("place/ar/jujuyy", ["no node", "<place/ar/jujuy>"]),
])
def test_unknown_and_ambiguous_terms_are_refused_with_candidates(why, text, words):
    with pytest.raises(TermError) as error:
        why.resolve(text, "gl:locatedIn", "place/ar")
    assert error.value.exit_code == 2
    assert all(w in str(error.value) for w in words), str(error.value)


def _row_number(why: Why, name: str, params: dict[str, str], column: str, value: str) -> int:
    """The number `ask` gives the row whose column has this value (rows move as data is added)."""
    question = find_question(load_questions(why.layout), name)
    answer = answers.run(why.kg, question, params)
    _, records = answers.records(why.kg, answer)
    return next(i for i, record in enumerate(records, 1) if record[column] == value)


def _rows(why):
    return {name: explain_row(why, name, params, _row_number(why, name, params, *row)) for name, params, row in ROWS}


def test_why_question_explains_the_inferred_triples_of_a_row(why):
    rows = _rows(why)
    engagements = rows["place-engagements"]
    assert engagements.binding["engagement"].value.endswith("event/2016-01-zte-meeting-with-morales")
    assert [why.describe.triple(s.triple) for s in engagements.inferred] == [
        "<event/2016-01-zte-meeting-with-morales> gl:concernsPlace <place/ar/jujuy>",
        "<event/2016-01-zte-meeting-with-morales> a gl:Engagement"]
    assert engagements.inferred[0].rules() == ["prp-spo1", "prp-spo2 chain of gl:participantHomePlace"]
    assert _texts(why, engagements.inferred[0].leaves()) == [
        "<event/2016-01-zte-meeting-with-morales> gl:hasParticipant <org/ar/jujuy-government>",
        "<org/ar/jujuy-government> gl:homePlace <place/ar/jujuy>"]

    places = rows["actor-places"]
    assert places.row["place"] == "Brazil"
    assert places.inferred[0].rules() == ["prp-spo2 chain of gl:activeIn", "prp-inv1", "prp-spo1"]

    actors = rows["place-chinese-actors"]
    assert actors.row["actor"] == "China Eximbank"
    assert sorted(r for s in actors.inferred for r in s.rules()) == sorted(
        ["prp-spo1", "prp-spo2 chain of gl:partyHomePlace", "cax-sco", "cls-svf1", "scm-eqc/2", "cls-hv2"])
    text = row_text(why, actors)
    assert "<agreement/eximbank-jujuy-2017-cauchari-loan> gl:hasParty <org/ar/jujuy-government>  asserted" in text
    assert "by cls-svf1: [gl:homePlace some gl:ChineseLocality]  [ontology/actors.ttl:" in text
    assert "cited: Myers 2020, footnote 120" in text


def test_why_question_refuses_a_row_that_does_not_exist(why):
    with pytest.raises(TermError, match=r"--row 999: the answer of 'actor-places' has \d+ row"):
        explain_row(why, "actor-places", {}, 999)


def test_why_on_the_command_line_as_text_and_json(cli, why):
    text = cli("why", *ROLL_UP)
    assert text.returncode == 0, text.stderr
    assert "by prp-spo2 chain of gl:concernsPlace: gl:concernsPlace owl:propertyChainAxiom ( gl:concernsPlace gl:locatedIn )  [ontology/core.ttl:" in text.stdout
    assert "└─ <place/bo/cochabamba> gl:locatedIn <place/bo>  asserted  [instances/places/bo.ttl:" in text.stdout
    row = _row_number(why, "actor-places", {"actor": "Yang Wanming"}, "place", "Brazil")
    result = cli("why", "--question", "actor-places", "--param", "actor=Yang Wanming", "--row", str(row), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["row"]["place"] == "Brazil"
    assert data["inferred"][0]["rules"] == ["prp-spo2 chain of gl:activeIn", "prp-inv1", "prp-spo1"]
    assert data["inferred"][0]["derivation"]["axioms"][0]["location"].startswith("ontology/engagements.ttl:")


# --------------------------------------------------------------------------
# every triple of every derivation shown above holds in owlrl's closure
# --------------------------------------------------------------------------
# owlrl runs on the ontology plus the asserted triples the derivations rest
# on, not on the whole graph: the check is stronger (each derivation follows
# from its own leaves) and, OWL 2 RL being monotone, whatever holds there
# holds in owlrl's closure of the whole graph; and it takes seconds, not a minute.

def _canonical_rdflib(graph: Graph, term):
    """A blank node as what it describes (a restriction or a list), so that
    triples of two stores with different blank node labels can be compared."""
    if isinstance(term, Literal):
        return str(term)
    if not isinstance(term, BNode):
        return str(term)
    prop = graph.value(term, OWL.onProperty)
    for key in (OWL.someValuesFrom, OWL.hasValue):
        if prop is not None and (value := graph.value(term, key)) is not None:
            return ("restriction", str(prop), str(key), str(value))
    return ("list", *map(str, graph.items(term)))


def _canonical_ox(why: Why, term):
    import pyoxigraph as ox
    if isinstance(term, ox.BlankNode):
        if (r := why.describe.restriction(term)) is not None:
            key = str(OWL.someValuesFrom) if r[1] == "some" else str(OWL.hasValue)
            return ("restriction", r[0].value, key, r[2].value)
        return ("list", *(t.value for t in why.describe.list_items(term)))
    return term.value


def _all_steps(step: Step):
    yield step
    for premise in step.premises:
        yield from _all_steps(premise)


def test_every_derivation_shown_holds_in_owlrls_closure(why, layout):
    steps = [_explain(why, terms) for terms in (ROLL_UP, CITY_VISIT, ACTIVE_IN, INVERSE, CHINESE_ACTOR, ENERGY_PROJECT)]
    steps += [s for row in _rows(why).values() for s in row.inferred]
    asserted = load_ontology(layout)
    for step in steps:
        for triple in step.leaves():
            asserted.add(tuple(from_ox(t) for t in triple))
    closure, errors = owlrl_closure(asserted)
    assert errors == []
    owlrl_triples = {tuple(_canonical_rdflib(closure, t) for t in triple) for triple in closure}
    ar, jujuy = "https://w3id.org/goinglocal/id/place/ar", "https://w3id.org/goinglocal/id/place/ar/jujuy"
    located_in = "https://w3id.org/goinglocal/ontology#locatedIn"
    assert (ar, located_in, jujuy) not in owlrl_triples  # the comparison can fail
    checked = 0
    for root in steps:
        for step in _all_steps(root):
            for triple in [step.triple, *step.axioms]:
                assert tuple(_canonical_ox(why, t) for t in triple) in owlrl_triples, why.describe.triple(triple)
                checked += 1
    assert checked > 60
