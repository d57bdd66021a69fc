# Build, test and release targets for the Ansible collection camunda.servicenow.
# `make help` lists them; README.md ("Development") describes each one.
# Everything installs into .venv (and build/ for the version matrix): nothing needs to be installed by hand.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

REPO := $(CURDIR)
PYTHON ?= python3
VENV := $(REPO)/.venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.stamp-requirements
BUILD := $(REPO)/build
# ansible-test needs the collection at ansible_collections/<namespace>/<name>/: a copy kept in sync under build/.
FARM := $(BUILD)/ansible_collections/camunda/servicenow
# The Python version ansible-test runs on (the default interpreter, 3.11 on the development machines).
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ANSIBLE_TEST_OPTS ?= --color no
PYTEST_OPTS ?= -q

# Version matrix: the oldest ansible-core meta/runtime.yml declares and the newest release, each on a Python it supports.
MATRIX_OLDEST_CORE ?= ansible-core>=2.17,<2.18
MATRIX_OLDEST_PYTHON ?= $(HOME)/.pyenv/versions/3.12.1/bin/python3.12
MATRIX_NEWEST_CORE ?= ansible-core>=2.21,<2.22
MATRIX_NEWEST_PYTHON ?= $(HOME)/.pyenv/versions/3.13.0/bin/python3.13

# Gates of `make test`, fast first. Each prints its own time; the total is printed at the end.
TEST_GATES ?= changelog-lint lint docs-lint sanity units ci-tests sandbox-tests build tarball-test integration molecule docs

export PATH := $(BIN):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export ANSIBLE_NOCOLOR := 1
ifdef CI
export NO_COLOR := 1
endif

.PHONY: help venv farm get-pip sanity units sandbox-tests node-clients ci-tests integration lint changelog-lint docs-lint docs \
        build tarball-test ee molecule demo sandbox-start sandbox-stop test test-matrix matrix-oldest matrix-newest clean faults

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

# ---------------------------------------------------------------------------------------------------------------
# Environment

venv: $(VENV_STAMP) ## Create .venv with the runtime and test tooling (cheap when up to date)

$(VENV_STAMP): requirements.txt requirements-test.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	$(BIN)/python -m pip check
	@$(BIN)/python -m pip list --format=freeze | grep -iE '^(ansible-core|ansible-lint|antsibull-changelog|antsibull-docs|molecule|ansible-builder|ansible-runner|pytest)==' | tr '\n' ' '; echo
	@touch $@

farm: venv ## Mirror the repo into build/ansible_collections/camunda/servicenow (for ansible-test)
	@$(BIN)/python tests/ci/farm.py $(REPO) $(BUILD)

get-pip: venv ## Put the offline pip bootstrap where ansible-test looks for it (~/.ansible/test/cache)
	@$(BIN)/python tests/ci/install_get_pip.py

# ---------------------------------------------------------------------------------------------------------------
# Gates

sanity: farm get-pip ## ansible-test sanity (no ignore files allowed)
	@if ls tests/sanity/ignore-*.txt >/dev/null 2>&1; then echo "sanity: tests/sanity/ignore-*.txt must not exist" >&2; exit 1; fi
	cd $(FARM) && ansible-test sanity --requirements --local --python $(PY_VERSION) $(ANSIBLE_TEST_OPTS)

units: farm ## ansible-test units (tests/unit)
	@if [ -z "$$(find tests/unit -name 'test_*.py' -print -quit 2>/dev/null)" ]; then echo "units: no unit tests yet in tests/unit (skipped)"; exit 0; fi; \
	cd $(FARM) && ansible-test units --requirements --local --python $(PY_VERSION) $(ANSIBLE_TEST_OPTS)

sandbox-tests: venv node-clients ## pytest tests/sandbox (the sandbox's own tests, pysnow and @camunda8/sdk included)
	PYTHON=$(BIN)/python tests/ci/run_pytest.sh sandbox-tests tests/sandbox $(PYTEST_OPTS) -rs -p no:cacheprovider -n 2

# @camunda8/sdk for the third-party client test, installed with npm under build/node-clients (package.json in
# tests/sandbox/clients). Without node/npm it says so; the test then reports itself as skipped, never as passed.
NODE_CLIENTS := $(BUILD)/node-clients
node-clients: ## npm install @camunda8/sdk under build/node-clients (skipped with a message when node/npm are missing)
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	    echo "node-clients: node or npm is missing; the @camunda8/sdk sandbox test will be SKIPPED"; exit 0; fi; \
	mkdir -p $(NODE_CLIENTS); \
	if ! cmp -s tests/sandbox/clients/package.json $(NODE_CLIENTS)/package.json || [ ! -d $(NODE_CLIENTS)/node_modules/@camunda8/sdk ]; then \
	    cp tests/sandbox/clients/package.json $(NODE_CLIENTS)/package.json; \
	    cd $(NODE_CLIENTS) && npm install --no-audit --no-fund --loglevel=error; \
	fi

# ansible.posix (the secret scan's ansible.posix.json callback) from the same cached wheel, into build/callbacks.
ci-tests: farm ## pytest tests/ci (build tooling, tarball contents, execution environment context)
	$(BIN)/python tests/ci/install_awx_collection.py --collections ansible.posix --dest $(BUILD)/callbacks --cache $(BUILD)/cache
	PYTHON=$(BIN)/python tests/ci/run_pytest.sh ci-tests tests/ci $(PYTEST_OPTS) -p no:cacheprovider -n 2

integration: farm ## ansible-test integration against the sandbox (started and always stopped here)
	PYTHON=$(BIN)/python tests/ci/integration.sh $(REPO) $(FARM) $(PY_VERSION) $(ANSIBLE_TEST_OPTS)

# FAULTS_WORKERS sandboxes run cells in parallel; no job starts after FAULTS_BUDGET minutes (the jobs left are listed in
# the report as not run; FAULTS_BUDGET=0 for no limit).
FAULTS_WORKERS ?= 3
FAULTS_BUDGET ?= 35
faults: farm ## The full fault matrix (tests/faults): fault x step of site/rotate/teardown, shared, Self-Managed, SIGKILL, concurrent plays; writes docs/reliability.md
	$(BIN)/python tests/faults/matrix.py --slice full --workers $(FAULTS_WORKERS) --budget-minutes $(FAULTS_BUDGET) --concurrent 2 --report docs/reliability.md --json $(BUILD)/faults.json

# awx.awx (for playbooks/awx_configure.yml) comes from the pinned `ansible` wheel, cached in build/cache, extracted
# into build/collections. camunda.servicenow itself is this checkout, through the link in collections/. Those two are
# the only collections paths ansible-lint and the syntax check see: nothing from ~/.ansible or the system.
LINT_COLLECTIONS := $(BUILD)/collections:$(REPO)/collections
lint: venv ## yamllint, ansible-lint (production profile), syntax check of awx_configure.yml (with awx.awx)
	$(BIN)/python tests/ci/install_awx_collection.py --dest $(BUILD)/collections --cache $(BUILD)/cache
	@rc=0; yamllint --strict . || rc=1; \
	ANSIBLE_COLLECTIONS_PATH=$(LINT_COLLECTIONS) ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false ansible-lint --profile production || rc=1; \
	ANSIBLE_COLLECTIONS_PATH=$(LINT_COLLECTIONS) ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false ansible-playbook --syntax-check playbooks/awx_configure.yml || rc=1; \
	if [ $$rc -ne 0 ]; then echo "lint: yamllint, ansible-lint or the syntax check of playbooks/awx_configure.yml found problems (see above)" >&2; fi; \
	exit $$rc

changelog-lint: venv ## antsibull-changelog lint (fragments and config)
	antsibull-changelog lint
	antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

docs-lint: venv ## antsibull-docs lint-collection-docs --plugin-docs
	antsibull-docs lint-collection-docs --plugin-docs .

docs: farm ## Build the HTML docs into build/docs/html (not committed)
	rm -rf $(BUILD)/docs && mkdir -p $(BUILD)/docs
	ANSIBLE_COLLECTIONS_PATH=$(BUILD) antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --project camunda.servicenow --dest-dir $(BUILD)/docs camunda.servicenow >/dev/null
	@# Offline build: no intersphinx downloads. The generic labels the generated pages link to in the Ansible docs (return values, configuration, action plugins) stay
	@# unresolved on purpose; every other broken reference still fails the build (sphinx-build -W, nitpicky).
	printf '%s\n' '' 'intersphinx_mapping = {}' \
	    "nitpick_ignore = [(t, l) for t in ('ref', 'std:ref') for l in ('common_return_values', 'ansible_configuration_settings', 'action_plugins')]" \
	    >> $(BUILD)/docs/conf.py
	cd $(BUILD)/docs && ANSIBLE_COLLECTIONS_PATH=$(BUILD) ./build.sh
	@echo "docs: $(BUILD)/docs/build/html/index.html"

build: venv ## ansible-galaxy collection build into build/ and check what the tarball holds
	mkdir -p $(BUILD)/dist
	rm -f $(BUILD)/dist/camunda-servicenow-*.tar.gz
	ansible-galaxy collection build --force --output-path $(BUILD)/dist .
	$(BIN)/python tests/ci/check_tarball.py $(BUILD)/dist/camunda-servicenow-*.tar.gz

tarball-test: build ## Install the tarball into an empty collections path; docs load; camunda.servicenow.site from it vs the sandbox, twice
	$(BIN)/python tests/ci/tarball_test.py $(BUILD)/dist/camunda-servicenow-*.tar.gz $(BUILD)/tarball-install

ee: build ## ansible-builder create from extensions/ee/execution-environment.yml into build/ee (the image's build context)
	ansible-builder create -f extensions/ee/execution-environment.yml --context $(BUILD)/ee --output-filename Containerfile
	@echo "ee: build/ee holds the context; build the image with: ansible-builder build -f extensions/ee/execution-environment.yml -c build/ee -t camunda-servicenow-ee:latest"

molecule: venv ## molecule test (extensions/molecule)
	@if [ -z "$$(find extensions/molecule -name molecule.yml -print -quit 2>/dev/null)" ]; then echo "molecule: no scenario yet in extensions/molecule (skipped)"; exit 0; fi; \
	molecule test --all

# No dependency on `venv`: the quick start needs only Python 3 and git. tests/ci/demo.sh creates $(VENV) itself when it
# has no ansible-playbook yet (requirements.txt, ansible-core, cryptography); a later `make venv` completes it.
demo: ## Quick start: sandbox (TLS, 3 instances, 1 cluster), site.yml twice (second run changed=0), summary, stop
	PYTHON=$(PYTHON) VENV=$(VENV) tests/ci/demo.sh

# Try the role by hand against the sandbox: `make sandbox-start`, then the printed ansible-playbook command, then
# `make sandbox-stop`. The inventory is what tests/ci/sandbox_inventory.py writes from the sandbox's sandbox.json.
SANDBOX_TRY := $(BUILD)/try
SANDBOX_INSTANCES ?= 2
sandbox-start: venv ## Start the sandbox (TLS, SANDBOX_INSTANCES=2) and write build/try/inventory.yml for it
	$(BIN)/python tests/sandbox/ctl.py start --state-dir $(SANDBOX_TRY)/sandbox --instances $(SANDBOX_INSTANCES) --tls >/dev/null
	$(BIN)/python tests/ci/sandbox_inventory.py $(SANDBOX_TRY)/sandbox/sandbox.json $(SANDBOX_TRY)/inventory.yml
	@echo "sandbox: running (it stops by itself after an hour). Now, for example:"
	@echo "  .venv/bin/ansible-playbook site.yml -i $(patsubst $(REPO)/%,%,$(SANDBOX_TRY))/inventory.yml"
	@echo "Stop it with: make sandbox-stop"

sandbox-stop: ## Stop the sandbox that `make sandbox-start` started
	@if [ -x $(BIN)/python ]; then py=$(BIN)/python; else py=$(PYTHON); fi; \
	$$py tests/sandbox/ctl.py stop --state-dir $(SANDBOX_TRY)/sandbox; echo "sandbox: stopped"

# Not a gate: timing belongs here, not in tests. BENCH_OPTS are passed to tests/bench/bench.py (--instances 1,10,50,
# --latency-ms 50, --reps 3, --reps-large 1, --forks 25, ...); it writes docs/performance.md and docs/performance.svg.
.PHONY: bench
BENCH_OPTS ?=
bench: venv ## site.yml vs a hand-written uri playbook on the sandbox (1/10/50 instances, 50 ms); writes docs/performance.md
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(BIN)/python tests/bench/bench.py $(BENCH_OPTS)

test: venv ## All gates, fast first; prints each gate's time (KEEP_GOING=1: run every gate, fail at the end)
	@summary=""; failed=""; total_start=$$(date +%s); \
	for gate in $(TEST_GATES); do \
	    echo "=== make $$gate"; start=$$(date +%s); status=ok; \
	    if ! $(MAKE) $$gate; then \
	        status=FAILED; failed="$$failed $$gate"; \
	        echo "=== make $$gate FAILED after $$(( $$(date +%s) - start ))s" >&2; \
	        if [ -z "$(KEEP_GOING)" ]; then exit 1; fi; \
	    fi; \
	    summary="$$summary$$(printf '  %-15s %4ss %s' $$gate $$(( $$(date +%s) - start )) $$status)\n"; \
	done; \
	printf "=== gate times\n$$summary  %-15s %4ss\n" total $$(( $$(date +%s) - total_start )); \
	if [ -n "$$failed" ]; then echo "=== failed gates:$$failed" >&2; exit 1; fi

test-matrix: ## sanity + units on the oldest (2.17/Python 3.12) and newest (2.21/Python 3.13) ansible-core
	$(MAKE) matrix-oldest
	$(MAKE) matrix-newest

matrix-oldest:
	tests/ci/matrix.sh $(REPO) $(BUILD)/matrix/oldest '$(MATRIX_OLDEST_CORE)' $(MATRIX_OLDEST_PYTHON) $(ANSIBLE_TEST_OPTS)

matrix-newest:
	tests/ci/matrix.sh $(REPO) $(BUILD)/matrix/newest '$(MATRIX_NEWEST_CORE)' $(MATRIX_NEWEST_PYTHON) $(ANSIBLE_TEST_OPTS)

clean: ## Remove build/ and ansible-test output (keeps .venv)
	rm -rf $(BUILD) tests/output
