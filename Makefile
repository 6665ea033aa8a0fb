# Two commands do everything (each sets itself up: virtual environment, pinned installs):
#   make book   build the book into _build/html
#   make test   run every check, ending with one summary line
# Also: make pdf (the whole book as one PDF, _build/pdf/crossent-book.pdf, printed by headless
# Chromium from a single-page build and copied into _build/html for the front page's link;
# 2-3 minutes on 2 cores), make lab (JupyterLab on a working copy of the chapters, workbook/,
# with the kernel "crossent book"; make workbook-reset CHAPTER=05 restores one chapter), make
# notebooks (re-execute every chapter and store its outputs), make bench (time crossent against
# TensorFlow and SciPy: benchmarks/README.md), make clean.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# JupyterLab lives in its own environment (requirements-lab.txt), so .venv stays what the
# tests need; its kernel is .venv's Python (tools/lab.py).
LAB_VENV  := .venv-lab
LAB_STAMP := $(LAB_VENV)/.installed

.PHONY: book pdf test notebooks bench clean setup lab lab-setup workbook-reset

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: run make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet -e .
	@touch $(STAMP)

$(LAB_STAMP): requirements-lab.txt
	@test -x $(LAB_VENV)/bin/python || $(PYTHON) -m venv $(LAB_VENV)
	$(LAB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LAB_VENV)/bin/python -m pip install --quiet -r requirements-lab.txt
	@touch $(LAB_STAMP)

lab-setup: $(STAMP) $(LAB_STAMP)
	$(BIN)/python tools/lab.py kernel

lab: lab-setup
	$(BIN)/python tools/lab.py open

workbook-reset: $(STAMP)
	$(BIN)/python tools/lab.py reset "$(CHAPTER)"

book: $(STAMP)
	$(BIN)/jupyter-book build -W -n --keep-going --all .
	@echo "The book is built: open $(CURDIR)/_build/html/index.html in a browser."

pdf: $(STAMP)
	$(BIN)/python tools/build_pdf.py

test: $(STAMP)
	$(BIN)/python tools/run_checks.py

notebooks: $(STAMP)
	$(BIN)/python tools/run_notebook.py --all

BENCHMARKS := $(sort $(wildcard benchmarks/bench_*.py))

bench: $(STAMP)
	@for script in $(BENCHMARKS); do \
		echo "=== $$script"; $(BIN)/python $$script || exit 1; \
	done
	@echo "Every benchmark ran; the results are in benchmarks/results/latest.json."

clean:
	rm -rf _build
