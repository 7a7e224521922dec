"""PDF files written by hand, object by object, for parser tests: the cross-reference table and trailer
around the numbered objects given."""

from __future__ import annotations


def assemble_pdf(objects: dict[int, str], *, info: int | None = None, prev_is_self: bool = False) -> bytes:
    """A PDF of `objects` (number -> body; object 1 is the catalogue). A number left out gets an empty
    xref entry; `info` names the document-information object; `prev_is_self` points the xref's /Prev at
    itself (a loop a parser must survive)."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n{objects[number]}\nendobj\n".encode("latin-1")
    xref = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offsets.get(n, 0):010d} 00000 n \n" for n in range(1, size)).encode()
    extra = (f" /Info {info} 0 R" if info is not None else "") + (f" /Prev {xref}" if prev_is_self else "")
    out += f"trailer\n<< /Size {size} /Root 1 0 R{extra} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
