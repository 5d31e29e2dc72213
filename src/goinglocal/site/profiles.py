"""The entity data pages show and the search index come from the same
functions as the command line's `goinglocal profile` and `goinglocal
search`, so the site and the CLI cannot disagree."""

from __future__ import annotations

from goinglocal.profile import entity_profile, entity_profiles  # noqa: F401
from goinglocal.search import index_entries  # noqa: F401
