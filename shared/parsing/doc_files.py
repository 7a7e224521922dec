"""Word 97-2003 .doc, through antiword (Debian package `antiword`; on AWS, from the ingest layer).

antiword over catdoc: it keeps the structure the rest of the pipeline uses (a blank line between
paragraphs, table rows marked as `|cell|cell|`), its output is UTF-8 for any Word 97-2003 file
(Unicode or 8-bit text), and it is one small binary that links only libc, so it runs unchanged in
Lambda. There is no maintained Python reader of the Word binary format.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from shared.domain.errors import CorruptDocument, UnsupportedFormat
from shared.domain.models import ParsedDocument
from shared.parsing._tables import find_header, table_lines
from shared.parsing._text import finish_text

TIMEOUT_SECONDS = 120
# Where the AWS layer puts antiword's character maps (Debian's own copy is found by antiword itself).
_LAYER_HOME = Path("/opt/share/antiword")


def parse_doc(data: bytes) -> ParsedDocument:
    """Body text in order, paragraphs separated by a blank line, tables as labelled rows (see _tables).

    Raises UnsupportedFormat when antiword is not installed, CorruptDocument when the bytes are not a
    Word document (or an encrypted one).
    """
    binary = shutil.which("antiword") or ("/opt/bin/antiword" if Path("/opt/bin/antiword").is_file() else None)
    if binary is None:
        raise UnsupportedFormat(".doc files need antiword, which is not installed on this server")
    env = dict(os.environ)
    if "ANTIWORDHOME" not in env and _LAYER_HOME.is_dir():
        env["ANTIWORDHOME"] = str(_LAYER_HOME)
    try:
        done = subprocess.run([binary, "-m", "UTF-8.txt", "-w", "0", "-"], input=data, capture_output=True,
                              timeout=TIMEOUT_SECONDS, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise CorruptDocument(f"the .doc file took over {TIMEOUT_SECONDS} s to read") from exc
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = reason[-1].replace("-", "the file", 1) if reason else f"antiword exited with {done.returncode}"
        raise CorruptDocument(f"the .doc file cannot be read: {detail}")
    return ParsedDocument(title=None, text=finish_text(_with_tables(done.stdout.decode("utf-8", "replace"))))


def _with_tables(text: str) -> str:
    """antiword draws a table row as `|cell |cell |`: runs of such lines become labelled rows."""
    out: list[str] = []
    rows: list[list[str]] = []
    for line in [*text.split("\n"), ""]:
        stripped = line.strip()
        if len(stripped) > 1 and stripped.startswith("|") and stripped.endswith("|"):
            rows.append(stripped[1:-1].split("|"))
            continue
        if rows:
            out.extend(table_lines(rows, find_header(rows)))
            rows = []
        out.append(line)
    return "\n".join(out)
