"""The mention check finds names of graph entities in notes that no triple
backs, and the repository keeps such facts-in-prose under 5%."""

from __future__ import annotations

from pathlib import Path

import pytest

from goinglocal.load import load_dataset
from goinglocal.mentions import find_mentions, fold
from goinglocal.namespaces import ID
from goinglocal.reason import compute
from goinglocal.store import KnowledgeGraph

BASE = Path(__file__).parent / "shape_cases" / "_base.ttl"
NOTES = """@base <https://w3id.org/goinglocal/id/> .
@prefix gl:   <https://w3id.org/goinglocal/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<org/tt/north-power> rdfs:comment "Sold a share to East Bank; talks with the East government went nowhere."@en ;
    gl:editorialNote "The Testland source also names the East forum 2019."@en ;
    gl:unlinkedMention "East government" .
<org/cn/east-government> gl:editorialNote "Gave masks to the North government in 2020."@en .
<org/cn/east-bank> gl:editorialNote "Shares its home province with the East government."@en .
"""


@pytest.fixture(scope="module")
def report(layout, tmp_path_factory):
    extra = tmp_path_factory.mktemp("notes") / "notes.ttl"
    extra.write_text(NOTES)
    kg = KnowledgeGraph(compute(load_dataset(layout, extra=[BASE, extra], include_repository=False)))
    return find_mentions(kg)


def test_names_are_folded_for_accents_case_and_punctuation():
    assert fold("Bío-Bío, Región") == "bio bio region"


def test_a_name_in_a_note_with_no_linking_triple_is_reported(report):
    found = {(str(m.node).replace(str(ID), ""), m.name, m.acknowledged) for m in report.mentions}
    # nothing links North Power to the forum (only a status change of a plan it has no part in cites it): reported
    assert ("org/tt/north-power", "east forum 2019", False) in found
    # the East government mention is acknowledged by the editor
    assert ("org/tt/north-power", "east government", True) in found


def test_a_name_linked_by_a_triple_is_not_reported(report):
    # East bank bought into North Power (a stake transaction): linked through the qualified node
    names = {m.name for m in report.mentions if str(m.node).endswith("org/tt/north-power")}
    assert "east bank" not in names
    # north power's east bank, east government, east forum 2019, Testland (its home country);
    # east government's north government; east bank's east government
    assert report.total == 6


def test_a_name_linked_through_an_engagement_both_take_part_in_is_not_reported(report):
    # the donation (an engagement) has the East government as donor and the North government as recipient
    assert not [m for m in report.mentions if str(m.node).endswith("org/cn/east-government")]


def test_sharing_a_place_does_not_link_two_actors(report):
    # the East bank and the East government are both at home in East province, and nothing else links them
    found = [(m.name, str(m.target), m.acknowledged) for m in report.mentions if str(m.node).endswith("org/cn/east-bank")]
    assert found == [("east government", str(ID) + "org/cn/east-government", False)]


def test_repository_keeps_facts_in_prose_under_five_percent_each_justified(kg):
    result = find_mentions(kg)
    assert [f"{m.node} '{m.name}'" for m in result.open] == []
    assert result.share < 0.05, result.headline()


def test_names_are_found_as_the_longest_first_alternation_finds_them():
    import random
    import re
    from goinglocal.mentions import NameFinder
    names = ["xi'an", "china's", "san juan", "san juan de dios", "juan", "dios", "chile", "chilecito", "'s ho", "ho chi"]
    regex = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(names, key=len, reverse=True)) + r")\b")
    find = NameFinder(names)
    words = ["san", "juan", "de", "dios", "xi'an", "china's", "chile", "chilecito", "'s", "ho", "chi", "x", "s"]
    rng = random.Random(7)
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 12))) for _ in range(300)]
    texts += ["san juan de dios", "chilecito chile", "xi'an's", "ho chi minh"]
    for text in texts:
        assert list(find(text)) == [m.group(1) for m in regex.finditer(text)], text
