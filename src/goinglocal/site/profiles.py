"""The entity data pages show: goinglocal.profile.entity_profile (the same
function behind the command line's entity view), so the site and the CLI
cannot disagree. The interim module stands in until that lands."""

from __future__ import annotations

try:
    from goinglocal.profile import entity_profile  # noqa: F401
except ImportError:  # pragma: no cover - removed once goinglocal.profile is on main
    from goinglocal.site.interim_profile import entity_profile  # noqa: F401

try:
    from goinglocal.search import index_entries  # noqa: F401
except ImportError:  # pragma: no cover
    from goinglocal.site.interim_search import index_entries  # noqa: F401
