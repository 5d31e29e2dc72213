"""The command line: exit codes 0/1/2, readable output, no tracebacks."""

import json
from pathlib import Path

CASES = Path(__file__).parent / "shape_cases"


def test_validate_repository_conforms_with_exit_0(cli):
    result = cli("validate")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "conforms" in result.stdout


def test_validate_reports_violations_with_exit_1(cli):
    result = cli("validate", str(CASES / "AgreementParties.ttl"), "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    rows = [p for p in report["problems"] if p["shape"] == "gls:AgreementParties"]
    assert rows and rows[0]["file"].endswith("AgreementParties.ttl")
    assert rows[0]["node_iri"] == "https://w3id.org/goinglocal/id/agreement/x-2017-mou"


def test_validate_unparsable_file_exits_2_with_line_and_column(cli, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix gl: <https://w3id.org/goinglocal/ontology#> .\n<a> gl:date "2017 .\n<b> <c> <d> .\n')
    result = cli("validate", str(bad))
    assert result.returncode == 2
    assert f"{bad}:2:" in result.stderr and "Traceback" not in result.stderr
    assert '<a> gl:date "2017 .' in result.stderr


def test_validate_missing_path_exits_2(cli):
    result = cli("validate", "no/such/file.ttl")
    assert result.returncode == 2 and "no such file" in result.stderr


def test_questions_lists_names_and_parameters(cli):
    result = cli("questions")
    assert result.returncode == 0
    assert "place-engagements" in result.stdout and "--param place=<gl:Locality>" in result.stdout


def test_ask_answers_a_reasoning_question_about_jujuy(cli):
    result = cli("ask", "place-engagements", "--param", "place=Jujuy", "--format", "json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["params"]["place"] == "https://w3id.org/goinglocal/id/place/ar/jujuy"
    engagements = {r["engagement_iri"] for r in answer["rows"]}
    assert "https://w3id.org/goinglocal/id/event/2017-11-guizhou-delegation-to-jujuy" in engagements
    asserted = cli("ask", "place-engagements", "--param", "place=Jujuy", "--format", "json", "--asserted-only")
    assert len(json.loads(asserted.stdout)["rows"]) < len(answer["rows"])


def test_ask_csv_has_labels_and_iris(cli):
    result = cli("ask", "twinning-pairs", "--format", "csv")
    header = result.stdout.splitlines()[0]
    assert header == "place,place_iri,partner,partner_iri,date"


def test_ask_unknown_question_exits_2_with_suggestion(cli):
    result = cli("ask", "twining-pairs")
    assert result.returncode == 2 and "twinning-pairs" in result.stderr and "Traceback" not in result.stderr


def test_ask_ambiguous_label_exits_2(cli):
    result = cli("ask", "place-engagements", "--param", "place=Coquimbo")
    assert result.returncode == 2 and "ambiguous" in result.stderr


def test_stats_counts_asserted_and_inferred(cli):
    result = cli("stats", "--format", "json")
    stats = json.loads(result.stdout)
    assert stats["triples"]["inferred"] > 0
    by_class = {c["class"]: c for c in stats["classes"]}
    assert by_class["gl:Locality"]["asserted"] == 0 < by_class["gl:Locality"]["with_reasoning"]
