"""Extract pyvi's word-segmentation model into plain files that need only python-crfsuite.

    python tools/build_pyvi.py --out models/pyvi --cache .cache/wheels

pyvi 0.1.1 ships its CRF as a pickled sklearn_crfsuite estimator; unpickling it normally needs
scikit-learn, scipy and an old numpy alias. The raw CRFsuite model is a byte string inside that
pickle, so we read it with a restricted unpickler whose classes are inert stubs (nothing from the
pickle is executed) and write:

    pyvi3.crfsuite   the CRFsuite model, loadable by pycrfsuite.Tagger
    words.txt        pyvi's bigram/trigram dictionary, byte for byte
    NOTICE           pyvi's MIT licence and where the files came from

Idempotent: files already holding the expected bytes are left alone; others are replaced atomically.
"""

from __future__ import annotations

import argparse
import codecs
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "pyvi==0.1.1"
WHEEL_NAME = "pyvi-0.1.1-py2.py3-none-any.whl"
WHEEL_SHA256 = "e5e9e0e40ea1a556af12646c6b754f065342c86f1dfe84785ba926e1190c0bb7"
MODEL_MEMBER = "pyvi/models/pyvi3.pkl"
WORDS_MEMBER = "pyvi/models/words.txt"
LICENSE_MEMBER = "pyvi-0.1.1.dist-info/LICENSE.txt"
CRFSUITE_MAGIC = b"lCRF"

# The only globals pyvi3.pkl references. Everything else is refused.
_STUB_CLASSES = {
    ("sklearn_crfsuite.estimator", "CRF"),
    ("sklearn_crfsuite._fileresource", "FileResource"),
    ("pycrfsuite._logparser", "TrainLogParser"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy", "dtype"),
}


class _Stub:
    """Records whatever the pickle hands it, and does nothing else."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.args = args

    def __setstate__(self, state: object) -> None:
        self.state = state


class _StubUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        if (module, name) in _STUB_CLASSES:
            return type(name, (_Stub,), {"__module__": module})
        if (module, name) == ("_codecs", "encode"):
            # Protocol-2 pickles written by Python 3 store bytes as encode(str, "latin1").
            return codecs.encode
        raise pickle.UnpicklingError(f"unexpected global in pyvi model: {module}.{name}")


def extract_crfsuite_model(pickled: bytes) -> bytes:
    """Return the raw CRFsuite model held by pyvi's pickled sklearn_crfsuite.CRF."""
    estimator = _StubUnpickler(io.BytesIO(pickled)).load()
    # sklearn_crfsuite.FileResource.__getstate__ keeps the model file's bytes under this key.
    data = estimator.state["modelfile"].state["__FILE_RESOURCE_DATA__"]
    if not isinstance(data, bytes) or not data.startswith(CRFSUITE_MAGIC):
        raise SystemExit("pyvi3.pkl does not hold a CRFsuite model where expected")
    return data


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_wheel(cache: Path) -> Path:
    """Download the pinned wheel into `cache` unless it is already there, and check its hash."""
    wheel = cache / WHEEL_NAME
    if not wheel.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", PACKAGE, "-d", str(cache)],
            check=True,
        )
    actual = sha256(wheel)
    if actual != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: sha256 {actual} != expected {WHEEL_SHA256}; delete it and retry")
    return wheel


def notice(license_text: str) -> bytes:
    return (
        "pyvi3.crfsuite and words.txt are taken unchanged from pyvi 0.1.1\n"
        "(https://pypi.org/project/pyvi/0.1.1/, wheel sha256 " + WHEEL_SHA256 + ").\n"
        "pyvi3.crfsuite is the CRFsuite model stored inside pyvi/models/pyvi3.pkl.\n"
        "pyvi is distributed under the following licence:\n\n" + license_text.strip() + "\n"
    ).encode("utf-8")


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically replace `path` with `data` unless it already holds exactly that; True if written."""
    if path.exists() and path.read_bytes() == data:
        return False
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; these are ordinary shared data files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def build(out: Path, cache: Path) -> None:
    wheel = fetch_wheel(cache)
    with zipfile.ZipFile(wheel) as zf:
        files = {
            "pyvi3.crfsuite": extract_crfsuite_model(zf.read(MODEL_MEMBER)),
            "words.txt": zf.read(WORDS_MEMBER),
            "NOTICE": notice(zf.read(LICENSE_MEMBER).decode("utf-8")),
        }
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        state = "written" if write_if_changed(out / name, data) else "up to date"
        print(f"{out / name}: {len(data):,} bytes, {state}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("models/pyvi"))
    parser.add_argument("--cache", type=Path, default=Path(".cache/wheels"))
    args = parser.parse_args(argv)
    build(args.out, args.cache)


if __name__ == "__main__":
    main()
