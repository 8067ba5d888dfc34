# The two commands a user needs (README): `make deploy` and `make test`. Everything else is a step.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)
export ANSIBLE_CONFIG := $(abspath ansible.cfg)
export ZENML_ANALYTICS_OPT_IN := false
export LLMTWIN_STACK_DIR ?= $(abspath .local-stack)

.PHONY: setup up down status deploy build-prereqs test test-unit test-integration test-molecule lint sanity build bench lock clean

setup:            ## install Debian packages + the pinned virtualenv (idempotent)
	@bash scripts/setup.sh

up: setup         ## start the local stack on 127.0.0.1 (idempotent)
	@scripts/local-stack up

down:             ## stop exactly what `up` started
	@scripts/local-stack down

status:
	@scripts/local-stack status

deploy: up build-prereqs  ## the main job: the whole deployment into the local stack
	$(BIN)/ansible-playbook site.yml

build-prereqs:    ## what an image build needs here: the base image (no pulls) and the wheelhouse
	@scripts/local-stack base-image
	@bash scripts/wheelhouse.sh

test: setup       ## every test; brings the stack up and down itself
	@bash scripts/test.sh

test-unit: setup   ## one step of `make test`, on the tests' own stack (never the deployment's)
	@bash scripts/test.sh unit unit-controller

test-integration: setup
	@bash scripts/test.sh integration

test-molecule: setup
	@bash scripts/test.sh molecule

lint:
	$(BIN)/ansible-lint --profile production

sanity:
	@bash scripts/sanity.sh

build:
	$(BIN)/ansible-galaxy collection build --force --output-path /tmp

bench: up         ## side by side with what users run today (README: Speed); not part of `make test`
	@cmp -s bench/requirements.txt bench/.venv/requirements.txt || { python3.11 -m venv bench/.venv \
	  && bench/.venv/bin/pip install -q -r bench/requirements.txt && cp bench/requirements.txt bench/.venv/; }
	@scripts/local-stack base-image
	$(BIN)/python bench/side_by_side.py $(BENCH_ARGS)

lock:             ## re-resolve requirements.in into the locked requirements.txt
	@bash scripts/lock.sh

clean: down
	rm -rf .local-stack
