# ttsd: the two commands are `make run` (serve) and `make test` (everything CI checks).
CARGO ?= cargo
PORT ?= 8880

.PHONY: all assets build run test web-test lint-deploy fmt-check clippy cuda-check fuzz bench bench-latency soak clean-assets

all: build

## Fetch, verify and place the model, ONNX Runtime, vocabulary and voices (idempotent).
assets:
	@./scripts/fetch-assets.sh

build:
	$(CARGO) build --release

## Fetch assets if needed, build, and serve on 127.0.0.1:$(PORT).
run: assets build
	./target/release/ttsd serve --port $(PORT)

fmt-check:
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml -- --check

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

## Format check, lints (code, Dockerfiles, Kubernetes manifests), assets, and every test
## (unit, CLI and server integration, ASR, then the page in real browsers).
test: fmt-check clippy lint-deploy assets
	$(CARGO) test --release --all-targets
	$(MAKE) web-test

## hadolint on the Dockerfiles, kubernetes-validate on deploy/kubernetes (tools from PyPI).
lint-deploy:
	./scripts/lint-deploy.sh

## The page (web/) in headless Chromium (Playwright) and Firefox ESR (geckodriver), each
## against a real `ttsd serve --port 0`. Needs chromium, firefox-esr, geckodriver, node.
web-test: build
	cd tests/web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm test

## The CUDA build compiles, onnxruntime-gpu's libraries load and speak on the CPU, and
## --device cuda without a GPU fails clearly (scripts/cuda-check.sh).
cuda-check: assets
	./scripts/cuda-check.sh

## cargo-fuzz (libFuzzer, nightly): each target for FUZZ_SECS seconds from fuzz/seeds.
FUZZ_SECS ?= 60
FUZZ_TARGETS = text_frontend speech_request encoders http_router
fuzz: assets
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  mkdir -p corpus/$$t && \
	  cargo +nightly fuzz run $$t corpus/$$t seeds/$$t -- -max_total_time=$(FUZZ_SECS) -rss_limit_mb=4096 \
	  || exit 1; done

## Criterion benches per stage, then the latency bench against a running server.
bench: assets
	$(CARGO) bench --bench pipeline
	$(MAKE) bench-latency

bench-latency: assets build
	$(CARGO) bench --bench latency

## Ten minutes of mixed load (the test suite runs the same soak for 60 s).
soak: assets
	TTSD_SOAK_SECS=600 $(CARGO) test --release --test soak -- --nocapture

clean-assets:
	rm -rf assets voices/*.bin
