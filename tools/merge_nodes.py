"""Merge a duplicate node into the one to keep, across instances/ (a maintainer's tool).

    python tools/merge_nodes.py post/yang-wanming/ambassador-argentina-2016 post/yang-wanming/ambassador-argentina

Every `<old>` written relative to @base becomes `<keep>`; statements that
only said the two were the same (owl:sameAs between them, and the
"duplicate of" editorial note on that statement) are dropped. Review the
diff afterwards: the kept node may now carry two values of a property."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(old: str, keep: str) -> None:
    sameas = re.compile(r"^<%s> (?:owl:sameAs|<http://www\.w3\.org/2002/07/owl#sameAs>) <%s> ;\n\s+gl:editorialNote \"[^\"]*\"@en \.\n"
                        % (re.escape(keep), re.escape(keep)), re.M)
    sameas_short = re.compile(r"^<%s> (?:owl:sameAs|<http://www\.w3\.org/2002/07/owl#sameAs>) <%s> \.\n" % (re.escape(keep), re.escape(keep)), re.M)
    for path in sorted((ROOT / "instances").rglob("*.ttl")):
        text = path.read_text(encoding="utf-8")
        new = text.replace(f"<{old}>", f"<{keep}>")
        new = sameas_short.sub("", sameas.sub("", new))
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
