"""Vietnamese word segmentation: pyvi 0.1.1's `ViTokenizer.tokenize`, ported to run on pycrfsuite.

pyvi itself unpickles a scikit-learn estimator (300 MB of dependencies, ~1 s import). Its CRF is
an ordinary CRFsuite model, extracted by `tools/build_pyvi.py`; this module reproduces pyvi's
syllabifier, features and joining rules around it, and its output is identical to pyvi's
(checked against recorded pyvi output in tests/integration/text/data/pyvi_golden.jsonl).
"""

from __future__ import annotations

import re
import string
import threading
import unicodedata
from pathlib import Path

import pycrfsuite

from shared.domain.errors import ModelUnavailable

MODEL_FILE = "pyvi3.crfsuite"
WORDS_FILE = "words.txt"

# pyvi's syllabifier, alternative for alternative and in its order: the first one that matches wins,
# so abbreviations ("TP.", "ThS.") beat plain words, and "1.200.000" beats "1" "." "200" ...
_ABBREVIATIONS = [r"[A-ZĐ]+\.", r"Tp\.", r"Mr\.", r"Mrs\.", r"Ms\.", r"Dr\.", r"ThS\."]
_SPECIALS = ["==>", "->", r"\.\.\.", ">>", "\n"]
_WEB = r"\w+://[^\s]+"
_EMAIL = r"([a-zA-Z0-9_.+-]+@([a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+)"
_DIGIT = r"\d+([\.,_]\d+)+"
_SYLLABLE = re.compile("|".join([*_ABBREVIATIONS, *_SPECIALS, _WEB, _EMAIL, _DIGIT, r"[^\w\s]", r"\w+"]))

_PUNCTUATION = string.punctuation  # pyvi tests `token in string.punctuation`: a substring test


def syllabify(text: str) -> list[str]:
    """pyvi's `sylabelize`: the NFC form of `text` cut into syllables, numbers, URLs, e-mails, marks."""
    return [m.group(0) for m in _SYLLABLE.finditer(unicodedata.normalize("NFC", text))]


class WordSegmenter:
    """Joins the syllables of Vietnamese compounds with `_`, exactly as pyvi 0.1.1 does.

    Loads the model once; `segment` is then pure. Safe to share between threads.
    Raises `ModelUnavailable` if the model files are missing or unreadable.
    """

    def __init__(self, model_dir: Path) -> None:
        model_dir = Path(model_dir)
        model, words = model_dir / MODEL_FILE, model_dir / WORDS_FILE
        missing = [p.name for p in (model, words) if not p.is_file()]
        if missing:
            raise ModelUnavailable(
                f"word segmentation model not found in {model_dir} (missing {', '.join(missing)}); "
                "run `make model` to build it"
            )
        try:
            self._bigrams, self._trigrams = _load_ngrams(words)
            self._tagger = pycrfsuite.Tagger()
            self._tagger.open(str(model))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise ModelUnavailable(f"cannot read the word segmentation model in {model_dir}: {exc}") from exc
        # A pycrfsuite.Tagger holds the sequence being tagged between two calls: not re-entrant.
        self._lock = threading.Lock()

    def segment(self, text: str) -> str:
        """pyvi's `ViTokenizer.tokenize(text)`: NFC words joined by `_`, tokens separated by one space.

        Spacing is rewritten (`1.200.000đ` -> `1.200.000 đ`, `a, b` -> `a , b`) and line breaks
        become tokens of their own. Like pyvi, text without any token is returned unchanged.
        """
        tokens = self._tokens(text)
        return " ".join(tokens) if tokens else text

    def words(self, text: str) -> list[str]:
        """The tokens of `segment(text)` in order, without the line breaks pyvi emits as tokens.

        pyvi now and then joins a line break to a neighbour (`\n_niên`); here a line break
        always ends a word, so that token yields `niên`.
        """
        out: list[str] = []
        for token in self._tokens(text):
            if "\n" not in token:
                out.append(token)
                continue
            pieces = token.replace("_\n", "\n").replace("\n_", "\n").split("\n")
            out.extend(p for p in pieces if p)
        return out

    def _tokens(self, text: str) -> list[str]:
        sylls = syllabify(text)
        if not sylls:
            return []
        features = self._features(sylls)
        with self._lock:
            labels = self._tagger.tag(features)
        tokens = [sylls[0]]
        for i in range(1, len(sylls)):
            cur, prev = sylls[i], sylls[i - 1]
            if (
                labels[i] == "I_W"
                and cur not in _PUNCTUATION
                and prev not in _PUNCTUATION
                and not cur[0].isdigit()
                and not prev[0].isdigit()
                and not (cur[0].istitle() and not prev[0].istitle())
            ):
                tokens[-1] += "_" + cur
            else:
                tokens.append(cur)
        return tokens

    def _features(self, sylls: list[str]) -> list[dict[str, float | str | bool]]:
        """pyvi's `word2features` for every position (same keys and values, so same CRF attributes)."""
        lower = [s.lower() for s in sylls]
        upper = [s.isupper() for s in sylls]
        title = [s.istitle() for s in sylls]
        bigrams, trigrams, last = self._bigrams, self._trigrams, len(sylls) - 1
        out: list[dict[str, float | str | bool]] = []
        for i, word in enumerate(sylls):
            f: dict[str, float | str | bool] = {
                "bias": 1.0,
                "word.lower()": lower[i],
                "word.isupper()": upper[i],
                "word.istitle()": title[i],
                "word.isdigit()": word.isdigit(),
            }
            if i > 0:
                f["-1:word.lower()"] = lower[i - 1]
                f["-1:word.istitle()"] = title[i - 1]
                f["-1:word.isupper()"] = upper[i - 1]
                f["-1:word.bi_gram()"] = f"{lower[i - 1]} {lower[i]}" in bigrams
                if i > 1:
                    f["-2:word.tri_gram()"] = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}" in trigrams
            if i < last:
                f["+1:word.lower()"] = lower[i + 1]
                f["+1:word.istitle()"] = title[i + 1]
                f["+1:word.isupper()"] = upper[i + 1]
                f["+1:word.bi_gram()"] = f"{lower[i]} {lower[i + 1]}" in bigrams
                if i < last - 1:
                    f["+2:word.tri_gram()"] = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}" in trigrams
            out.append(f)
        return out


def _load_ngrams(path: Path) -> tuple[frozenset[str], frozenset[str]]:
    """pyvi's dictionary: its two- and three-syllable entries, kept as written (not lowercased)."""
    # newline="" and split("\n"): pyvi reads the file through codecs.open, which keeps "\r".
    with path.open(encoding="utf-8", newline="") as fh:
        entries = fh.read().split("\n")
    bigrams = frozenset(e for e in entries if e.count(" ") == 1)
    trigrams = frozenset(e for e in entries if e.count(" ") == 2)
    return bigrams, trigrams
