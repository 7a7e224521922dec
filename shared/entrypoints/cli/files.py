"""Ingesting files from disk: folder walking, sidecar metadata, stable ids, per-file results."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath

from shared.domain.models import DEFAULT_DOCUMENT_TYPE, AccessLevel, DocumentStatus
from shared.domain.sidecar import SIDECAR_SUFFIX, parse_sidecar
from shared.observability import NullTelemetry
from shared.ports import Telemetry
from shared.services.ingestion import Ingestor
from shared.services.parsing import SUPPORTED_EXTENSIONS, extension_of
from shared.services.text.normalize import fold_diacritics


@dataclass(slots=True)
class IngestSummary:
    indexed: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0  # files of a format no reader handles, found while walking a folder


@dataclass(frozen=True, slots=True)
class Sidecar:
    """Optional `<file>.meta.json` next to a file: title, document_type, access_level, id."""

    title: str | None = None
    document_type: str | None = None
    access_level: str | None = None
    id: str | None = None

    @classmethod
    def for_file(cls, path: Path) -> Sidecar:
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        if not sidecar.is_file():
            return cls()
        return cls(**parse_sidecar(sidecar.read_bytes(), sidecar.name))


def document_id_for(path: PurePath, root: PurePath) -> str:
    """A readable, stable id from the path below the ingested root: `luat/dat-dai.docx` → `luat-dat-dai-docx`."""
    relative = path.relative_to(root) if path != root else PurePath(path.name)
    slug = re.sub(r"[^a-z0-9]+", "-", fold_diacritics(str(relative)).lower()).strip("-")
    return slug or "document"


def iter_files(paths: Iterable[Path]) -> Iterator[tuple[Path, Path, bool]]:
    """(file, root, found in a folder) triples: files as given, folders walked in sorted order (sidecars and
    hidden files left out; files of an unsupported format included, so that the caller can say so)."""
    for path in paths:
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if not file.name.endswith(SIDECAR_SUFFIX) and not file.name.startswith("."):
                    yield file, path, True
        else:
            yield path, path.parent, False


def ingest_paths(ingestor: Ingestor, paths: Iterable[Path], *, access_level: str | None = None,
                 document_type: str | None = None, echo: Callable[[str], None] = lambda _: None,
                 telemetry: Telemetry | None = None) -> IngestSummary:
    """Ingest every file; a failing file is reported and skipped, never fatal to the batch."""
    from tqdm import tqdm

    telemetry = telemetry or NullTelemetry()

    summary = IngestSummary()
    files = list(iter_files(paths))
    for file, root, walked in tqdm(files, desc="ingesting", unit="file", disable=len(files) < 2):
        # A file named on the command line is always tried (and fails with the reason); one found in a
        # folder in a format nothing reads is reported and skipped, without a failed document record.
        if walked and extension_of(file.name) not in SUPPORTED_EXTENSIONS:
            summary.skipped += 1
            echo(f"skipped   {file}: {extension_of(file.name) or 'no extension'} is not a format vnrag reads")
            continue
        try:
            meta = Sidecar.for_file(file)
            level = AccessLevel.parse(meta.access_level or access_level or "public")
            document_id = meta.id or document_id_for(file, root)
            before = ingestor.store.get_document(document_id)
            doc = ingestor.ingest_file(file.name, file.read_bytes(), document_id=document_id, title=meta.title,
                                       document_type=meta.document_type or document_type or DEFAULT_DOCUMENT_TYPE,
                                       access_level=level, source=str(file),
                                       progress=_ocr_progress(echo, file.name))
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
            summary.failed += 1
            telemetry.ingest_failed(str(file.name), type(exc).__name__)
            echo(f"FAILED    {file}: {exc}")
            continue
        if doc.status is DocumentStatus.FAILED:
            summary.failed += 1
            telemetry.document_ingested(doc)
            echo(f"FAILED    {file}: {doc.error}")
        elif before is not None and before.updated_at == doc.updated_at:
            summary.unchanged += 1
            echo(f"unchanged {file} → {doc.id}")
        else:
            summary.indexed += 1
            telemetry.document_ingested(doc)
            echo(f"indexed   {file} → {doc.id} ({doc.chunk_count} chunks, {doc.access_level.label})")
    return summary


def _ocr_progress(echo: Callable[[str], None], name: str) -> Callable[[int, int], None]:
    """One line per scanned page read, so a long OCR run shows that it is moving."""
    return lambda done, total: echo(f"          OCR page {done}/{total} of {name}")
