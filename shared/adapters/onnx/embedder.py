"""Sentence embeddings with onnxruntime + tokenizers + numpy (no torch): the encoder used everywhere.

Works with the folder `tools/build_model.py` writes (`make model`) and with any exported BERT/XLM-R model
folder holding `model.onnx` (or `onnx/model.onnx`) and `tokenizer.json` whose graph outputs token states
(`last_hidden_state`, mean-pooled here) or an already pooled `[batch, dim]` tensor.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from shared.domain.errors import ModelUnavailable

_HINT = "run `make model` to build it"


def _default_threads() -> int:
    """CPUs this process may use (the affinity mask respects container/cgroup pinning, cpu_count does not)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class OnnxEmbedder:
    """Embedder (see `shared.ports.Embedder`) backed by an ONNX encoder.

    Contract:
    * `embed_queries` / `embed_passages` return float32 arrays `[len(texts), dimension]`, rows L2-normalised
      and in input order; an empty input gives shape `[0, dimension]`.
    * Each text is NFC-normalised, prefixed (`query: ` / `passage: ` for e5), tokenised and truncated to
      `max_length` tokens. Texts are length-sorted and batched `batch_size` at a time, each batch padded only
      to its own longest text, so results do not depend on what else is in the call (up to float rounding).
    * Everything is loaded in the constructor; missing or unreadable files raise `ModelUnavailable`.
    * `model_id` comes from `manifest.json`, else the folder name; `dimension` from the manifest, else the
      graph's declared output shape, else one probe run.
    """

    model_id: str
    dimension: int

    def __init__(
        self,
        model_dir: Path,
        *,
        batch_size: int = 32,
        max_length: int = 512,
        threads: int | None = None,
        query_prefix: str = "query: ",
        passage_prefix: str = "passage: ",
    ) -> None:
        if batch_size < 1 or max_length < 2:
            raise ValueError("batch_size must be >= 1 and max_length >= 2")
        model_dir = Path(model_dir)
        self.model_dir = model_dir
        self.batch_size = batch_size
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix

        if not model_dir.is_dir():
            raise ModelUnavailable(f"embedding model folder {model_dir} does not exist; {_HINT}")
        manifest = self._read_manifest(model_dir / "manifest.json")
        model_path = next(
            (p for p in (model_dir / "model.onnx", model_dir / "onnx" / "model.onnx") if p.is_file()), None
        )
        tokenizer_path = model_dir / "tokenizer.json"
        if model_path is None:
            raise ModelUnavailable(f"no model.onnx (or onnx/model.onnx) in {model_dir}; {_HINT}")
        if not tokenizer_path.is_file():
            raise ModelUnavailable(f"no tokenizer.json in {model_dir}; {_HINT}")

        # A model cannot attend past its position table; the manifest may say it is shorter than asked.
        self.max_length = min(max_length, int(manifest.get("max_length", max_length)))
        self._tokenizer = self._load_tokenizer(tokenizer_path, self.max_length)
        self._session = self._load_session(model_path, threads or _default_threads())

        inputs = {i.name for i in self._session.get_inputs()}
        missing = {"input_ids", "attention_mask"} - inputs
        unknown = inputs - {"input_ids", "attention_mask", "token_type_ids"}
        if missing or unknown:
            raise ModelUnavailable(
                f"{model_path} has inputs {sorted(inputs)}; expected input_ids, attention_mask "
                f"[, token_type_ids]; {_HINT}"
            )
        self._wants_token_types = "token_type_ids" in inputs
        outputs = self._session.get_outputs()
        names = [o.name for o in outputs]
        self._output = "last_hidden_state" if "last_hidden_state" in names else names[0]
        self._pad_id = self._pad_token_id()

        self.model_id = str(manifest.get("model_id") or model_dir.name)
        declared = next(o for o in outputs if o.name == self._output).shape
        if "dimension" in manifest:
            self.dimension = int(manifest["dimension"])
        elif declared and isinstance(declared[-1], int):
            self.dimension = declared[-1]
        else:
            self.dimension = int(self._encode(["probe"]).shape[1])

    # ------------------------------------------------------------------------------------------ public

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 unit row per query, in input order."""
        return self._encode([self.query_prefix + unicodedata.normalize("NFC", t) for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 unit row per passage, in input order."""
        return self._encode([self.passage_prefix + unicodedata.normalize("NFC", t) for t in texts])

    def __repr__(self) -> str:
        return f"OnnxEmbedder(model_id={self.model_id!r}, dimension={self.dimension}, dir={self.model_dir})"

    # ---------------------------------------------------------------------------------------- loading

    @staticmethod
    def _read_manifest(path: Path) -> dict:
        if not path.exists():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelUnavailable(f"unreadable {path}: {exc}; {_HINT}") from exc
        if not isinstance(data, dict):
            raise ModelUnavailable(f"{path} is not a JSON object; {_HINT}")
        return data

    @staticmethod
    def _load_tokenizer(path: Path, max_length: int):
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(path))
        except Exception as exc:  # the Rust side raises a plain Exception for any parse error
            raise ModelUnavailable(f"unreadable tokenizer {path}: {exc}; {_HINT}") from exc
        tokenizer.enable_truncation(max_length)
        # Padding per batch is done here (to the batch's longest text), not by the tokenizer.
        tokenizer.no_padding()
        return tokenizer

    @staticmethod
    def _load_session(path: Path, threads: int):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        # One graph, run op by op: inter-op parallelism only adds threads competing for few cores.
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle worker threads sleep instead of spinning: a server runs several queries at once on few
        # cores, and spinning threads would burn the CPU the other queries need.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.log_severity_level = 3  # warnings about unused initializers etc. are noise here
        try:
            return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own non-exported exception types
            raise ModelUnavailable(f"cannot load {path}: {exc}; {_HINT}") from exc

    def _pad_token_id(self) -> int:
        # The value is never attended (mask 0), but must be a valid row of the embedding table.
        padding = self._tokenizer.padding
        if padding and padding.get("pad_id") is not None:
            return int(padding["pad_id"])
        for token in ("<pad>", "[PAD]"):
            token_id = self._tokenizer.token_to_id(token)
            if token_id is not None:
                return int(token_id)
        return 0

    # ---------------------------------------------------------------------------------------- encoding

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts, add_special_tokens=True)
        lengths = np.array([len(e.ids) for e in encodings])
        # Sorting by length makes each padded batch nearly rectangular: padding to 512 otherwise dominates.
        order = np.argsort(-lengths, kind="stable")
        batches = [order[i : i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        vectors = np.concatenate([self._run_batch([encodings[i].ids for i in idx]) for idx in batches])
        out = np.empty_like(vectors)
        out[order] = vectors  # back to input order
        return out

    def _run_batch(self, ids_list: list[list[int]]) -> np.ndarray:
        """Unit vectors for one batch; sequences are right-padded to the batch's longest."""
        width = max(1, max(len(ids) for ids in ids_list))
        ids = np.full((len(ids_list), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(ids_list), width), dtype=np.int64)
        for row, seq in enumerate(ids_list):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if self._wants_token_types:
            feed["token_type_ids"] = np.zeros_like(ids)
        (hidden,) = self._session.run([self._output], feed)
        hidden = np.asarray(hidden, dtype=np.float32)
        if hidden.ndim == 3:
            weights = mask[:, :, None].astype(np.float32)
            # max(.., 1): a text that tokenises to nothing gives a zero vector, not a division by zero.
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        elif hidden.ndim == 2:
            pooled = hidden  # the graph already pools
        else:
            raise ModelUnavailable(f"unexpected output shape {hidden.shape} from {self.model_dir}")
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
