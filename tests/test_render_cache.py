"""The compiled templates a build keeps in build/cache/templates
(goinglocal.site.render.cache_compiled_templates): a new process loads them
instead of compiling, a changed template is compiled again, and a damaged or
unwritable cache only means compiling."""

from __future__ import annotations

from jinja2 import DictLoader, Environment

from goinglocal.site import render
from goinglocal.site.render import _CompiledTemplates, cache_compiled_templates


class _Counting(Environment):
    compiled = 0

    def compile(self, *args, **kwargs):
        type(self).compiled += 1
        return super().compile(*args, **kwargs)


def _render(folder, source: str) -> tuple[str, int]:
    """Render a template in a fresh environment (as a new process would): the text and whether it was compiled."""
    before = _Counting.compiled
    env = _Counting(loader=DictLoader({"p.html": source}), bytecode_cache=_CompiledTemplates(str(folder), "%s.cache"))
    return env.get_template("p.html").render(x=1), _Counting.compiled - before


def test_a_template_is_compiled_once_and_again_when_it_changes(tmp_path):
    assert _render(tmp_path, "one {{ x }}") == ("one 1", 1)
    assert _render(tmp_path, "one {{ x }}") == ("one 1", 0)
    assert _render(tmp_path, "two {{ x }}") == ("two 1", 1)
    assert _render(tmp_path, "two {{ x }}") == ("two 1", 0)


def test_a_damaged_or_missing_cache_folder_only_means_compiling(tmp_path):
    _render(tmp_path, "one {{ x }}")
    [entry] = tmp_path.iterdir()
    entry.write_bytes(entry.read_bytes()[:12])  # cut inside the source checksum
    assert _render(tmp_path, "one {{ x }}") == ("one 1", 1)
    assert _render(tmp_path, "one {{ x }}") == ("one 1", 0)  # written again, whole
    assert _render(tmp_path / "gone", "one {{ x }}") == ("one 1", 1)
    assert not (tmp_path / "gone").exists()


def test_the_build_keeps_the_site_templates_under_its_cache_folder_only(tmp_path):
    env = render.environment()
    folder = tmp_path / "build" / "cache" / "templates"
    (folder / "jinja-0.0-oldsitecode").mkdir(parents=True)
    try:
        cache_compiled_templates(folder)
        env.cache.clear()
        env.get_template("downloads.html")
        [current] = folder.iterdir()  # the other version's entries are gone
        assert current.name.startswith("jinja-") and len(list(current.glob("*.cache"))) == 1
    finally:
        env.bytecode_cache = None
        env.cache.clear()
    assert [p for p in tmp_path.rglob("*") if p.is_file() and folder not in p.parents] == []
