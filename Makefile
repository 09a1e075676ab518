# Two commands set everything up: `make run` and `make test` (see README).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# torch/torchvision pinned to the builds this machine serves from disk (see README, "Set-up").
TORCH := torch==2.14.1 torchvision==0.29.1

.PHONY: install run test test-slow test-browser lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e '.[all]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	mkdir -p out
	$(BIN)/mlp augment recipes/menu-text.yaml --out out/menu-augmented.jsonl --overwrite
	@echo "wrote out/menu-augmented.jsonl (and its manifest out/menu-augmented.manifest.json)"

test: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

test-browser: $(STAMP)
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
	$(BIN)/python -m pytest -q tests/test_report.py -k chromium -rs

lint: $(STAMP)
	$(BIN)/ruff check mlp_cli tests bench samples
	$(BIN)/mypy mlp_cli

bench: $(STAMP)
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache
