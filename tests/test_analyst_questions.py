"""The questions analysts ask next: filters narrow list answers and their
defaults keep every row; set questions are asymmetric where they should be;
partners are found from either side; footprints and office meetings follow
posts and places; counts treat a sub-event as its larger event."""

from __future__ import annotations

import csv
import io

import pytest

from goinglocal import answers
from goinglocal.errors import ParameterError
from goinglocal.paths import Layout
from goinglocal.questions import load_questions

from conftest import ROOT


@pytest.fixture(scope="module")
def questions():
    return load_questions(Layout(ROOT))


def rows(kg, questions, name, **params):
    columns, found = answers.records(kg, answers.run(kg, questions[name], params))
    return found


def test_year_range_narrows_and_drops_undated(kg, questions):
    every = rows(kg, questions, "engagement-list")
    ranged = rows(kg, questions, "engagement-list", **{"from": "2017", "to": "2018"})
    assert 0 < len(ranged) < len(every)
    assert all("2017" <= r["date"][:4] <= "2018" for r in ranged)
    assert any(r["date"] == "" for r in every)


def test_kind_filters_take_labels_or_prefixed_classes_and_subclasses(kg, questions):
    by_label = rows(kg, questions, "place-engagements", place="Argentina", type="delegation")
    by_iri = rows(kg, questions, "place-engagements", place="Argentina", type="gl:Delegation")
    assert by_label == by_iri and by_label
    assert {r["kind"] for r in by_label} <= {"delegation", "trade mission"}


def test_filter_defaults_keep_the_unfiltered_answer(kg, questions):
    explicit = rows(kg, questions, "place-agreements", place="Jujuy", type="agreement")
    assert explicit == rows(kg, questions, "place-agreements", place="Jujuy")


def test_actor_kind_filter_on_agreements(kg, questions):
    banks = rows(kg, questions, "agreement-list", partyType="bank")
    assert [r["agreement"] for r in banks] == ["China Development Bank oil-backed loans to Venezuela",
                                               "China Eximbank loan to Jujuy for the Cauchari solar project",
                                               "InvestSP-Bank of China MOU"]


def test_unknown_filter_class_is_refused(kg, questions):
    with pytest.raises(ParameterError, match="nothing of type"):
        rows(kg, questions, "engagement-list", type="delegashun")


def test_partnership_levels_compared_is_a_set_difference(kg, questions):
    ar_not_uy = [r["level"] for r in rows(kg, questions, "partnership-levels-compared", country="Argentina", other="Uruguay")]
    uy_not_ar = rows(kg, questions, "partnership-levels-compared", country="Uruguay", other="Argentina")
    assert ar_not_uy == ["comprehensive strategic partnership"] and uy_not_ar == []
    none = rows(kg, questions, "partnership-levels-compared", country="Brazil", other="Panama")
    assert {r["otherLevels"] for r in none} == {"none"} and len(none) == 2


def test_place_partners_work_from_both_sides(kg, questions):
    jujuy = rows(kg, questions, "place-partners", place="Jujuy")
    guizhou = rows(kg, questions, "place-partners", place="Guizhou")
    assert ("Guizhou", "twinning") in {(r["counterpart"], r["how"]) for r in jujuy}
    assert ("Jujuy", "twinning") in {(r["counterpart"], r["how"]) for r in guizhou}
    # an agreement signed by the province's government, not the province, still counts
    assert ("ZTE", "agreement") in {(r["counterpart"], r["how"]) for r in jujuy}
    assert all(r["counterpartHome"] in {"Jujuy"} for r in guizhou)


def test_actor_footprint_reaches_counterparts_home_when_host_is_a_country(kg, questions):
    found = {(r["place"], r["how"]) for r in rows(kg, questions, "actor-footprint")}
    assert ("Minas Gerais", "met counterparts from there") in found
    assert ("Jujuy", "engagement held there") in found
    assert ("Argentina", "post held for it") in found


def test_office_meetings_use_the_post_valid_at_the_meeting(kg, questions):
    found = rows(kg, questions, "officials-meetings-by-office", country="Mexico", **{"from": "2019"})
    assert [(r["chineseOfficial"], r["lacOfficial"], r["lacOffice"]) for r in found] == [
        ("Zhu Qingqiao", "José Rosas Aispuro", "governor, Government of Durango")]


def test_sub_events_count_as_their_larger_event(kg, questions):
    units = {r["unit"]: int(r["engagements"]) for r in rows(kg, questions, "embassy-visits-to-provinces")}
    assert units["Santa Catarina"] == 1  # one visit with three stops


def test_banks_are_lenders_not_companies(kg, questions):
    kinds = {r["kind"]: int(r["actors"]) for r in rows(kg, questions, "chinese-actors-by-kind")}
    assert kinds["bank"] == 3
    companies = {r["company"] for r in rows(kg, questions, "chinese-companies-and-lac-local-governments")}
    assert "China Eximbank" not in companies
    lenders = {r["lender"] for r in rows(kg, questions, "chinese-lenders-to-lac-governments")}
    assert lenders == {"China Eximbank", "China Development Bank"}


def test_section_contents_roll_up_subsections(kg, questions):
    whole = rows(kg, questions, "section-contents", type="engagement")
    chile = rows(kg, questions, "section-contents", section="Appendix A: Chile", type="engagement")
    assert 0 < len(chile) < len(whole)
    assert {r["subsections"] for r in chile} == {"Appendix A: Chile"}
