"""The live Wikidata endpoint (opt-in: pytest -m network)."""

from __future__ import annotations

import socket

import pytest

from goinglocal.wikidata.client import WIKIDATA, SparqlClient
from goinglocal.wikidata.lookup import fetch_facts, fetch_p190

pytestmark = pytest.mark.network


def test_wikidata_facts_for_jujuy_and_guizhou(tmp_path):
    try:
        socket.getaddrinfo("query.wikidata.org", 443)
    except OSError:
        pytest.skip("no network: query.wikidata.org does not resolve")
    client = SparqlClient(WIKIDATA, cache_dir=tmp_path, timeout=60)
    facts = fetch_facts(client, {"Q44764", "Q47097"}, {"Q44764", "Q47097"})
    assert "AR-Y" in facts["Q44764"]["iso"]
    assert "CN-GZ" in facts["Q47097"]["iso"]
    assert facts["Q44764"]["wkt"].startswith("Point(")
    assert facts["Q44764"]["population"] > 100_000
    assert any(lang == "es" for _, lang in facts["Q44764"]["labels"])
    pairs = fetch_p190(client, {"Q44764", "Q47097"})
    assert pairs <= {("Q44764", "Q47097")}
    requests = client.requests
    fetch_facts(client, {"Q44764", "Q47097"}, {"Q44764", "Q47097"})
    assert client.requests == requests  # the second time from the cache
