# Two entry points for a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.lkemu-installed

.PHONY: demo test lint typecheck bench fuzz proto coverage clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The native library is a test-only dependency (parity tests); where it
	# cannot be installed those tests are skipped and say why.
	$(BIN)/python -m pip install --quiet -e '.[parity]' || echo "lkemu: livekit==1.2.1 not installable here; parity tests will be skipped"
	touch $(STAMP)

# livekit-agents pins livekit 1.1.21 where .venv has 1.2.1: its end-to-end tests (tests/agents,
# lkemu.agents) run in a venv of its own, with the `agents` extra (pytest included) at the
# version they were written against. Best effort: where it cannot be built, the reason goes
# into $(AGENTS_UNAVAILABLE) and those tests skip, saying so (remove $(AGENTS_VENV) to retry).
AGENTS_VENV := .venv-agents
AGENTS_STAMP := $(AGENTS_VENV)/.lkemu-installed
AGENTS_UNAVAILABLE := $(AGENTS_VENV)/.lkemu-unavailable
AGENTS_LOG := $(AGENTS_VENV)/build.log
AGENTS_PIN := livekit-agents==1.8.9

$(AGENTS_STAMP): pyproject.toml
	@mkdir -p $(AGENTS_VENV) && rm -f $(AGENTS_UNAVAILABLE)
	@echo "lkemu: building $(AGENTS_VENV) (livekit-agents, see $(AGENTS_LOG))"
	@if { test -x $(AGENTS_VENV)/bin/python || $(PYTHON) -m venv $(AGENTS_VENV); } > $(AGENTS_LOG) 2>&1 \
		&& { $(AGENTS_VENV)/bin/python -m pip install --quiet --upgrade pip || true; } >> $(AGENTS_LOG) 2>&1 \
		&& $(AGENTS_VENV)/bin/python -m pip install --quiet -e '.[agents]' '$(AGENTS_PIN)' >> $(AGENTS_LOG) 2>&1; then \
		echo "lkemu: $(AGENTS_VENV) ready"; \
	else \
		{ echo "building $(AGENTS_VENV) failed (remove it and run make test to retry); $(AGENTS_LOG) ends:"; \
		  tail -n 5 $(AGENTS_LOG); } > $(AGENTS_UNAVAILABLE); \
		echo "lkemu: $(AGENTS_VENV) not built; tests/agents will be skipped:"; cat $(AGENTS_UNAVAILABLE); \
	fi
	@touch $(AGENTS_STAMP)

# The SDK suite (tests/sdk) also runs under the drop-in on older livekit releases
# (tests/versions/test_sdk_matrix.py; .venv has 1.2.1): one venv per release, with lkemu,
# that livekit and pytest, and the noise cancellation plugin where pip finds one for it.
# Built once (a stamp per venv; pip's cache makes rebuilds quick). Best effort as above:
# where one cannot be built the reason goes into its .lkemu-unavailable and its run skips,
# saying so. bindings/versions/support.py's TESTED lists the same releases plus 1.2.1.
SDK_VERSIONS := 1.0.25 1.1.14 1.1.21
SDK_VENVS := $(SDK_VERSIONS:%=.venv-sdk-%)
SDK_STAMPS := $(SDK_VENVS:%=%/.lkemu-installed)

.venv-sdk-%/.lkemu-installed: pyproject.toml
	@venv=.venv-sdk-$*; log=$$venv/build.log; mkdir -p $$venv && rm -f $$venv/.lkemu-unavailable; \
	echo "lkemu: building $$venv (livekit $*, see $$log)"; \
	if { test -x $$venv/bin/python || $(PYTHON) -m venv $$venv; } > $$log 2>&1 \
		&& $$venv/bin/python -m pip install --quiet -e . 'livekit==$*' 'pytest>=8' \
			'pytest-asyncio>=0.24' >> $$log 2>&1; then \
		$$venv/bin/python -m pip install --quiet 'livekit==$*' livekit-plugins-noise-cancellation \
			>> $$log 2>&1 || echo "lkemu: no noise cancellation plugin in $$venv (its test skips)"; \
		echo "lkemu: $$venv ready"; \
	else \
		{ echo "building $$venv failed (remove it and run make test to retry); $$log ends:"; \
		  tail -n 5 $$log; } > $$venv/.lkemu-unavailable; \
		echo "lkemu: $$venv not built; the SDK suite on livekit $* will be skipped:"; \
		cat $$venv/.lkemu-unavailable; \
	fi; \
	touch $$venv/.lkemu-installed

demo: $(STAMP)
	$(BIN)/lkemu demo

test: $(STAMP) $(AGENTS_STAMP) $(SDK_STAMPS)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check engine bindings tools tests bench
	$(BIN)/ruff format --check engine bindings tools tests bench

# mypy cannot follow the editable install's package mapping (lkemu.engine is engine/, ...),
# so it checks the package through a tree of links laid out as installed.
# .venv has no livekit-agents, so there lkemu.agents sees its base classes as Any; a second
# pass checks lkemu.agents, its fixtures and tests/agents/user_suite against .venv-agents'
# packages (livekit-agents, livekit 1.1.21), where that venv could be built.
TYPECHECK_ROOT := $(VENV)/typecheck
typecheck: $(STAMP) $(AGENTS_STAMP)
	rm -rf $(TYPECHECK_ROOT) && mkdir -p $(TYPECHECK_ROOT)/lkemu
	ln -s $(CURDIR)/bindings/package_root/* $(TYPECHECK_ROOT)/lkemu/
	for part in engine bindings proto; do ln -s $(CURDIR)/$$part $(TYPECHECK_ROOT)/lkemu/$$part; done
	MYPYPATH=$(TYPECHECK_ROOT) $(BIN)/mypy --cache-dir=$(VENV)/typecheck-cache -p lkemu -p tests -p tools
	@if test -x $(AGENTS_VENV)/bin/python && test ! -e $(AGENTS_UNAVAILABLE); then \
		echo "mypy: lkemu.agents against $(AGENTS_VENV)"; \
		MYPYPATH=$(TYPECHECK_ROOT) $(BIN)/mypy --cache-dir=$(VENV)/typecheck-agents-cache \
			--python-executable $(AGENTS_VENV)/bin/python --follow-imports=silent \
			$(TYPECHECK_ROOT)/lkemu/agents $(TYPECHECK_ROOT)/lkemu/bindings/agent_fixtures.py \
			tests/agents/user_suite; \
	else echo "lkemu: $(AGENTS_VENV) unavailable: lkemu.agents checked without livekit-agents"; fi

# The files in the order of the README's "Measured" table, which is the table this prints at
# its end (and writes to bench/results.md): every figure with native's beside it, from one run.
# bench_agents.py (livekit-agents conversations, several minutes of real-clock time) joins with
# BENCH_AGENTS=1; its rows are then in the table too.
BENCH_FILES := roundtrip resampler sdk_resampler audio_pipeline rooms sdk_frames apm dsp_quality \
	video_convert sdk_video sdk_messaging $(if $(filter 1,$(BENCH_AGENTS)),agents) client_memory
bench: $(STAMP)
	$(BIN)/python -m pytest $(BENCH_FILES:%=bench/bench_%.py) -o python_files='bench_*.py' \
		--benchmark-only --benchmark-columns=min,median,mean,ops -q --bench-results bench/results.md

# The fuzzer (tools/fuzz, issue 16): every request kind, random, from the descriptors and
# mutated, bad pointers, malformed tokens and isolation cases, through FfiClient and the
# drop-in, in several processes, for FUZZ_SECONDS (15 minutes by default; FUZZ_SEED to
# repeat a run). It prints its figures; what it finds goes, shrunk, to tests/fuzz_corpus,
# which make test replays. (make test itself fuzzes for a minute: tests/test_fuzz.py.)
FUZZ_SECONDS ?= 900
fuzz: $(STAMP)
	$(BIN)/python -m tools.fuzz --seconds $(FUZZ_SECONDS) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED))

proto: $(STAMP)
	$(BIN)/python tools/sync_protocol.py

coverage: $(STAMP)
	$(BIN)/python tools/coverage.py

clean:
	rm -rf $(VENV) $(AGENTS_VENV) $(SDK_VENVS) build *.egg-info
