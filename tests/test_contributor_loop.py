"""The contributor loop of the README ("Adding and validating data") run end
to end on a copy of the repository under git: add one cited fact, validate
the file, see what it changes with `goinglocal diff`, rewrite the expected
answers of the questions it changes, and the question tests pass again.

The copy's first commit lacks one agreement of instances/cases/jujuy.ttl
(Alibaba-Guizhou 2014, footnote 128) and holds the expected answers without
it; the contributor then adds the agreement back, exactly as the repository
has it, so the rewritten expected files must equal the repository's own."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from conftest import ROOT, run_main

from goinglocal import expected
from goinglocal.diff import compute_diff
from goinglocal.paths import Layout

CASE_FILE = "instances/cases/jujuy.ttl"
FACT = """<agreement/alibaba-guizhou-2014-framework> a gl:FrameworkAgreement ;
    rdfs:label "Alibaba-Guizhou framework agreement on cloud computing and big data"@en ;
    rdfs:comment "Framework agreement between Alibaba and the Guizhou provincial government on cloud computing and big data."@en ;
    gl:hasParty <org/cn/alibaba>, <org/cn/guizhou-government> ;
    gl:date "2014"^^xsd:gYear ;
    gl:hasTopic sector:big-data, sector:technology ;
    gl:evidence <source/myers-2020/fn/128> .

"""
AGREEMENT = "https://w3id.org/goinglocal/id/agreement/alibaba-guizhou-2014-framework"
TWINNING_FILE = "instances/cases/province-led.ttl"
TWINNING_LINE = "<place/cl/antofagasta/antofagasta> gl:twinnedWith <place/cn/anhui/tongling> .\n"


def git(repo, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.org", *args],
                          cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """A git repository holding the project's data without the agreement, with its expected answers."""
    root = tmp_path_factory.mktemp("contributor") / "goinglocal"
    root.mkdir()
    for folder in ("ontology", "shapes", "instances", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / ".gitignore").write_text("build/\n", encoding="utf-8")
    case = root / CASE_FILE
    text = case.read_text(encoding="utf-8")
    assert FACT in text and TWINNING_LINE in (root / TWINNING_FILE).read_text(encoding="utf-8")
    case.write_text(text.replace(FACT, ""), encoding="utf-8")
    kg, questions = expected.load(Layout(root))
    for name, question in questions.items():  # the expected answers of the data without the agreement
        question.expected_csv.write_text(expected.answer_csv(kg, question), encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "data without the Alibaba-Guizhou agreement")
    yield root
    shutil.rmtree(root.parent, ignore_errors=True)


@pytest.fixture
def clean(repo):
    """Each test starts from the commit and leaves it as it was."""
    yield repo
    git(repo, "checkout", "-q", "--", ".")
    git(repo, "clean", "-qfd", "--exclude=build")


def test_readme_flow_ends_green(clean):
    repo = clean
    case = repo / CASE_FILE
    # 1. add a cited fact (after the Guiyang visit, where the repository has it)
    text = case.read_text(encoding="utf-8")
    anchor = "<event/2018-07-alibaba-offer-of-guizhou-office>"
    case.write_text(text.replace(anchor, FACT + anchor, 1), encoding="utf-8")
    # 2. validate the file
    result = run_main("validate", CASE_FILE, cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conforms" in result.stdout
    # 3. see what it changes: the expected files are now out of date
    result = run_main("diff", "--format", "json", cwd=repo)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["asserted"]["added"]) == 9 and report["asserted"]["removed"] == []
    changed = {q["question"]: q for q in report["questions"]}
    assert changed, "adding an agreement must change some answers"
    assert all(q["removed"] == [] or q["rows_before"] == q["rows_after"] for q in changed.values())
    assert any(AGREEMENT in row for q in changed.values() for row in q["added"])
    check = run_main("expected", "check", cwd=repo)
    assert check.returncode == 1 and all(name in check.stdout for name in changed)
    # 4. rewrite the expected answers of those questions
    result = run_main("expected", "update", *sorted(changed), "--yes", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert all(f"wrote queries/expected/{name}.csv" in result.stdout for name in changed)
    # 5. the question tests pass: every answer equals its expected file ...
    kg, questions = expected.load(Layout(repo))
    assert [c.name for c in expected.compare(kg, questions) if c.changed] == []
    # ... and the files are the repository's own, which holds the same agreement
    for name in changed:
        assert (repo / "queries/expected" / f"{name}.csv").read_text(encoding="utf-8") == \
            (ROOT / "queries/expected" / f"{name}.csv").read_text(encoding="utf-8"), name


def test_diff_lists_exactly_the_rows_a_removed_twinning_takes_away(clean):
    repo = clean
    case = repo / TWINNING_FILE
    case.write_text(case.read_text(encoding="utf-8").replace(TWINNING_LINE, ""), encoding="utf-8")
    diff = compute_diff(Layout(repo))
    assert diff.asserted_removed == ["<https://w3id.org/goinglocal/id/place/cl/antofagasta/antofagasta> "
                                     "<https://w3id.org/goinglocal/ontology#twinnedWith> "
                                     "<https://w3id.org/goinglocal/id/place/cn/anhui/tongling> ."]
    assert diff.asserted_added == []
    assert diff.inferred_added == []
    assert ("<https://w3id.org/goinglocal/id/place/cn/anhui/tongling> <https://w3id.org/goinglocal/ontology#twinnedWith> "
            "<https://w3id.org/goinglocal/id/place/cl/antofagasta/antofagasta> .") in diff.inferred_removed
    rows = {c.name: (c.added, c.removed) for c in diff.questions}
    pair = ("Antofagasta,https://w3id.org/goinglocal/id/place/cl/antofagasta/antofagasta,"
            "Tongling,https://w3id.org/goinglocal/id/place/cn/anhui/tongling,2004")
    assert rows == {
        "twinning-pairs": ([], [pair, "Tongling,https://w3id.org/goinglocal/id/place/cn/anhui/tongling,"
                                      "Antofagasta,https://w3id.org/goinglocal/id/place/cl/antofagasta/antofagasta,2004"]),
        "bri-members-twinnings": ([], ["Chile,https://w3id.org/goinglocal/id/place/cl,2018," + pair]),
        "twinning-by-chinese-province": ([], ["Anhui,https://w3id.org/goinglocal/id/place/cn/anhui,1,Antofagasta"]),
        "twinning-by-lac-country": (["Chile,https://w3id.org/goinglocal/id/place/cl,4"],
                                    ["Chile,https://w3id.org/goinglocal/id/place/cl,5"]),
    }
