"""The shapes graph and its routes (shacl_engines.route: which engine runs
each shape, the store engine's compiled shapes), kept under build/cache
between runs, so that validation after an edit does not read and compile
the shapes again (about 0.1 s at any scale; the edited data then takes
less than that to validate).

What is kept depends only on the shape files' paths and bytes, the engine
and the code that reads and compiles them (versions.code_key over these
modules), which is the key; another key, or an entry that does not load,
means the shapes are read and compiled again. Routes are mutated by a run
(a shape can move to pySHACL for the data at hand), so each call gets its
own copy."""

from __future__ import annotations

import hashlib
import pickle
import sys

from rdflib import Graph

from goinglocal.paths import Layout

FORMAT = "goinglocal-shapes-1"


def _key(layout: Layout, engine: str) -> str:
    from goinglocal import load, parsecache, shacl_engines, shacl_store
    from goinglocal.versions import code_key
    digest = hashlib.sha256(code_key(FORMAT, shacl_engines, shacl_store, load, parsecache, sys.modules[__name__]).encode()
                            + b"\0" + engine.encode())
    for path in layout.shape_files():
        digest.update(b"\0" + str(path.relative_to(layout.root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def compiled_shapes(layout: Layout, engine: str) -> tuple[Graph, list]:
    """The shapes graph (validate.load_shapes) and its routes for `engine`."""
    from goinglocal.reason import write_atomic
    from goinglocal.shacl_engines import route
    from goinglocal.validate import load_shapes
    path = layout.build_dir / "cache" / f"shapes-{engine}.pickle"
    key = _key(layout, engine) if layout.shape_files() else None
    if key is not None:
        try:
            kept_key, shapes, routes = pickle.loads(path.read_bytes())
            if kept_key == key:
                return shapes, routes
        except Exception:  # noqa: BLE001 - missing, damaged or from other code: compile again
            pass
    shapes = load_shapes(layout)  # raises the user's error when there are no shape files
    routes = route(shapes, engine)
    try:
        write_atomic(path, pickle.dumps((key, shapes, routes), protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a read-only build folder: compile again next time
    return shapes, routes
