"""Offline reconciliation against the Wikidata tables in reference/*.csv
(ODbL; see reference/README.md). Countries by ISO 3166-1 code, first-level
units by ISO 3166-2 code or by name within their country, municipalities by
name within their unit, organizations by name or alias in organizations.csv.
What the tables cannot settle is reported as ambiguous, never guessed."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from goinglocal.errors import UnreadableInput
from goinglocal.wikidata.normalise import normalise, normalise_org

LINK_CONFIDENCE = ("high", "medium")


@dataclass
class Candidate:
    qid: str
    name: str
    note: str = ""

    def as_dict(self) -> dict:
        return {"qid": self.qid, "name": self.name, "note": self.note}


@dataclass
class Outcome:
    """What reconciliation found for one graph node."""

    node: str
    kind: str                 # Country, FirstLevelUnit, Municipality, Organization, Person
    label: str
    status: str               # linked, ambiguous, not found
    qid: str | None = None
    linked_by: str | None = None   # reference-table, endpoint, hand
    matched_on: str = ""
    row: str = ""
    confidence: str = ""
    candidates: list[Candidate] = field(default_factory=list)
    reason: str = ""
    facts: dict = field(default_factory=dict)   # lat, lon, population (from the row)

    def as_dict(self) -> dict:
        return {"node": self.node, "class": self.kind, "label": self.label, "status": self.status,
                "qid": self.qid, "linked_by": self.linked_by, "matched_on": self.matched_on,
                "row": self.row, "confidence": self.confidence, "reason": self.reason,
                "candidates": [c.as_dict() for c in self.candidates]}


def _read(path: Path) -> list[dict]:
    if not path.is_file():
        raise UnreadableInput(f"{path}: reference table missing",
                              "restore reference/ from the repository (git checkout reference/)")
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _facts(row: dict) -> dict:
    facts = {}
    try:
        float(row["latitude"]), float(row["longitude"])  # both numbers; kept as written
        facts["lat"], facts["lon"] = row["latitude"].strip(), row["longitude"].strip()
    except (KeyError, TypeError, ValueError):
        pass
    if row.get("population", "").strip().isdigit():
        facts["population"] = int(row["population"])
    return facts


class ReferenceTables:
    """The four CSV tables, indexed for look-ups."""

    def __init__(self, reference_dir: Path):
        self.dir = reference_dir
        self.countries = {r["iso2"]: r for r in _read(reference_dir / "countries.csv")}
        self.subdivisions = {r["iso3166_2"]: r for r in _read(reference_dir / "subdivisions.csv")}
        self.cities = _read(reference_dir / "cities.csv")
        self.organizations = _read(reference_dir / "organizations.csv")
        self.units_by_name: dict[tuple[str, str], list[dict]] = {}
        for row in self.subdivisions.values():
            for name in {row["name"], row["native"]}:
                if name:
                    self.units_by_name.setdefault((row["country_iso2"], normalise(name)), []).append(row)
        self._cities_by_unit: dict[str, list[dict]] = {}
        for row in self.cities:
            self._cities_by_unit.setdefault(row["subdivision_iso3166_2"], []).append(row)
        self._city_index: dict[str, dict[str, list[dict]]] = {}
        self.subdivision_qids = {r["wikidata"]: code for code, r in self.subdivisions.items() if r["wikidata"]}

    # countries -------------------------------------------------------------
    def country(self, out: Outcome, iso2: str | None) -> Outcome:
        row = self.countries.get((iso2 or "").upper())
        if not row or not row["wikidata"]:
            out.status, out.reason = "not found", f"no country {iso2!r} in countries.csv"
            return out
        return self._link(out, row["wikidata"], f"ISO 3166-1 code {row['iso2']}",
                          f"countries.csv iso2={row['iso2']}", "", _facts(row))

    # first-level units -----------------------------------------------------
    def unit(self, out: Outcome, code: str | None, country: str | None, names: list[str]) -> Outcome:
        if code and code.upper() in self.subdivisions:
            row = self.subdivisions[code.upper()]
            matched = f"ISO 3166-2 code {row['iso3166_2']}"
        else:
            rows = {r["iso3166_2"]: r for n in names for r in self.units_by_name.get((country or "", normalise(n)), [])}
            if not rows:
                out.status = "not found"
                out.reason = f"no first-level unit named {names[0]!r} in {country or '?'}" if names else "no name"
                return out
            if len(rows) > 1:
                out.status = "ambiguous"
                out.candidates = [Candidate(r["wikidata"], r["name"], r["iso3166_2"]) for r in rows.values()]
                out.reason = "several units have this name"
                return out
            row = next(iter(rows.values()))
            matched = f"name within {country}"
        status, check = row["qid_status"], row["qid_crosscheck"]
        if status == "none" or not row["wikidata"]:
            out.status, out.reason = "not found", f"{row['iso3166_2']} has no QID in subdivisions.csv"
            return out
        if status == "shared":
            others = [r for r in self.subdivisions.values() if r["wikidata"] == row["wikidata"]]
            out.status, out.reason = "ambiguous", "two subdivisions share this QID (qid_status=shared)"
            out.candidates = [Candidate(r["wikidata"], r["name"], r["iso3166_2"]) for r in others]
            return out
        note = status
        if check.startswith("naturalearth_differs:"):
            # the table's own QID is used; the disagreement is recorded for a reviewer
            note = (f"{status}; Natural Earth gives {check.split(':', 1)[1]} for this code "
                    f"(qid_crosscheck), probably another level of the same name; check")
        confidence = "high" if check == "naturalearth_agree" else "medium"
        return self._link(out, row["wikidata"], matched, f"subdivisions.csv iso3166_2={row['iso3166_2']}",
                          confidence, _facts(row), note=note)

    # municipalities --------------------------------------------------------
    def cities_named(self, unit_code: str, key: str) -> list[dict]:
        """Rows of cities.csv in a unit whose normalised name is `key` (indexed per unit on first use)."""
        if unit_code not in self._city_index:
            index: dict[str, list[dict]] = {}
            for row in self._cities_by_unit.get(unit_code, []):
                index.setdefault(normalise(row["name"]), []).append(row)
            self._city_index[unit_code] = index
        return self._city_index[unit_code].get(key, [])

    def municipality(self, out: Outcome, unit_code: str | None, names: list[str]) -> Outcome:
        if not unit_code:
            out.status, out.reason = "not found", "its first-level unit has no ISO code"
            return out
        rows: list[dict] = []
        for n in names:
            for r in self.cities_named(unit_code.upper(), normalise(n)):
                if r not in rows:
                    rows.append(r)
        if not rows:
            out.status, out.reason = "not found", f"no city of that name under {unit_code} in cities.csv"
            return out
        good = [r for r in rows if r["qid_confidence"] in LINK_CONFIDENCE]
        best = [r for r in good if r["qid_confidence"] == "high"] or good
        qids = sorted({r["wikidata"] for r in best})
        if len(qids) == 1:
            row = best[0]
            same_as = [n.split(":", 1)[1] for n in row["qid_notes"].split(";") if n.startswith("same_qid_as_subdivision:")]
            if row["qid_status"] == "same_as_subdivision" or unit_code.upper() in same_as:
                out.status = "ambiguous"
                out.reason = (f"the table gives the city the QID of its first-level unit {unit_code} "
                              f"(same_qid_as_subdivision); the unit carries that link")
                out.candidates = [Candidate(row["wikidata"], row["name"], row["qid_notes"])]
                return out
            return self._link(out, qids[0], f"name within {unit_code}",
                              f"cities.csv {unit_code} {row['name']!r} (csc_id={row['csc_id'] or '-'}, qid_status={row['qid_status']})",
                              row["qid_confidence"], _facts(row), note=row["qid_notes"])
        out.status = "ambiguous"
        if len(qids) > 1:
            out.reason = "several rows of that name with different QIDs"
            out.candidates = [Candidate(r["wikidata"], r["name"], f"{r['qid_confidence']} {r['qid_status']}") for r in best]
        else:
            out.reason = "only low-confidence rows (shared or same_as_subdivision QIDs); not linked without a second signal"
            out.candidates = [Candidate(r["wikidata"], r["name"], f"{r['qid_status']} {r['qid_notes']}".strip()) for r in rows]
        return out

    # organizations ---------------------------------------------------------
    def organization(self, out: Outcome, names: list[str]) -> Outcome:
        keys = {normalise_org(n) for n in names if n}
        rows = [r for r in self.organizations if normalise_org(r["name"]) in keys]
        if not rows:
            out.status, out.reason = "not found", "not in organizations.csv"
            return out
        if len({r["wikidata"] for r in rows}) > 1:
            out.status, out.reason = "ambiguous", "several rows of organizations.csv match"
            out.candidates = [Candidate(r["wikidata"], r["name"], r["note"]) for r in rows]
            return out
        row = rows[0]
        return self._link(out, row["wikidata"], "name", f"organizations.csv name={row['name']!r}", "", {},
                          note=row["note"])

    @staticmethod
    def _link(out: Outcome, qid: str, matched: str, row: str, confidence: str, facts: dict,
              note: str = "") -> Outcome:
        out.status, out.qid, out.linked_by = "linked", qid, "reference-table"
        out.matched_on, out.row, out.confidence, out.facts = matched, row, confidence, facts
        out.reason = note
        return out
