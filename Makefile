# defasagem — every command a user or CI needs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
OUT ?= out
SEED ?= 42
STUDENTS ?= 860
# DATA: a real PEDE export (.xlsx or .csv). Empty: `make demo` synthesizes a workbook instead.
DATA ?=
# SERVE=0: the demo stops after scoring instead of serving the API (CI uses it).
SERVE ?= 1
PORT ?= 8000
# The demo's access folder: its user and token are drawn at random on every `make demo`.
AUTH := $(OUT)/demo/acesso

export OMP_NUM_THREADS ?= 1

# `make simulate`: traffic for the running demo (DRIFT: engagement, missing or new-category).
DRIFT ?=
N ?= 1000

.PHONY: help venv demo simulate drift docker-check test lint format typecheck unit screenshots clean

help:
	@echo "make demo [DATA=arquivo.xlsx]  prepara o ambiente, treina, pontua e serve a API (SERVE=0: não serve)"
	@echo "make simulate [DRIFT=engagement] envia N alunos à API da demo (com drift injetado opcional)"
	@echo "make drift                     relatório de drift do log da demo em $(OUT)/demo/drift"
	@echo "make docker-check              constrói a imagem offline e a testa num contêiner (Docker)"
	@echo "make test                      ruff, hadolint, mypy e pytest com cobertura (mínimo 90 %)"
	@echo "make venv                      só cria/atualiza o ambiente .venv"
	@echo "make lint | typecheck | unit    cada etapa de 'make test' isolada"
	@echo "make format                    formata o código com ruff"
	@echo "make screenshots               refaz as capturas de tela dos guias (docs/img) com os testes de navegador"
	@echo "make clean                     apaga $(OUT)/, caches e o ambiente"

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "erro: Python 3.11 não encontrado (instale python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

# The files the demo reads: DATA (one or more real exports), else the synthetic workbook.
DEMO_DATA = $(if $(strip $(DATA)),$(DATA),$(OUT)/demo/pede_sintetico.xlsx)

demo: $(STAMP)
ifeq ($(strip $(DATA)),)
	$(BIN)/defasagem synth --out $(OUT)/demo/pede_sintetico.xlsx --seed $(SEED) --students $(STUDENTS)
endif
	$(BIN)/defasagem ingest $(DEMO_DATA) --out $(OUT)/demo/tabela.parquet
	@# A single bundle from a version before model versions is set aside, not trained over.
	@if [ -f $(OUT)/demo/modelo/metadata.json ]; then \
		rm -rf $(OUT)/demo/modelo.pacote-unico && mv $(OUT)/demo/modelo $(OUT)/demo/modelo.pacote-unico && \
		echo "O pacote único anterior foi movido para $(OUT)/demo/modelo.pacote-unico."; \
	fi
	$(BIN)/defasagem train $(foreach f,$(DEMO_DATA),--data $(f)) --out $(OUT)/demo/modelo
	@# A demo serves what it just trained: a version trained by an earlier demo is promoted away
	@# (on record, as a person would do it with `defasagem models promote`).
	@set -e; \
	NOVA=$$($(BIN)/defasagem models list --model $(OUT)/demo/modelo --newest); \
	ATUAL=$$($(BIN)/defasagem models list --model $(OUT)/demo/modelo --current); \
	[ -n "$$NOVA" ] || { echo "make demo: nenhuma versão em $(OUT)/demo/modelo" >&2; exit 1; }; \
	if [ "$$NOVA" != "$$ATUAL" ]; then \
		$(BIN)/defasagem db upgrade --logs $(OUT)/demo/logs >/dev/null && \
		$(BIN)/defasagem models promote "$$NOVA" --model $(OUT)/demo/modelo \
			--logs $(OUT)/demo/logs --by demo --reason "make demo: a versão recém-treinada"; \
	fi
	$(BIN)/defasagem predict --model $(OUT)/demo/modelo $(foreach f,$(DEMO_DATA),--data $(f)) \
		--out $(OUT)/demo/risco.xlsx
	@echo "Versões do modelo: $(BIN)/defasagem models list --model $(OUT)/demo/modelo (cartão: model_card.md na pasta da versão); lista: $(OUT)/demo/risco.xlsx"
ifeq ($(SERVE),1)
	@$(BIN)/defasagem tokens revoke demo --auth $(AUTH) >/dev/null 2>&1 || true
	@set -e; \
	TOKEN=$$($(BIN)/defasagem tokens add demo --auth $(AUTH) --quiet); \
	SENHA=$$($(BIN)/defasagem users add demo --auth $(AUTH) --replace --role administracao \
		--generate-password --quiet); \
	LEITURA=$$($(BIN)/defasagem users add leitura --auth $(AUTH) --replace --role leitura \
		--generate-password --quiet); \
	echo ""; \
	echo "Páginas e API em http://localhost:$(PORT) (Ctrl+C para parar). Acesso sorteado agora:"; \
	echo "  login das páginas: usuário demo, senha $$SENHA (administracao: acompanhamentos e versões)"; \
	echo "  só leitura:        usuário leitura, senha $$LEITURA"; \
	echo "  token da API:      $$TOKEN"; \
	echo "  coordenadores: http://localhost:$(PORT)/  (envie $(firstword $(DEMO_DATA)))"; \
	echo "  acompanhamentos: http://localhost:$(PORT)/acompanhamentos"; \
	echo "  o modelo: http://localhost:$(PORT)/modelo"; \
	echo "  documentação da API: http://localhost:$(PORT)/docs    prontidão: http://localhost:$(PORT)/ready"; \
	echo "  monitoramento: http://localhost:$(PORT)/monitoring  (tráfego de teste: make simulate)"; \
	echo "  exemplo: curl -s -X POST localhost:$(PORT)/predict -H 'Content-Type: application/json' \\"; \
	echo "    -H \"Authorization: Bearer $$TOKEN\" \\"; \
	echo "    -d '{\"ano\": 2024, \"fase\": \"FASE 3\", \"fase_ideal\": 4, \"ieg\": 5.1, \"ida\": 4.2}'"; \
	exec $(BIN)/defasagem serve --model $(OUT)/demo/modelo --logs $(OUT)/demo/logs \
		--reports $(OUT)/demo/drift --auth $(AUTH) --port $(PORT)
endif

# A fresh token for each run (the server sees it at once); it is never written in clear.
simulate: $(STAMP)
	@$(BIN)/defasagem tokens revoke simulacao --auth $(AUTH) >/dev/null 2>&1 || true
	DEFASAGEM_API_TOKEN=$$($(BIN)/defasagem tokens add simulacao --auth $(AUTH) --quiet) \
	$(BIN)/defasagem simulate --url http://localhost:$(PORT) $(foreach f,$(DEMO_DATA),--data $(f)) \
		--n $(N) $(if $(strip $(DRIFT)),--drift $(DRIFT))

drift: $(STAMP)
	$(BIN)/defasagem drift --model $(OUT)/demo/modelo --logs $(OUT)/demo/logs --out $(OUT)/demo/drift

docker-check: $(STAMP)
	bash docker/check.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest --cov --cov-report=term-missing --durations=25

test: lint typecheck unit

# The guides' screenshots (docs/img), made by the browser tests on synthetic data.
screenshots: $(STAMP)
	DEFASAGEM_ARTIFACTS=docs/img OMP_NUM_THREADS=1 $(BIN)/pytest -q tests/e2e/test_browser.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(OUT) $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis .coverage htmlcov test-artifacts \
		src/*.egg-info
