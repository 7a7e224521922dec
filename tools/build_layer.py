"""Build the Lambda layers of the query path for python3.12 x86_64 and print their sizes.

    .venv/bin/python tools/build_layer.py [--out layers/embeddings/build]

Three layers, as AWS unpacks them under /opt:
  python/  onnxruntime, numpy, tokenizers, python-crfsuite (runtime of the embedder and segmenter), pruned
  models/  me5-small-q4/ (model.onnx, tokenizer.json) and pyvi/ (pyvi3.crfsuite, words.txt), from `make model`
  ocr/     the ingest function's only: tesserocr (libtesseract 5.5 and leptonica inside its manylinux_2_28
           wheel) and pypdfium2 under python/, vie.traineddata under tessdata/, antiword and catdoc under
           bin/ and their character maps under share/ (copied from this machine's Debian packages
           tesseract-ocr-vie, antiword and catdoc: `make layer` installs them; both tools link only
           libc, needing glibc 2.14 and 2.34)

and two function packages (template.yaml's CodeUri):
  function/         shared/ (with the browser pages' files), functions/ and the web stack (FastAPI, pydantic,
                    Mangum, Powertools, Swagger UI's files, ...): the query, stream, auth and analytics functions
  function-ingest/  the same plus the parsers' libraries, for the ingest function

No torch, no scikit-learn, no scipy: the limit is 250 MB unzipped for function + all layers, and
the printed totals are what AWS checks.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLATFORM = ["--platform", "manylinux_2_28_x86_64", "--platform", "manylinux2014_x86_64",
            "--python-version", "3.12", "--implementation", "cp", "--only-binary=:all:"]
# Exact versions from pyproject.toml; --no-deps keeps tokenizers' hub client and onnxruntime's
# build-time extras out (numpy is the only import they need at run time).
LAYER_PACKAGES = ["onnxruntime==1.31.1", "numpy==2.4.6", "tokenizers==0.23.3", "python-crfsuite==0.9.12",
                  "threadpoolctl==3.8.0"]
# The query function, the largest unit that takes the layers. It parses no files (uploads reach the
# ingest function through S3), and shared.services.parsing loads its format libraries only when used.
FUNCTION_PACKAGES = ["fastapi==0.163.2", "pydantic==2.13.4", "pydantic-settings==2.14.1", "mangum==0.22.0",
                     "aws-lambda-powertools==3.37.0", "pyjwt==2.15.1", "argon2-cffi==25.1.0",
                     "charset-normalizer==3.4.7", "requests==2.34.2", "python-dateutil==2.9.0.post0", "events==0.5",
                     "certifi==2026.10.19.post1", "idna==3.20", "prometheus-client==0.26.0",
                     "python-multipart==0.0.34", "uvicorn==0.54.0", "click==8.4.0", "h11==0.16.0"]
# uvicorn (with click and h11, at the versions pyproject.toml and the tests use) serves the stream function's
# app under the Lambda Web Adapter (functions/stream/run.sh runs `python -m uvicorn`); without it the adapter's
# readiness check never passes.
# python-dateutil is the version botocore (the runtime's boto3) accepts (< 3): the function package comes
# first on the path, so its copy is the one botocore imports too.
# The ingest function reads the dropped files: the same package plus the parsers' libraries.
INGEST_PACKAGES = ["beautifulsoup4==4.15.0", "pypdf==7.1.0", "python-docx==1.2.0", "openpyxl==3.1.5", "xlrd==2.0.2",
                   "python-pptx==1.0.2", "striprtf==0.0.35", "pillow==13.0.0"]
# The OCR layer (ingest function only): the engine and the PDF renderer, plus files from Debian packages.
OCR_PACKAGES = ["tesserocr==2.13.0", "pypdfium2==5.15.2"]
OCR_FILES = {"tessdata/vie.traineddata": Path("/usr/share/tesseract-ocr/5/tessdata/vie.traineddata"),
             "bin/antiword": Path("/usr/bin/antiword"), "share/antiword": Path("/usr/share/antiword"),
             "bin/catdoc": Path("/usr/bin/catdoc"), "share/catdoc": Path("/usr/share/catdoc")}
# opensearch-py declares opensearch-protobufs (grpcio + protobuf, 22 MB) for its gRPC transport, which
# the HTTP client never imports: installed without its dependencies, which FUNCTION_PACKAGES carries.
# Powertools' Tracer imports the X-Ray SDK once it runs in Lambda with tracing on (template.yaml:
# Tracing: Active); its botocore dependency is the runtime's, so it comes without its dependencies too.
# swagger-ui-bundle-v2 holds the files /api/docs serves; its Jinja2 dependency is for templating never done here.
FUNCTION_NO_DEPS = ["opensearch-py==3.2.0", "aws-xray-sdk==2.15.0", "wrapt==2.5.2", "swagger-ui-bundle-v2==5.31.0"]
# Parts of the wheels that are never loaded at run time (tests/integration/test_layer_imports.py imports
# and runs the query entry without them). libonnxruntime.so is the C API library for other languages:
# the Python binding (onnxruntime_pybind11_state) contains the runtime itself and links only system
# libraries. *.pyi are type stubs. Bytecode is not kept: pip would compile it for the interpreter that
# runs the build, not for the python3.12 runtime.
PRUNE = ["onnxruntime/transformers", "onnxruntime/quantization", "onnxruntime/tools", "onnxruntime/datasets",
         "onnxruntime/capi/libonnxruntime.so*", "numpy/tests", "numpy/f2py", "numpy/distutils", "numpy/_core/tests",
         "numpy/*/tests", "pycrfsuite/*.cpp", "pycrfsuite/*.pyx", "**/*.pyi", "**/__pycache__",
         "*.dist-info/RECORD",
         # Swagger UI: /api/docs loads swagger-ui-bundle.js, swagger-ui.css and the icon
         # (shared/entrypoints/http/web.py), not the source maps (7 MB), the ES-module and unbundled builds
         # or the standalone preset.
         "swagger_ui_bundle/vendor/*/*.map", "swagger_ui_bundle/vendor/*/swagger-ui-es-bundle*.js",
         "swagger_ui_bundle/vendor/*/swagger-ui.js", "swagger_ui_bundle/vendor/*/swagger-ui-standalone-preset.js"]


# What the python3.12 runtime itself provides on its path after the layers (/var/lang/lib/python3.12/
# site-packages): boto3 and its dependencies. Never packaged; the layer import test
# (tests/integration/test_layer_imports.py) installs them as that last path entry.
RUNTIME_PROVIDED = ["boto3==1.43.11"]
# Installed by the layer or by the Lambda runtime itself (boto3): never twice in the function.
DUPLICATES = ("numpy", "numpy.libs", "boto3", "botocore", "s3transfer", "urllib3", "jmespath")


def pip_install(target: Path, packages: list[str], *, no_deps: bool, platform: list[str] = PLATFORM) -> None:
    """`platform=[]` installs for the running interpreter (the import test) instead of python3.12 x86_64."""
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--target", str(target), *platform,
           *packages]
    if no_deps:
        cmd.append("--no-deps")
    subprocess.run(cmd, check=True)


def prune(root: Path) -> None:
    for pattern in PRUNE:
        for path in root.glob(pattern):
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def build_runtime_layer(python: Path, *, platform: list[str] = PLATFORM) -> None:
    """The runtime layer's python/ folder (/opt/python)."""
    pip_install(python, LAYER_PACKAGES, no_deps=True, platform=platform)
    prune(python)


def build_function_libraries(function: Path, *, platform: list[str] = PLATFORM) -> None:
    """The third-party part of the query function's package (/var/task)."""
    pip_install(function, FUNCTION_PACKAGES, no_deps=False, platform=platform)
    pip_install(function, FUNCTION_NO_DEPS, no_deps=True, platform=platform)
    for duplicate in DUPLICATES:
        shutil.rmtree(function / duplicate, ignore_errors=True)
    prune(function)


def add_project_code(function: Path) -> None:
    """shared/ and functions/ into a function package (what template.yaml's handlers import)."""
    for package in ("shared", "functions"):
        shutil.copytree(ROOT / package, function / package, ignore=shutil.ignore_patterns("__pycache__"),
                        dirs_exist_ok=True)
    prune(function)


def build_ocr_layer(ocr: Path, *, platform: list[str] = PLATFORM) -> None:
    """The OCR layer's folder: python/ (tesserocr, pypdfium2), tessdata/, bin/, share/."""
    pip_install(ocr / "python", OCR_PACKAGES, no_deps=True, platform=platform)
    prune(ocr / "python")
    for target, source in OCR_FILES.items():
        if not source.exists():
            sys.exit(f"{source} is missing: run `make os-packages` (Debian tesseract-ocr-vie, antiword, catdoc)")
        (ocr / target).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, ocr / target)
        else:
            shutil.copy2(source, ocr / target)


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def zipped(path: Path, archive: Path) -> int:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            zf.write(file, file.relative_to(path.parent))
    return archive.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "layers" / "embeddings" / "build")
    args = parser.parse_args()
    out: Path = args.out
    shutil.rmtree(out, ignore_errors=True)
    runtime, models, function = out / "runtime" / "python", out / "models" / "models", out / "function"

    build_runtime_layer(runtime)
    for name in ("me5-small-q4", "pyvi"):
        source = ROOT / "models" / name
        if not source.is_dir():
            sys.exit(f"{source} is missing: run `make model` first")
        shutil.copytree(source, models / name)
    build_function_libraries(function)
    add_project_code(function)
    ingest = out / "function-ingest"
    shutil.copytree(function, ingest)
    pip_install(ingest, INGEST_PACKAGES, no_deps=False)
    for duplicate in DUPLICATES:  # Pillow's and python-pptx's dependencies must not bring numpy back
        shutil.rmtree(ingest / duplicate, ignore_errors=True)
    prune(ingest)
    ocr = out / "ocr"
    build_ocr_layer(ocr)

    sizes = {}
    for label, path in (("layer python/ (runtime)", runtime), ("layer models/", models), ("layer ocr/", ocr),
                        ("query function package", function), ("ingest function package", ingest)):
        sizes[label] = size(path)
        packed = zipped(path, out / f"{path.parent.name}-{path.name}.zip")
        print(f"{label:<30} {sizes[label] / 1e6:7.1f} MB unzipped  {packed / 1e6:6.1f} MB zipped")
    layers = sizes["layer python/ (runtime)"] + sizes["layer models/"]
    worst = 0
    for unit in ("query function package", "ingest function package"):
        # The ingest function also takes the OCR layer (template.yaml: IngestFunction Layers).
        total = layers + sizes[unit] + (sizes["layer ocr/"] if unit.startswith("ingest") else 0)
        worst = max(worst, total)
        print(f"{unit.split()[0] + ' function + layers':<30} {total / 1e6:7.1f} MB unzipped (AWS limit 250 MB)")
    if worst >= 250e6:
        sys.exit("over the 250 MB Lambda limit")


if __name__ == "__main__":
    main()
