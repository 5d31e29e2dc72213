"""Every folder the code globs holds files: a validator that checks zero
files, or a test loop over zero questions, would pass silently."""

from goinglocal.paths import Layout


def test_every_globbed_folder_is_not_empty(layout: Layout):
    assert len(layout.ontology_files()) >= 8
    assert len(layout.shape_files()) >= 8
    assert len(layout.instance_files()) >= 20
    assert len(layout.question_files()) >= 40
    assert len(layout.check_files()) >= 8
    assert (layout.reference_dir / "countries.csv").is_file()


def test_project_reads_nothing_from_shared(layout: Layout):
    for path in (layout.root / "src").rglob("*.py"):
        assert "../shared" not in path.read_text(), path
