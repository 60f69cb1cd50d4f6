# `make train` and `make test` do all the set-up: the virtual environment is created when missing
# and the project (re)installed only when pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install train test test-slow test-slurm lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing emotion and its dependencies into $(VENV) (about a minute; log: $(VENV)/install.log)"
	@$(BIN)/python -m pip install -e ".[dev]" > $(VENV)/install.log 2>&1 \
		|| { tail -n 40 $(VENV)/install.log; exit 1; }
	@touch $@

# Train the assisted model on the embedded synthetic dataset; extra overrides: make train ARGS="seed=1"
train: install
	$(BIN)/emotion-train $(ARGS)

# The fast suite; `make test-slow` runs the long end-to-end tests.
test: install
	$(BIN)/pytest -m "not slow and not slurm" $(ARGS)

test-slow: install
	$(BIN)/pytest -m "slow and not slurm" $(ARGS)

# The Slurm tests, on a real single-node Slurm brought up here and shut down after (as root; installs slurm-wlm
# and munge when missing).
test-slurm: install
	experiments/slurm/local_cluster.sh up
	$(BIN)/pytest -m slurm $(ARGS); status=$$?; experiments/slurm/local_cluster.sh down; exit $$status

lint: install
	$(BIN)/ruff check emotion tests experiments
	$(BIN)/ruff format --check emotion tests experiments

# Benchmarks, side by side on this machine (about 6 minutes on 2 cores): each prints its table and writes
# experiments/bench/results/<name>.json; gpu.py runs only where a GPU is (see experiments/bench/README.md).
BENCH := $(BIN)/python experiments/bench
bench: install
	$(BENCH)/framework_overhead.py
	$(BENCH)/assist_cost.py
	$(BENCH)/end_to_end.py
	$(BENCH)/data_throughput.py --images 200 --rounds 3 --measure 100
	$(BENCH)/gpu.py

clean:
	rm -rf runs outputs .pytest_cache .ruff_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
