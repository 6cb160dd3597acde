# Quick start: `make demo` and `make test`; both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench constraints clean

# constraints.txt pins every transitive package too, so a fresh setup installs the same set.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pathways demo

test: $(STAMP)
	$(BIN)/python -m pytest

# The eventsourcing library is a peer to compare with, not a dependency: installed here only.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check eventsourcing==9.5.6
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

# Refresh constraints.txt after changing a pin in pyproject.toml.
constraints: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v -i '^eventsourcing==' > constraints.txt

clean:
	rm -rf $(VENV) pathways-demo build *.egg-info
