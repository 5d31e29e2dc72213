"""One exception type per kind of user mistake, each with an exit code.

Exit codes (documented in the README):
  0  success / data conforms
  1  the data does not conform (SHACL violations, inconsistent closure,
     a quality-check query returned rows)
  2  unusable input: unreadable or unparsable file, unknown question,
     bad or ambiguous parameter, bad option
  3  an external service failed (SPARQL endpoint, network)
"""

from __future__ import annotations


class GoinglocalError(Exception):
    exit_code = 2

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message + (f"\n  how to fix: {self.hint}" if self.hint else "")


class UnreadableInput(GoinglocalError):
    """A path that does not exist, is a directory of nothing, is empty or not UTF-8."""


class SyntaxProblem(GoinglocalError):
    """An RDF file that does not parse."""


class RefusedInput(GoinglocalError):
    """A file goinglocal will not parse because parsing it is unsafe: DTD
    entity declarations in RDF/XML, a JSON-LD context named by URL."""


class UnknownQuestion(GoinglocalError):
    """`ask` with a name that is not in the library."""


class ParameterError(GoinglocalError):
    """A missing, extra, malformed or ambiguous question parameter."""


class QuestionFileError(GoinglocalError):
    """A query file in the library that is malformed (a developer mistake)."""


class EndpointError(GoinglocalError):
    """A SPARQL endpoint that cannot be reached or answers with an error."""

    exit_code = 3


class TermError(GoinglocalError):
    """`why` with a subject, property or object that names nothing in the
    graph, or a label that names several things, or a row that does not exist."""
