# Kit Analisis Dashboard Kecamatan — `make help` lists the targets.
# Every target is idempotent: a second run reinstalls or regenerates nothing that is up to date.

.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MAIN_STAMP := $(VENV)/.stamp-main
TEST_STAMP := $(VENV)/.stamp-test
KABUPATEN ?= 33.07
TAHUN ?= 2025
PORT ?= 8866
# Debian packages the tests drive: Chromium (reports, dashboard browser tests, PDF) and
# LibreOffice Calc (checks that Excel templates open without repair); poppler-utils (pdftoppm:
# screenshots of the printed Bahan Musdes pages).
APT_PACKAGES := chromium libreoffice-calc-nogui fonts-dejavu-core poppler-utils

.PHONY: help install install-test system-deps demo demo-data dashboard test benchmark clean

help: ## Daftar target (bawaan)
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(MAIN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(MAIN_STAMP)

install: $(MAIN_STAMP) ## Buat .venv dan pasang kit

install-test: $(TEST_STAMP) ## Pasang kit beserta perlengkapan uji

system-deps: ## Pasang paket Debian untuk uji (Chromium, LibreOffice) bila belum ada
	@if command -v chromium >/dev/null && command -v soffice >/dev/null && command -v pdftoppm >/dev/null; then \
		echo "Paket sistem sudah terpasang."; \
	else \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); \
	fi

demo-data: $(MAIN_STAMP) ## Bangun data simulasi (dilewati bila sudah mutakhir)
	$(BIN)/p3pd demo-data

demo: demo-data ## Pekerjaan utama pada data simulasi: laporan satu kabupaten bawaan
	$(BIN)/p3pd laporan --kabupaten $(KABUPATEN) --tahun $(TAHUN)

dashboard: demo-data ## Jalankan dashboard Voila di http://127.0.0.1:$(PORT)
	$(BIN)/p3pd dashboard --port $(PORT)

test: $(TEST_STAMP) system-deps ## Jalankan seluruh uji
	$(BIN)/python -m pytest

benchmark: demo-data ## Jalankan semua benchmark dan cetak angkanya
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean: ## Hapus keluaran laporan dan cache (data mentah tidak disentuh)
	rm -rf laporan .pytest_cache tests/artifacts
	find . -name __pycache__ -prune -exec rm -rf {} +
