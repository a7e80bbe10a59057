# Two entry points for a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.lkemu-installed

.PHONY: demo test lint typecheck bench proto coverage clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The native library is a test-only dependency (parity tests); where it
	# cannot be installed those tests are skipped and say why.
	$(BIN)/python -m pip install --quiet -e '.[parity]' || echo "lkemu: livekit==1.2.1 not installable here; parity tests will be skipped"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/lkemu demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check engine bindings tools tests bench
	$(BIN)/ruff format --check engine bindings tools tests bench

# mypy cannot follow the editable install's package mapping (lkemu.engine is engine/, ...),
# so it checks the package through a tree of links laid out as installed.
TYPECHECK_ROOT := $(VENV)/typecheck
typecheck: $(STAMP)
	rm -rf $(TYPECHECK_ROOT) && mkdir -p $(TYPECHECK_ROOT)/lkemu
	ln -s $(CURDIR)/bindings/package_root/* $(TYPECHECK_ROOT)/lkemu/
	for part in engine bindings proto; do ln -s $(CURDIR)/$$part $(TYPECHECK_ROOT)/lkemu/$$part; done
	MYPYPATH=$(TYPECHECK_ROOT) $(BIN)/mypy -p lkemu -p tests -p tools

bench: $(STAMP)
	$(BIN)/python -m pytest bench -o python_files='bench_*.py' --benchmark-only --benchmark-columns=min,median,mean,ops -q

proto: $(STAMP)
	$(BIN)/python tools/sync_protocol.py

coverage: $(STAMP)
	$(BIN)/python tools/coverage.py

clean:
	rm -rf $(VENV) build *.egg-info
