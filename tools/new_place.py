"""Add a place to instances/places/<cc>.ttl from the copied reference tables.

A contributor's helper: it mints the IRI by the documented rule, takes the
name, ISO code and parent from reference/*.csv, and appends the node to the
country's file, unless a node with that IRI is already there.

    python tools/new_place.py countries                 # (re)write every country file header
    python tools/new_place.py unit AR-Y                  # first-level unit by ISO 3166-2 code
    python tools/new_place.py city AR-Y "San Salvador de Jujuy"
    python tools/new_place.py city CN-GZ Guiyang --type gl:Municipality
    python tools/new_place.py city CL-CO "La Serena" --evidence source/myers-2020/fn/140   # not in the table

Cities absent from the reference table need --evidence (a citation IRI,
relative to https://w3id.org/goinglocal/id/) so the place still cites a source.
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "reference"
PLACES = ROOT / "instances" / "places"
UNIT_CLASS = {
    "province": "gl:Province", "state": "gl:State", "region": "gl:Region",
    "department": "gl:Department", "autonomous region": "gl:AutonomousRegion",
    "municipality": "gl:ProvincialMunicipality", "city": "gl:ProvincialMunicipality",
    "capital district": "gl:ProvincialMunicipality", "federal district": "gl:ProvincialMunicipality",
    "special administrative region": "gl:SpecialZone",
}
HEADER = """# Places in {name}: the country, the first-level units and the municipalities
# the sources mention. IRIs follow place/<iso2>[/<unit>[/<municipality>]].
# Add a place with tools/new_place.py so names and ISO codes come from reference/.
@base <https://w3id.org/goinglocal/id/> .
@prefix gl:   <https://w3id.org/goinglocal/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

"""


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def rows(name: str) -> list[dict]:
    with open(REF / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def country_row(iso2: str) -> dict:
    for row in rows("countries.csv"):
        if row["iso2"] == iso2.upper():
            return row
    sys.exit(f"no country {iso2} in reference/countries.csv")


def unit_row(code: str) -> dict:
    for row in rows("subdivisions.csv"):
        if row["iso3166_2"] == code.upper():
            return row
    sys.exit(f"no first-level unit {code} in reference/subdivisions.csv")


def unit_iri(code: str) -> str:
    row = unit_row(code)
    return f"place/{row['country_iso2'].lower()}/{slug(row['name'])}"


def append(iso2: str, iri: str, block: str) -> None:
    path = PLACES / f"{iso2.lower()}.ttl"
    with open(path, "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        if f"<{iri}> a " in fh.read():
            print(f"exists: <{iri}> in {path.relative_to(ROOT)}")
            return
        fh.write(block)
    print(f"added: <{iri}> to {path.relative_to(ROOT)}")


def lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_countries() -> None:
    PLACES.mkdir(parents=True, exist_ok=True)
    for row in rows("countries.csv"):
        if row["group"] not in ("LAC", "china", "taiwan"):
            continue
        iso2 = row["iso2"].lower()
        path = PLACES / f"{iso2}.ttl"
        if path.exists():
            continue
        lines = [f"<place/{iso2}> a gl:Country ;", f"    rdfs:label {lit(row['name'])}@en ;"]
        if row["native"] and row["native"] != row["name"]:
            lines.append(f"    skos:altLabel {lit(row['native'])} ;")
        lines.append(f'    gl:isoCode "{row["iso2"]}" ;')
        if row["group"] == "LAC":
            lines.append("    gl:locatedIn gl:LatinAmericaAndCaribbean ;")
        elif row["group"] == "china":
            lines.append("    gl:locatedIn gl:ChinaRegion ;")
        else:
            lines.append('    gl:editorialNote "Listed as a country, as the reference tables and Wikidata list it; the graph places it in neither macro-region, so it is neither a Chinese nor a LAC locality. The PRC-or-Taiwan question is recorded as diplomatic recognition, not as geography."@en ;')
        lines.append("    gl:evidence <source/reference-places/countries> .\n\n")
        path.write_text(HEADER.format(name=row["name"]) + "\n".join(lines), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


def add_unit(code: str) -> None:
    row = unit_row(code)
    iso2 = row["country_iso2"].lower()
    iri = unit_iri(code)
    cls = UNIT_CLASS.get(row["type"], "gl:FirstLevelUnit")
    lines = [f"<{iri}> a {cls} ;", f"    rdfs:label {lit(row['name'])}@en ;"]
    if row["native"] and row["native"] != row["name"]:
        lines.append(f"    skos:altLabel {lit(row['native'])} ;")
    lines += [f'    gl:isoCode "{row["iso3166_2"]}" ;', f"    gl:locatedIn <place/{iso2}> ;",
              "    gl:evidence <source/reference-places/subdivisions> .\n\n"]
    append(iso2, iri, "\n".join(lines))


def norm(text: str) -> str:
    return slug(text).replace("-", " ")


def add_city(code: str, name: str, cls: str, evidence: str | None, label: str | None) -> None:
    parent = unit_iri(code)
    add_unit(code)
    iso2 = code.split("-")[0].lower()
    matches = [r for r in rows("cities.csv")
               if r["subdivision_iso3166_2"] == code.upper() and norm(r["name"]) == norm(name)]
    display = label or (matches[0]["name"] if matches else name)
    iri = f"{parent}/{slug(display)}"
    lines = [f"<{iri}> a {cls} ;", f"    rdfs:label {lit(display)}@en ;", f"    gl:locatedIn <{parent}> ;"]
    if matches:
        lines.append("    gl:evidence <source/reference-places/cities>" + (f", <{evidence}>" if evidence else "") + " .\n\n")
    elif evidence:
        lines.append(f"    gl:evidence <{evidence}> .\n\n")
    else:
        sys.exit(f"{name!r} is not in reference/cities.csv under {code}; pass --evidence <citation IRI> from the source that names it")
    append(iso2, iri, "\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("countries")
    u = sub.add_parser("unit"); u.add_argument("code")
    c = sub.add_parser("city"); c.add_argument("code"); c.add_argument("name")
    c.add_argument("--type", default="gl:Municipality"); c.add_argument("--evidence"); c.add_argument("--label")
    a = ap.parse_args()
    if a.cmd == "countries":
        write_countries()
    elif a.cmd == "unit":
        add_unit(a.code)
    else:
        add_city(a.code, a.name, a.type, a.evidence, a.label)


if __name__ == "__main__":
    main()
