"""Documents built from known text, for tests, benchmarks and samples: .docx files typed in the legacy
TCVN3 (ABC) and VNI fonts, and scanner-like page images of a text (noise, skew, a chosen dpi).

Imported by tests/, bench/ and tools/make_samples.py (python-docx and Pillow are project dependencies).
"""

from __future__ import annotations

import io
import random
import textwrap
from pathlib import Path

import docx
from docx.oxml.ns import qn

from shared.services.parsing.legacy_vietnamese import unicode_to_tcvn3_runs, unicode_to_vni

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def set_run_font(run, name: str) -> None:
    """Name the font for every character range, as Word does when a user picks a font."""
    run.font.name = name
    run._r.rPr.rFonts.set(qn("w:hAnsi"), name)
    run._r.rPr.rFonts.set(qn("w:cs"), name)


def add_legacy_paragraph(document, line: str, encoding: str, *, font: str | None = None):
    """A paragraph typed as ABC or VNI users did: TCVN3 runs in .VnTime (.VnTimeH for a toned capital,
    which has no TCVN3 code), or VNI text in VNI-Times."""
    paragraph = document.add_paragraph()
    if encoding == "vni":
        set_run_font(paragraph.add_run(unicode_to_vni(line)), font or "VNI-Times")
        return paragraph
    for text, capitals in unicode_to_tcvn3_runs(line):
        set_run_font(paragraph.add_run(text), (font or ".VnTime") + ("H" if capitals else ""))
    return paragraph


def legacy_docx(lines: list[str], encoding: str) -> bytes:
    """A .docx whose paragraphs are `lines` typed in TCVN3 ("tcvn3") or VNI ("vni") fonts."""
    document = docx.Document()
    for line in lines:
        add_legacy_paragraph(document, line, encoding)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def font_path(name: str = "DejaVuSerif.ttf") -> Path:
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{name} not found (Debian: fonts-dejavu-core)")


def render_pages(text: str, *, dpi: int = 300, seed: int = 0, noise: float = 8.0, skew_degrees: float = 0.8,
                 font_pt: float = 12.0, max_lines: int = 48):
    """`text` typeset on A4 pages at `dpi`, as a scanner returns them: greyscale, slightly rotated,
    with Gaussian sensor noise and speckles. Returns a list of PIL images (one per page)."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    rng = random.Random(seed)
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    font = ImageFont.truetype(str(font_path()), round(font_pt * dpi / 72))
    margin = round(0.9 * dpi)
    char_width = font.getlength("n") or 1
    columns = max(20, int((width - 2 * margin) / char_width))
    lines = [wrapped for paragraph in text.split("\n") for wrapped in (textwrap.wrap(paragraph, columns) or [""])]
    line_height = round(font_pt * 1.45 * dpi / 72)
    pages = []
    for start in range(0, len(lines), max_lines):
        page = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(page)
        for row, line in enumerate(lines[start : start + max_lines]):
            draw.text((margin, margin + row * line_height), line, font=font, fill=rng.randint(0, 40))
        page = page.rotate(rng.uniform(-skew_degrees, skew_degrees), resample=Image.Resampling.BILINEAR,
                           fillcolor=255, expand=False)
        page = page.filter(ImageFilter.GaussianBlur(radius=dpi / 300 * 0.6))
        pages.append(_add_noise(page, seed * 1000 + len(pages), noise))
    return pages


def _add_noise(page, seed: int, sigma: float):
    """Zero-mean Gaussian sensor noise, and isolated dark specks as dust on the glass leaves."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    pixels = np.asarray(page, dtype=np.float32) + rng.normal(0.0, sigma, (page.size[1], page.size[0]))
    specks = rng.random(pixels.shape) < 1 / 20_000
    pixels[specks] = rng.uniform(0, 90, int(specks.sum()))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")


def images_to_pdf(pages, dpi: int, quality: int = 75) -> bytes:
    """Page images as an image-only PDF (no text layer, JPEG pages), as a scanner writes it."""
    buffer = io.BytesIO()
    first, *rest = [page.convert("L") for page in pages]
    first.save(buffer, format="PDF", save_all=True, append_images=rest, resolution=dpi, quality=quality)
    return buffer.getvalue()


def image_bytes(page, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    page.save(buffer, format=fmt, **options)
    return buffer.getvalue()
