"""search finds entities whatever the accents, case and spacing; ask
parameters resolve the same way; profile gathers an entity's facts, roles,
what happened inside it, figures and citations."""

from __future__ import annotations

import json

import pytest

from goinglocal import answers
from goinglocal.errors import ParameterError
from goinglocal.profile import entity_profile, entity_profiles, to_markdown, to_table
from goinglocal.questions import load_questions
from goinglocal.search import index_entries, normalise, resolve_entity, search
from goinglocal.site.data import entities

ID = "https://w3id.org/goinglocal/id/"


def test_normalise_drops_accents_case_and_punctuation():
    assert normalise("Bío-Bío") == "bio bio"
    assert normalise("  São   Paulo ") == "sao paulo"
    assert normalise("Côte d'Ivoire") == "cote d ivoire"


@pytest.mark.parametrize("text", ["Bio Bio", "Biobío", "Bío Bío", "BIOBIO", "bio-bio"])
def test_every_spelling_of_biobio_finds_the_region_first(kg, text):
    found = search(kg, text)
    assert found[0]["iri"] == ID + "place/cl/biobio"
    assert found[0]["match"] == "exact"
    assert found[0]["country"] == "Chile"


def test_sao_paulo_without_accent_finds_state_and_city(kg):
    found = [e["iri"] for e in search(kg, "Sao Paulo", type="Locality")]
    assert found == [ID + "place/br/sao-paulo", ID + "place/br/sao-paulo/sao-paulo"]


def test_exact_matches_rank_before_prefix_and_substring(kg):
    ranks = [e["match"] for e in search(kg, "jujuy")]
    assert ranks[0] == "exact" and ranks == sorted(ranks, key=("exact", "prefix", "word", "substring").index)


def test_type_filter_takes_subclasses_and_names_unknown_classes(kg):
    assert {e["iri"] for e in search(kg, "jujuy", type="Province")} == {ID + "place/ar/jujuy"}
    with pytest.raises(ParameterError, match="no class"):
        search(kg, "jujuy", type="Provinc")


def test_index_entries_are_json_and_carry_types_and_country(kg):
    entries = index_entries(kg)
    json.dumps(entries)
    zte = next(e for e in entries if e["iri"] == ID + "org/cn/zte")
    assert zte["country"] == "China" and [t["label"] for t in zte["types"]] == ["company"]
    assert "zte" in zte["keys"]


@pytest.mark.parametrize("spelling", ["Bío Bío", "Bio Bio", "biobio"])
def test_ask_parameters_resolve_accent_insensitively(kg, spelling):
    q = load_questions_cached(kg)["place-engagements"]
    assert answers.resolve(kg, q, {"place": spelling})["place"] == answers.URIRef(ID + "place/cl/biobio")


def load_questions_cached(kg, _cache={}):
    if not _cache:
        from goinglocal.paths import Layout
        from pathlib import Path
        _cache.update(load_questions(Layout(Path(__file__).resolve().parents[1])))
    return _cache


def test_resolve_entity_refuses_ambiguous_labels_with_candidates(kg):
    with pytest.raises(ParameterError) as err:
        resolve_entity(kg, "Sao Paulo")
    assert "place/br/sao-paulo>" in str(err.value) and "place/br/sao-paulo/sao-paulo>" in str(err.value)
    assert resolve_entity(kg, "place/ar/jujuy") == ID + "place/ar/jujuy"
    with pytest.raises(ParameterError, match="nothing is labelled"):
        resolve_entity(kg, "Atlantis")


@pytest.fixture(scope="module")
def jujuy(kg):
    return entity_profile(kg, ID + "place/ar/jujuy")


@pytest.fixture(scope="module")
def morales(kg):
    return entity_profile(kg, ID + "person/gerardo-morales")


def test_profile_is_json_serialisable_with_the_promised_keys(jujuy):
    assert set(jujuy) >= {"iri", "label", "alt_labels", "types", "description", "wikidata", "facts", "roles",
                          "inside", "figures", "citations"}
    json.dumps(jujuy)
    assert jujuy["wikidata"] == ["http://www.wikidata.org/entity/Q44764"]


def test_place_profile_lists_what_happened_inside_through_the_closure(jujuy):
    inside = {r["node_iri"]: r for r in jujuy["inside"]}
    # held in Jujuy: direct
    assert inside[ID + "event/2017-11-guizhou-delegation-to-jujuy"]["inferred"] is False
    # sited in La Quiaca, a city inside Jujuy: found through locatedIn
    rail = inside[ID + "project/ar/jujuy-la-quiaca-railway"]
    assert rail["inferred"] is True and rail["through"][0]["place"] == "La Quiaca"
    # held in China, but the governor from Jujuy took part
    trip = inside[ID + "event/2018-05-morales-visit-to-guizhou"]
    assert any(t["actor"] == "Gerardo Morales" for t in trip["through"])


def test_person_profile_lists_roles_by_year_most_specific_first(morales):
    roles = [(r["year"], r["role_label"], r["node_iri"].rsplit("/", 1)[-1]) for r in morales["roles"]]
    assert ("2018", "led by", "2018-05-morales-visit-to-guizhou") in roles
    assert ("2018", "has participant", "2018-05-morales-visit-to-guizhou") not in roles
    assert roles[0] == ("2015", "holder", "governor-jujuy-2015")
    assert [r[0] for r in roles] == sorted(r[0] for r in roles)


def test_every_line_of_a_profile_cites_and_citations_are_listed(jujuy, morales):
    for profile in (jujuy, morales):
        listed = {c["iri"] for c in profile["citations"]}
        for section in ("facts", "roles", "inside", "figures"):
            for row in profile[section]:
                assert row["citations"], (section, row)
                assert {c["iri"] for c in row["citations"]} <= listed
    fn117 = next(c for c in jujuy["citations"] if c["iri"].endswith("myers-2020/fn/117"))
    assert fn117["footnote"] == 117 and fn117["url"].startswith("https://www.jujuyaldia.com.ar/")


def test_inferred_facts_cite_the_events_behind_them(morales):
    guizhou = next(f for f in morales["facts"] if f["property_label"] == "active in" and f["value"] == "Guizhou")
    assert guizhou["inferred"] is True
    assert [c["iri"] for c in guizhou["citations"]] == [ID + "source/myers-2020/fn/125"]


def test_profile_figures_and_renderings(jujuy):
    assert {f["unit"] for f in jujuy["figures"]} >= {"trips", "visits"}
    assert "## inside" in to_table(jujuy) and "| year | what |" in to_markdown(jujuy)


def test_unknown_iri_is_refused(kg):
    with pytest.raises(ParameterError, match="no node"):
        entity_profile(kg, ID + "place/ar/atlantis")


def test_site_batch_profiles_equal_the_cli_profile_of_every_entity(kg):
    """The site profiles all entities from one run of each query; the CLI
    binds the queries to one entity. Both must give the same dictionary."""
    iris = entities(kg)
    batch = dict(entity_profiles(kg, iris))
    assert list(batch) == iris
    assert [iri for iri in iris if batch[iri] != entity_profile(kg, iri)] == []


def test_search_and_profile_commands(cli):
    out = cli("search", "Bío Bío", "--type", "Region")
    assert out.returncode == 0 and "place/cl/biobio" in out.stdout and "(1 row)" in out.stdout
    out = cli("profile", "Sao Paulo")
    assert out.returncode == 2 and "ambiguous" in out.stderr and "Traceback" not in out.stderr
    out = cli("profile", "place/cl/biobio", "--format", "json")
    assert out.returncode == 0 and json.loads(out.stdout)["label"] == "Biobío"


def test_table_width_cuts_at_n_and_zero_never_cuts():
    long = "x" * 80
    assert "x" * 59 + "…" in answers.to_table(["a"], [{"a": long}])
    assert "x" * 19 + "…" in answers.to_table(["a"], [{"a": long}], max_width=20)
    assert long in answers.to_table(["a"], [{"a": long}], max_width=0)


def test_inferred_located_in_cites_the_place_not_the_projects_in_it(kg):
    quiaca = entity_profile(kg, ID + "place/ar/jujuy/la-quiaca")
    argentina = next(f for f in quiaca["facts"] if f["property_label"] == "located in" and f["value"] == "Argentina")
    assert argentina["inferred"] is True
    assert [c["iri"] for c in argentina["citations"]] == [ID + "source/reference-places/cities"]
