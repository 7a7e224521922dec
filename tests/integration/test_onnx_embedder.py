"""The built multilingual-e5-small ONNX model and OnnxEmbedder, checked against an independent reference.

Needs `models/me5-small-q4` (`make model`); the reference reads the source wheels from `.cache/wheels`.
"""

from __future__ import annotations

import json
import os
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from shared.adapters.onnx.embedder import OnnxEmbedder
from shared.domain.errors import ModelUnavailable
from tests.integration.e5_reference import E5Reference, load_reference, reference_tokenizer_json

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
MODEL_DIR = REPO / "models" / "me5-small-q4"
CORPUS = Path(os.environ.get("VNRAG_TOKENIZER_CORPUS", "/work/shared/data/vi-legal-dev/corpus.jsonl"))

LONG = " ".join(
    [
        "Điều 12. Hồ sơ đề nghị cấp giấy phép xây dựng nhà ở riêng lẻ gồm: đơn đề nghị cấp giấy phép;",
        "bản sao giấy tờ chứng minh quyền sử dụng đất; bản vẽ thiết kế xây dựng; cam kết bảo đảm an toàn",
        "đối với công trình liền kề. Cơ quan có thẩm quyền xem xét hồ sơ trong thời hạn 15 ngày làm việc,",
        "kể từ ngày nhận đủ hồ sơ hợp lệ; trường hợp từ chối phải trả lời bằng văn bản và nêu rõ lý do.",
    ]
    * 12
)  # well over 512 tokens: exercises truncation
TEXTS = [
    "Thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ tại đô thị",
    "Người lao động được nghỉ phép năm bao nhiêu ngày?",
    "Giá vàng hôm nay tăng mạnh, lên 1.200.000₫/chỉ (~45 €) — cao nhất từ 12/03/2024.",
    "ĐIỀU 5. QUYỀN VÀ NGHĨA VỤ CỦA NGƯỜI SỬ DỤNG ĐẤT",
    "Luật này quy định về phòng, chống ma túy; quản lý người sử dụng trái phép chất ma túy.",
    "Thu tuc cap giay phep xay dung",
    "Kích thước hạt bụi mịn PM2.5 nhỏ hơn 2,5 µm; “ô nhiễm” ở mức báo động…",
    LONG,
]


@pytest.fixture(scope="module")
def model_dir() -> Path:
    if not MODEL_DIR.is_dir():
        pytest.fail(f"{MODEL_DIR} not built (run `make model`; `make test` does it first)")
    return MODEL_DIR


@pytest.fixture(scope="module")
def embedder(model_dir: Path) -> OnnxEmbedder:
    return OnnxEmbedder(model_dir, batch_size=3)  # small batches: several batches per call


@pytest.fixture(scope="module")
def full_tokenizer():
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(reference_tokenizer_json())
    tok.enable_truncation(512)
    return tok


@pytest.fixture(scope="module")
def pruned_tokenizer(model_dir: Path):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.enable_truncation(512)
    return tok


@pytest.fixture(scope="module")
def reference() -> E5Reference:
    return load_reference()


# ------------------------------------------------------------------------------ (a) numeric equivalence


def test_matches_the_independent_numpy_reference(embedder, reference, full_tokenizer) -> None:
    """ONNX (4-bit kernels, pruned vocab, padded batches) == float64 BERT on the dequantised E5S1 weights."""
    for prefix, embed in (("passage: ", embedder.embed_passages), ("query: ", embedder.embed_queries)):
        got = embed(TEXTS)
        for text, vector in zip(TEXTS, got, strict=True):
            ids = full_tokenizer.encode(prefix + text).ids
            cosine = float(vector.astype(np.float64) @ reference.embed(ids))
            # Measured 1.0000000: the 4-bit kernels dequantise exactly; only float rounding differs.
            assert cosine >= 0.9999, (prefix, text[:40], cosine)
    assert len(full_tokenizer.encode("passage: " + LONG).ids) == 512


# ------------------------------------------------------------------------------ (b) pruned tokenizer

TOKENIZER_TEXTS = [
    *TEXTS,
    "Căn cứ Nghị định số 100/2019/NĐ-CP; Thông tư 58/2020/TT-BCA (sửa đổi, bổ sung).",
    "Trường hợp Ðơn vị (Ð = U+00D0) dùng dấu gạch mềm: cơ­quan, ½ số tiền, 5² m², §3, ©, ™",
    "  khoảng   trắng\tvà\nxuống dòng  ",
    "e-mail: phapche@moj.gov.vn, https://vbpl.vn/van-ban?id=123&x=1",
    "",
]


def test_pruned_tokenizer_is_identical_on_vietnamese(full_tokenizer, pruned_tokenizer) -> None:
    pruned_vocab = {i: p for p, i in pruned_tokenizer.get_vocab(with_added_tokens=True).items()}
    for text in TOKENIZER_TEXTS:
        full = full_tokenizer.encode(text)
        pruned = pruned_tokenizer.encode(text)
        assert pruned.tokens == full.tokens, text
        assert pruned.offsets == full.offsets, text
        # Each pruned id points at the very piece the full id names (the remapping is consistent).
        assert [pruned_vocab[i] for i in pruned.ids] == [full_tokenizer.id_to_token(i) for i in full.ids]
        assert 3 not in pruned.ids or 3 in full.ids, "a kept-character text fell back to <unk>"


def test_characters_outside_the_kept_set_become_unk(full_tokenizer, pruned_tokenizer) -> None:
    """Documented limit of the pruning: e.g. CJK, emoji and maths symbols are not in the vocabulary."""
    for text in ("中文", "😀", "≈"):
        assert 3 not in full_tokenizer.encode(text).ids
        assert 3 in pruned_tokenizer.encode(text).ids


def test_special_ids_are_kept(pruned_tokenizer, model_dir: Path) -> None:
    for token, token_id in (("<s>", 0), ("<pad>", 1), ("</s>", 2), ("<unk>", 3)):
        assert pruned_tokenizer.token_to_id(token) == token_id
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    assert pruned_tokenizer.get_vocab_size() == manifest["vocab_size"]
    assert pruned_tokenizer.token_to_id("<mask>") == manifest["vocab_size"] - 1


@pytest.mark.skipif(not CORPUS.exists(), reason=f"{CORPUS} not available")
def test_pruned_tokenizer_is_identical_on_the_legal_corpus(full_tokenizer, pruned_tokenizer) -> None:
    with CORPUS.open(encoding="utf-8") as fh:
        docs = [json.loads(line) for line in fh if line.strip()]
    texts = [unicodedata.normalize("NFC", f"passage: {d.get('title', '')}\n{d['text']}") for d in docs]
    full = full_tokenizer.encode_batch(texts)
    pruned = pruned_tokenizer.encode_batch(texts)
    differ = [t[:60] for t, a, b in zip(texts, full, pruned, strict=True) if a.tokens != b.tokens]
    assert not differ, f"{len(differ)} documents tokenise differently, e.g. {differ[:3]}"


# ------------------------------------------------------------------------------ (c) encoder contract


def test_unit_length_float32_and_shape(embedder) -> None:
    vectors = embedder.embed_passages(TEXTS)
    assert embedder.dimension == 384
    assert embedder.model_id == "multilingual-e5-small-q4"
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_queries([]).shape == (0, 384)


def test_length_sorting_preserves_input_order(embedder) -> None:
    together = embedder.embed_passages(TEXTS)
    alone = np.stack([embedder.embed_passages([t])[0] for t in TEXTS])
    # Padding inside a batch changes float rounding only.
    np.testing.assert_allclose(np.sum(together * alone, axis=1), 1.0, atol=1e-5)
    shuffled = [TEXTS[i] for i in (7, 2, 5, 0, 3, 6, 1, 4)]
    np.testing.assert_allclose(
        embedder.embed_passages(shuffled), together[[7, 2, 5, 0, 3, 6, 1, 4]], atol=1e-5
    )


def test_nfd_input_gives_the_nfc_vector(embedder) -> None:
    nfc = embedder.embed_queries(TEXTS[:4])
    nfd = embedder.embed_queries([unicodedata.normalize("NFD", t) for t in TEXTS[:4]])
    np.testing.assert_allclose(nfd, nfc, atol=1e-6)


def test_queries_and_passages_use_their_prefixes(embedder) -> None:
    q = embedder.embed_queries(TEXTS[:1])[0]
    p = embedder.embed_passages(TEXTS[:1])[0]
    assert 0.8 < float(q @ p) < 0.9999


# ------------------------------------------------------------------------------ (d) semantics


def test_question_is_closest_to_its_passage(embedder) -> None:
    question = "Thời hạn giải quyết hồ sơ đăng ký nhận con nuôi là bao nhiêu ngày?"
    passages = [
        "Thời hạn giải quyết việc nuôi con nuôi trong nước là 30 ngày, kể từ ngày cơ quan đăng ký "
        "nuôi con nuôi nhận đủ hồ sơ hợp lệ.",
        "Người nào tàng trữ trái phép chất ma túy thì bị phạt tù từ 01 năm đến 05 năm.",
        "Mức lương tối thiểu vùng I là 4.960.000 đồng/tháng.",
    ]
    scores = embedder.embed_passages(passages) @ embedder.embed_queries([question])[0]
    assert scores[0] == scores.max()
    assert scores[0] - max(scores[1:]) > 0.03, scores


# ------------------------------------------------------------------------------ (e) other folders, errors


def test_missing_folder_raises_model_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="make model"):
        OnnxEmbedder(tmp_path / "nope")


def test_missing_or_corrupt_files_raise_model_unavailable(tmp_path: Path, model_dir: Path) -> None:
    (tmp_path / "tokenizer.json").write_bytes((model_dir / "tokenizer.json").read_bytes())
    with pytest.raises(ModelUnavailable, match="model.onnx"):
        OnnxEmbedder(tmp_path)
    (tmp_path / "model.onnx").write_bytes(b"not an onnx file")
    with pytest.raises(ModelUnavailable, match="make model"):
        OnnxEmbedder(tmp_path)
    (tmp_path / "tokenizer.json").write_text("{broken", encoding="utf-8")
    with pytest.raises(ModelUnavailable, match="make model"):
        OnnxEmbedder(tmp_path)


def test_folder_without_manifest_in_onnx_subdir(tmp_path: Path, model_dir: Path, embedder) -> None:
    """Any exported folder works: model under onnx/, no manifest -> id = folder name, dimension from graph."""
    other = tmp_path / "some-export"
    (other / "onnx").mkdir(parents=True)
    shutil.copy(model_dir / "model.onnx", other / "onnx" / "model.onnx")
    shutil.copy(model_dir / "tokenizer.json", other / "tokenizer.json")
    emb = OnnxEmbedder(other)
    assert emb.model_id == "some-export" and emb.dimension == 384
    np.testing.assert_allclose(emb.embed_queries(TEXTS[:3]), embedder.embed_queries(TEXTS[:3]), atol=1e-5)


def test_graph_declaring_token_type_ids_is_fed(tmp_path: Path, model_dir: Path, embedder) -> None:
    onnx = pytest.importorskip("onnx")
    model = onnx.load(str(model_dir / "model.onnx"))
    # Use the new input (times zero) so onnxruntime cannot drop it as unused: it must be fed.
    model.graph.input.append(
        onnx.helper.make_tensor_value_info("token_type_ids", onnx.TensorProto.INT64, ["batch", "sequence"])
    )
    model.graph.initializer.append(onnx.numpy_helper.from_array(np.array(0.0, np.float32), "tt_zero"))
    final = model.graph.node[-1]  # Identity -> last_hidden_state
    model.graph.node.extend(
        [
            onnx.helper.make_node("Cast", ["token_type_ids"], ["tt_f"], to=onnx.TensorProto.FLOAT),
            onnx.helper.make_node("Mul", ["tt_f", "tt_zero"], ["tt_0"]),
            onnx.helper.make_node("Unsqueeze", ["tt_0", "axis_last"], ["tt_3d"]),
            onnx.helper.make_node("Add", [final.input[0], "tt_3d"], ["hidden_tt"]),
        ]
    )
    final.input[0] = "hidden_tt"
    sorted_nodes = list(model.graph.node)
    # Identity must come after the new nodes (ONNX requires topological order).
    sorted_nodes.remove(final)
    sorted_nodes.append(final)
    del model.graph.node[:]
    model.graph.node.extend(sorted_nodes)
    folder = tmp_path / "with-token-types"
    folder.mkdir()
    onnx.save(model, str(folder / "model.onnx"))
    shutil.copy(model_dir / "tokenizer.json", folder / "tokenizer.json")
    emb = OnnxEmbedder(folder)
    assert emb._wants_token_types
    np.testing.assert_allclose(emb.embed_passages(TEXTS[:2]), embedder.embed_passages(TEXTS[:2]), atol=1e-5)
