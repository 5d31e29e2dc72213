"""A polite SPARQL client for Wikidata (or any endpoint in its shape), on
SPARQLWrapper: a User-Agent naming the project and a contact URL, one
request at a time with a pause between requests, a timeout, back-off that
honours Retry-After on 429 and 503 (capped), and a disk cache keyed by a
hash of endpoint and query, so a second run makes no request."""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import time
import urllib.error
from email.utils import parsedate_to_datetime
from pathlib import Path

from rdflib import Literal, URIRef

from goinglocal import __version__
from goinglocal.errors import EndpointError
from goinglocal.reason import write_atomic

WIKIDATA = "https://query.wikidata.org/sparql"
USER_AGENT = (f"goinglocal/{__version__} (https://w3id.org/goinglocal; goinglocal@example.org) "
              "SPARQLWrapper/2")
PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
BATCH = 200  # VALUES entries per request


def values_literals(texts, languages=("es", "en", "zh")) -> str:
    """A VALUES body of language-tagged literals, each escaped by rdflib."""
    return " ".join(Literal(t, lang=lang).n3() for t in sorted(set(texts)) for lang in languages)


def values_items(qids) -> str:
    out = []
    for q in sorted(set(qids)):
        if not (q[:1] == "Q" and q[1:].isdigit()):
            raise ValueError(f"not a QID: {q!r}")
        out.append(URIRef("http://www.wikidata.org/entity/" + q).n3())
    return " ".join(out)


def chunks(items: list, size: int = BATCH):
    items = sorted(set(items))
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _retry_after(value: str | None, default: float) -> float:
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return default


class SparqlClient:
    """Sequential, cached SELECT queries. `requests` counts what reached the
    network; `waited` is the total back-off time slept."""

    def __init__(self, endpoint: str = WIKIDATA, cache_dir: Path | None = None, timeout: float = 60,
                 pause: float | None = None, max_attempts: int = 4, max_wait: float = 60,
                 user_agent: str = USER_AGENT):
        self.endpoint = endpoint
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.pause = (1.0 if "wikidata.org" in endpoint else 0.0) if pause is None else pause
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self.user_agent = user_agent
        self.requests = 0
        self.cache_hits = 0
        self.waited = 0.0
        self._last = 0.0

    def key(self, query: str) -> str:
        return hashlib.sha256(f"{self.endpoint}\n{query}".encode()).hexdigest()

    def select(self, query: str) -> list[dict[str, str]]:
        """Rows of variable -> value (IRIs and literal texts as strings; a
        literal's language goes in '<var>@lang', its datatype in '<var>^^')."""
        query = PREFIXES + query
        path = self.cache_dir / f"{self.key(query)}.json" if self.cache_dir else None
        if path and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self.cache_hits += 1
                return data["rows"]
            except (OSError, ValueError, KeyError):
                pass
        result = self._fetch(query)
        rows = []
        for binding in result.get("results", {}).get("bindings", []):
            row = {}
            for var, value in binding.items():
                row[var] = value.get("value", "")
                if "xml:lang" in value:
                    row[var + "@lang"] = value["xml:lang"]
                if "datatype" in value:
                    row[var + "^^"] = value["datatype"]
            rows.append(row)
        if path:
            write_atomic(path, json.dumps({"endpoint": self.endpoint, "query": query, "rows": rows},
                                          ensure_ascii=False, indent=0, sort_keys=True).encode())
        return rows

    def _fetch(self, query: str) -> dict:
        from SPARQLWrapper import JSON, POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        sw = SPARQLWrapper(self.endpoint, agent=self.user_agent)
        sw.setMethod(POST)
        sw.setReturnFormat(JSON)
        sw.setTimeout(int(self.timeout))
        sw.setQuery(query)
        backoff = 1.0
        for attempt in range(1, self.max_attempts + 1):
            gap = self.pause - (time.monotonic() - self._last)
            if gap > 0:
                time.sleep(gap)
            self.requests += 1
            self._last = time.monotonic()
            try:
                return sw.queryAndConvert()
            except urllib.error.HTTPError as exc:
                if exc.code in (429, 503) and attempt < self.max_attempts:
                    wait = min(self.max_wait, _retry_after(exc.headers.get("Retry-After") if exc.headers else None, backoff))
                    backoff *= 2
                    self.waited += wait
                    time.sleep(wait)
                    continue
                raise EndpointError(f"{self.endpoint} answered HTTP {exc.code} {exc.reason}",
                                    "try again later; existing links and the cache were kept") from None
            except SPARQLWrapperException as exc:
                raise EndpointError(f"{self.endpoint} rejected a query: {str(exc).splitlines()[0]}",
                                    "check the endpoint URL (it must be a SPARQL query endpoint)") from None
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError,
                    http.client.HTTPException) as exc:
                reason = getattr(exc, "reason", exc)
                raise EndpointError(f"{self.endpoint} could not be reached: {reason}",
                                    "check the network and the URL; existing links and the cache were kept") from None
            except ValueError as exc:  # not JSON
                raise EndpointError(f"{self.endpoint} did not answer with SPARQL JSON results: {exc}",
                                    "check the endpoint URL") from None
        raise EndpointError(f"{self.endpoint} kept answering 429/503 after {self.max_attempts} attempts",
                            "try again later")
