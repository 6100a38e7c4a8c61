# Mailroom: `make run` (build and start on SQLite), `make test` (install and test all).
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

.PHONY: help run build site tools test dev bench clean

help:
	@echo "make run    - build (release) and start the server on 127.0.0.1:3000 with SQLite"
	@echo "make test   - install what the tests need and run every test (lint, unit, integration on SQLite and Postgres, browser)"
	@echo "make build  - release build of the server and the front end"
	@echo "make dev    - cargo-leptos watch mode (installs cargo-leptos on first use)"
	@echo "make bench  - load benchmark (release build, wrk); writes BENCHMARKS.md"

tools:
	@bash scripts/install-tools.sh

site: tools
	@bash scripts/build-site.sh

build: site
	@source scripts/lib.sh && step "Building the server (release)"
	cargo build --locked --release -p mailroom-server

run: build
	@source scripts/lib.sh && step "Starting Mailroom on http://$${LEPTOS_SITE_ADDR:-127.0.0.1:3000} (data in ./data)"
	./target/release/mailroom

test:
	@bash scripts/test.sh

dev:
	@bash scripts/dev.sh

bench:
	@bash bench/run.sh

clean:
	cargo clean
	rm -rf .tools end2end/node_modules end2end/test-results sdk-tests/node_modules
