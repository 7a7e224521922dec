"""Word 97-2003 .doc, through antiword, and catdoc when antiword refuses (Debian packages `antiword` and
`catdoc`; on AWS, from the ingest function's OCR layer).

antiword first: it keeps the structure the rest of the pipeline uses (a blank line between
paragraphs, table rows marked as `|cell|cell|`), its output is UTF-8 for any Word 97-2003 file
(Unicode or 8-bit text), and it is one small binary that links only libc, so it runs unchanged in
Lambda. But it refuses documents with very little text ("the text stream of this file is too small
to handle": a one-paragraph letter), which catdoc reads, without the structure. There is no
maintained Python reader of the Word binary format.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from shared.domain.errors import CorruptDocument, UnsupportedFormat
from shared.domain.models import ParsedDocument
from shared.services.parsing._tables import find_header, table_lines
from shared.services.parsing._text import finish_text

TIMEOUT_SECONDS = 120
# Where the AWS layer puts the tools' character maps (Debian's own copies are found by the tools).
_LAYER = Path("/opt")
_LAYER_ANTIWORD = _LAYER / "share" / "antiword"
_LAYER_CATDOC = _LAYER / "share" / "catdoc"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def parse_doc(data: bytes) -> ParsedDocument:
    """Body text in order, paragraphs separated by a blank line, tables as labelled rows (see _tables).

    Raises UnsupportedFormat when neither antiword nor catdoc is installed, CorruptDocument when the
    bytes are not a Word document (or an encrypted one).
    """
    antiword, catdoc = _tool("antiword"), _tool("catdoc")
    if antiword is None and catdoc is None:
        raise UnsupportedFormat(".doc files need antiword or catdoc, neither of which is installed on this server")
    reason = "no reader"
    if antiword is not None:
        env = dict(os.environ)
        if "ANTIWORDHOME" not in env and _LAYER_ANTIWORD.is_dir():
            env["ANTIWORDHOME"] = str(_LAYER_ANTIWORD)
        done, reason = _run([antiword, "-m", "UTF-8.txt", "-w", "0", "-"], data, env)
        if done is not None:
            return ParsedDocument(title=None, text=finish_text(_with_tables(done)))
    # catdoc prints any file that is not a Word document as plain text: it is asked only about an OLE2
    # compound file that antiword found too short (or when antiword is missing).
    if catdoc is not None and data.startswith(_OLE2) and (antiword is None or "too small" in reason):
        with tempfile.TemporaryDirectory(prefix="catdoc-") as home:
            env = dict(os.environ)
            if _LAYER_CATDOC.is_dir():  # catdoc finds its character maps through ~/.catdocrc only
                Path(home, ".catdocrc").write_text(f"charset_path = {_LAYER_CATDOC}\n", encoding="ascii")
                env["HOME"] = home
            source = Path(home, "document.doc")
            source.write_bytes(data)
            done, catdoc_reason = _run([catdoc, "-d", "utf-8", "-w", str(source)], b"", env)
        if done is not None and done.strip():
            return ParsedDocument(title=None, text=finish_text(done))
        reason = reason if antiword is not None else catdoc_reason
    raise CorruptDocument(f"the .doc file cannot be read: {reason}")


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found is None and (_LAYER / "bin" / name).is_file():
        found = str(_LAYER / "bin" / name)
    return found


def _run(command: list[str], data: bytes, env: dict[str, str]) -> tuple[str | None, str]:
    """(UTF-8 output, "") on success, (None, the tool's last complaint) on failure."""
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=TIMEOUT_SECONDS, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        return None, f"reading it took over {TIMEOUT_SECONDS} s"
    if done.returncode != 0:
        complaint = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return None, (complaint[-1].replace("-", "the file", 1) if complaint
                      else f"{Path(command[0]).name} exited with {done.returncode}")
    return done.stdout.decode("utf-8", "replace"), ""


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
