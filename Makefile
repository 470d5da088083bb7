# heat-savanna: the two commands a newcomer needs are `make demo` and
# `make test`. Every target installs what it needs first (idempotent).

VENV ?= $(CURDIR)/.venv
PY := $(VENV)/bin/python
PYTEST := $(VENV)/bin/pytest
export VENV

.PHONY: help deps demo down test unit functional faults bench pep8 docs \
	sample-config dist clean

help:
	@echo "make demo          sandbox (real Heat + cloud simulator) + Spark cluster + a real job"
	@echo "make down          stop the sandbox and remove what it created"
	@echo "make test          every test tier that runs on this machine"
	@echo "make unit          unit tests only (Heat's in-process harness, real sshd)"
	@echo "make functional    functional tests against the sandbox"
	@echo "make faults        the fault matrix (one line per scenario)"
	@echo "make bench         benchmarks: median and range against targets (long)"
	@echo "make docs          build the Sphinx docs"
	@echo "make sample-config generate etc/heat-savanna.conf.sample"
	@echo "make dist          build the wheel and sdist into dist/ and check them"

deps:
	@bash tools/install-deps.sh

demo: deps
	$(VENV)/bin/heat-savanna sandbox up
	$(PY) -m savanna_sandbox.demo

down:
	@if [ -x $(VENV)/bin/heat-savanna ]; then $(VENV)/bin/heat-savanna sandbox down; fi

unit: deps
	$(PYTEST) -q tests/unit

functional: deps
	$(PYTEST) -q -m functional tests/functional

# -rs names every skipped test and why. Under CI (.ci/run sets CI=true) a
# skip not listed in tests/skips.txt fails the run (tests/conftest.py).
test: deps pep8 sample-config dist
	$(PYTEST) -q -rs tests/unit tests/functional

faults: deps
	$(PY) -m savanna_sandbox.faults

# The benchmark starts and stops the sandbox itself, once per lock hold
# (a round of repetitions), so others can use it in between. BENCH_ARGS
# passes options, e.g. BENCH_ARGS="--quick" or "--only 2,6".
bench: deps
	$(PY) benchmarks/run.py $(BENCH_ARGS)

# flake8 cannot run in the Heat venv (neutron-lib registers a flake8 plugin
# that needs hacking, whose pins conflict with Heat's), so it gets a small
# venv of its own.
LINT_VENV ?= $(VENV)-lint
LINT_PATHS := $(wildcard heat_savanna contrib/heat tests benchmarks tools contrib/sandbox/savanna_sandbox)
pep8:
	@test -x $(LINT_VENV)/bin/flake8 || { python3 -m venv $(LINT_VENV) && \
		$(LINT_VENV)/bin/pip install -q -c constraints.txt flake8; }
	$(LINT_VENV)/bin/flake8 $(LINT_PATHS)

sample-config: deps
	@mkdir -p etc
	$(VENV)/bin/oslo-config-generator --namespace heat_savanna \
		--output-file etc/heat-savanna.conf.sample
	@echo "wrote etc/heat-savanna.conf.sample"

# The wheel and sdist, built by PyPA build with the setuptools and wheel
# pinned in constraints.txt (no build isolation: the backend is pinned, not
# fetched afresh), then checked: twine check --strict (the metadata and the
# README as long description render) and tools/check_dist.py (every module,
# the entry points, the Heat shim). twine's requirements are no business of
# Heat's venv, so these tools get a venv of their own, reinstalled when the
# pins change.
DIST_VENV ?= $(VENV)-dist
DIST_DIR ?= $(CURDIR)/dist
$(DIST_VENV)/.heat-savanna-deps: constraints.txt
	@test -x $(DIST_VENV)/bin/python || python3 -m venv $(DIST_VENV)
	$(DIST_VENV)/bin/pip install -q --disable-pip-version-check \
		-c constraints.txt build twine setuptools wheel
	@touch $@
dist: $(DIST_VENV)/.heat-savanna-deps
	rm -rf $(DIST_DIR)
	$(DIST_VENV)/bin/python -m build --no-isolation --outdir $(DIST_DIR) .
	$(DIST_VENV)/bin/twine check --strict $(DIST_DIR)/*
	$(DIST_VENV)/bin/python tools/check_dist.py $(DIST_DIR)/*

docs: deps
	$(VENV)/bin/sphinx-build -W -b html doc/source doc/build/html

clean:
	rm -rf doc/build .pytest_cache
