"""Where the site's files go. A build writes the site into a folder that may
already hold the site of an earlier build (build/cache/site-spare: the site
two builds old, recycled by goinglocal.build.swap_in), with a manifest of
what each file held. A file is written only when its bytes differ from what
the folder holds; a page whose whole input (its render key) is unchanged is
not even rendered; files the new site no longer has are removed. After a
one-file edit most of the 5,000 files are left as they are, which matters
on file systems where creating a file costs a millisecond.

The folder is never the site being served: it becomes build/site only when
the build swaps in, so an interrupted build still leaves the previous site
intact."""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable

MANIFEST_FORMAT = "goinglocal-site-manifest-1"


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the site package's code and templates: a render key made
    under other code says nothing about the page this code would render."""
    digest = hashlib.sha256(MANIFEST_FORMAT.encode())
    root = resources.files("goinglocal.site")
    with resources.as_file(root) as folder:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".html"):
                digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class SiteOutput:
    """The site folder being written, and what each file holds (sha256 of
    its bytes, plus the render key it was made from, if any)."""

    def __init__(self, folder: Path, previous: dict | None = None):
        self.folder = folder
        self._root = os.fspath(folder) + os.sep  # the files' paths as strings: a stat per kept file, no Path made
        self.previous: dict[str, list] = (previous or {}).get("files", {}) \
            if (previous or {}).get("code") == code_version() else {}
        self.files: dict[str, list] = {}
        self.written = 0
        self._dirs: set[Path] = set()
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, rel: str, data: bytes | str, key: str | None = None) -> None:
        data = data.encode("utf-8") if isinstance(data, str) else data
        sha = hashlib.sha256(data).hexdigest()
        self.files[rel] = [sha, key, len(data)]
        old = self.previous.get(rel)
        if old is not None and old[0] == sha and self._intact(rel, old):
            return
        path = self.folder / rel
        if path.parent not in self._dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(path.parent)
        # a new file renamed over the old one: a file linked elsewhere keeps its bytes
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        self.written += 1

    @staticmethod
    def key(text: str) -> str:
        """The render key of a page's input text, under this site code."""
        return hashlib.sha256((code_version() + text).encode("utf-8")).hexdigest()

    def reuse(self, rels: list[str], text: str) -> bool:
        """Keep these files as the folder holds them when every one was made
        from the same input text (and is intact); False if any must be made."""
        key = self.key(text)
        olds = [self.previous.get(rel) for rel in rels]
        if not all(old is not None and old[1] == key and self._intact(rel, old) for rel, old in zip(rels, olds)):
            return False
        self.files.update(zip(rels, olds))
        return True

    def keep(self, rels: list[str]) -> bool:
        """Keep these files as the folder holds them, whatever they were made
        from (the caller knows their input is unchanged); False if any is
        missing or cut."""
        olds = [self.previous.get(rel) for rel in rels]
        if not all(old is not None and self._intact(rel, old) for rel, old in zip(rels, olds)):
            return False
        self.files.update(zip(rels, olds))
        return True

    def render(self, rel: str, text: str, make: Callable[[], bytes | str]) -> None:
        """Write what make() returns, unless the folder's file was made from
        the same input text (then make is not called)."""
        if not self.reuse([rel], text):
            self.write(rel, make(), self.key(text))

    def adopt(self, files: dict[str, list], written: int) -> None:
        """Count as this site's the files another SiteOutput on the same
        folder wrote or kept (the entity pages, written by a child process)."""
        self.files.update(files)
        self.written += written

    def _intact(self, rel: str, old: list) -> bool:
        """The file is still there, with the size the manifest gives (someone
        may have deleted or cut a file of build/site by hand)."""
        try:
            return os.stat(self._root + rel).st_size == old[2]
        except (OSError, IndexError):
            return False

    def finish(self, on_disk: list[str] | None = None) -> dict:
        """Remove every file the new site does not have (those an earlier
        manifest listed, and any other left in the folder); the manifest to
        keep. on_disk: the folder's files (on_disk()) listed earlier, while
        only files this site has could be added to it."""
        gone = {rel for rel in (self.on_disk() if on_disk is None else on_disk) if rel not in self.files}
        for rel in sorted(gone):
            (self.folder / rel).unlink(missing_ok=True)
        for parent in sorted({(self.folder / rel).parent for rel in gone}, key=lambda p: -len(p.parts)):
            while parent != self.folder:
                try:
                    parent.rmdir()  # only when empty
                except OSError:
                    break
                parent = parent.parent
        return {"code": code_version(), "files": self.files}

    def on_disk(self) -> list[str]:
        """Every file in the folder (site-relative paths)."""
        found, stack = [], [(os.fspath(self.folder), "")]
        while stack:
            folder, prefix = stack.pop()
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((entry.path, prefix + entry.name + "/"))
                    else:
                        found.append(prefix + entry.name)
        return found


def read_manifest(path: Path) -> dict | None:
    """The manifest of a spare site; None when it is missing or not one this
    code wrote (then the whole site is written)."""
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not all(
            isinstance(v, list) and len(v) == 3 and isinstance(v[0], str) and isinstance(v[2], int)
            for v in files.values()):
        return None
    return manifest
