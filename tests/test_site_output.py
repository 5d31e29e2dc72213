"""The site is brought up to date in the folder of an earlier build
(goinglocal.site.output): only files whose bytes changed are written, a page
whose input is unchanged is not rendered, and the result is the site a full
write gives."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

import conftest_serve as cs
from goinglocal.reason import Closure
from goinglocal.site import MANIFEST, SITE_DIR, write_site
from goinglocal.site.output import SiteOutput
from goinglocal.stats import compute_stats
from goinglocal.store import KnowledgeGraph

ID = "https://w3id.org/goinglocal/id/"
# whole-graph downloads: written again on every build (their blank node labels change)
WHOLE_GRAPH = ("downloads/goinglocal-", "downloads/void.ttl")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_only_changed_files_are_written_and_vanished_ones_removed(tmp_path):
    first = SiteOutput(tmp_path / "site")
    first.write("a/index.html", "one")
    first.write("b/index.html", "two")
    first.write("gone/deep/index.html", "three")
    manifest = first.finish()
    second = SiteOutput(tmp_path / "site", manifest)
    second.write("a/index.html", "one")
    second.write("b/index.html", "TWO")
    second.finish()
    assert second.written == 1
    assert _files(tmp_path / "site") == {"a/index.html": b"one", "b/index.html": b"TWO"}
    assert not (tmp_path / "site" / "gone").exists()  # its emptied folders too


def test_a_file_no_manifest_lists_is_removed(tmp_path):
    first = SiteOutput(tmp_path / "site")
    first.write("a/index.html", "one")
    manifest = first.finish()
    (tmp_path / "site" / "stray" / "deep").mkdir(parents=True)
    (tmp_path / "site" / "stray" / "deep" / "index.html").write_text("left by an older build")
    second = SiteOutput(tmp_path / "site", dict(manifest, code="older code"))
    second.write("a/index.html", "one")
    second.finish()
    assert _files(tmp_path / "site") == {"a/index.html": b"one"}
    assert not (tmp_path / "site" / "stray").exists()


def test_a_page_with_an_unchanged_key_is_not_rendered_again(tmp_path):
    first = SiteOutput(tmp_path / "site")
    first.render("p/index.html", "key-1", lambda: "page 1")
    second = SiteOutput(tmp_path / "site", first.finish())
    calls = []
    second.render("p/index.html", "key-1", lambda: calls.append(1) or "never")
    assert calls == [] and (tmp_path / "site" / "p" / "index.html").read_text() == "page 1"
    third = SiteOutput(tmp_path / "site", second.finish())
    third.render("p/index.html", "key-2", lambda: "page 2")
    assert (tmp_path / "site" / "p" / "index.html").read_text() == "page 2"


def test_a_file_deleted_or_cut_by_hand_is_written_again(tmp_path):
    first = SiteOutput(tmp_path / "site")
    first.write("a.html", "alpha")
    first.render("b.html", "k", lambda: "beta")
    manifest = first.finish()
    (tmp_path / "site" / "a.html").unlink()
    (tmp_path / "site" / "b.html").write_text("be")
    second = SiteOutput(tmp_path / "site", manifest)
    second.write("a.html", "alpha")
    second.render("b.html", "k", lambda: "beta")
    assert _files(tmp_path / "site") == {"a.html": b"alpha", "b.html": b"beta"}


def test_a_file_linked_from_elsewhere_keeps_its_bytes(tmp_path):
    first = SiteOutput(tmp_path / "site")
    first.write("a.html", "old")
    manifest = first.finish()
    os.link(tmp_path / "site" / "a.html", tmp_path / "elsewhere.html")
    SiteOutput(tmp_path / "site", manifest).write("a.html", "new")
    assert (tmp_path / "elsewhere.html").read_text() == "old"
    assert (tmp_path / "site" / "a.html").read_text() == "new"


def test_a_manifest_of_other_site_code_is_not_trusted(tmp_path):
    first = SiteOutput(tmp_path / "site")
    first.render("p.html", "k", lambda: "page")
    manifest = dict(first.finish(), code="another version")
    second = SiteOutput(tmp_path / "site", manifest)
    second.render("p.html", "k", lambda: "page")
    assert second.written == 1


@pytest.fixture(scope="module")
def edited_kg() -> KnowledgeGraph:
    """The shared build's graph with Jujuy renamed (every page that shows
    Jujuy changes) and one organisation given another name."""
    from conftest_serve import repository_closure
    closure = repository_closure()
    extra = (f'<{ID}place/ar/jujuy> <http://www.w3.org/2000/01/rdf-schema#label> "Jujuy (renamed)"@en .\n'
             f'<{ID}org/cn/alibaba> <http://www.w3.org/2004/02/skos/core#altLabel> "Ali"@en .\n').encode()
    old_label = f'<{ID}place/ar/jujuy> <http://www.w3.org/2000/01/rdf-schema#label> "Jujuy"@en .\n'.encode()
    asserted = closure.asserted_nt.replace(old_label, b"") + extra
    full = closure.closure_nt.replace(old_label, b"") + extra
    assert asserted != closure.asserted_nt + extra  # the old label was there and is gone
    return KnowledgeGraph(Closure(asserted, full, 0, 0, [], from_cache=False))


def test_a_site_brought_up_to_date_equals_one_written_from_scratch(tmp_path, edited_kg):
    root, _ = cs.built()
    spare = tmp_path / "spare"
    shutil.copytree(root / "build" / SITE_DIR, spare, copy_function=os.link)  # the shared build's files stay as they are
    shutil.copy(root / "build" / MANIFEST, spare.with_suffix(".json"))
    stats = compute_stats(edited_kg)
    layout = cs.layout()
    updated = write_site(edited_kg, layout, tmp_path / "updated", stats, [], spare=spare)
    fresh = write_site(edited_kg, layout, tmp_path / "fresh", stats, [])
    assert not spare.exists()  # moved into place
    new, reference = _files(tmp_path / "updated" / SITE_DIR), _files(tmp_path / "fresh" / SITE_DIR)
    assert sorted(new) == sorted(reference)
    differ = [rel for rel in reference if new[rel] != reference[rel] and not rel.startswith(WHOLE_GRAPH)]
    assert differ == []
    assert "Jujuy (renamed)" in new["id/place/ar/jujuy/index.html"].decode()
    assert fresh.files_written == fresh.files == len(reference)
    # the pages that show Jujuy or Alibaba, the listings and the whole-graph downloads; not the rest
    assert 0 < updated.files_written < fresh.files_written / 4
    assert json.loads((tmp_path / "updated" / MANIFEST).read_text())["files"].keys() == reference.keys()


def test_a_first_build_leaves_its_site_linked_as_the_spare_for_the_next():
    root, _ = cs.built()
    site, spare = root / "build" / SITE_DIR, root / "build" / "cache" / "site-spare"
    assert spare.with_suffix(".json").read_bytes() == (root / "build" / MANIFEST).read_bytes()
    for rel in ("index.html", "id/place/ar/jujuy/index.html", "static/style.css"):
        assert (spare / rel).stat().st_ino == (site / rel).stat().st_ino  # one file, two names


def test_a_damaged_manifest_means_the_whole_site_is_written(tmp_path):
    from goinglocal.site.output import read_manifest
    path = tmp_path / "spare.json"
    for text in ("{", '{"files": []}', '{"code": "x", "files": {"a.html": ["sha"]}}', "[]"):
        path.write_text(text)
        assert read_manifest(path) is None
