# mediagate — build, test, demo, bench.
# `make demo` runs the demo; `make test` runs every test (unit, integration, end to end).

SHELL := /bin/bash
GO ?= go
GOBIN := $(shell $(GO) env GOPATH)/bin
VERSITYGW_VERSION := v1.8.0
# MinIO, the second S3 server the S3 tests run against (AGPL-3.0: a test tool run as a
# separate process, never linked into or shipped with mediagate). The pseudo-version
# `go install github.com/minio/minio@latest` resolved; keep internal/testutil.MinIOVersion in step.
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
STATICCHECK_VERSION := v0.8.2
export PATH := $(GOBIN):$(PATH)

.PHONY: all build build-xcaddy check-manifest deps test test-unit test-e2e fuzz-smoke demo bench clean

all: build

## build: bin/caddy with every mediagate module, versions from xcaddy.json
build:
	$(GO) run ./tools/caddybuild -manifest xcaddy.json -o bin/caddy

## build-xcaddy: the same manifest through xcaddy (slow cold build)
build-xcaddy:
	$(GO) run ./tools/caddybuild -manifest xcaddy.json -o bin/caddy -xcaddy

check-manifest:
	$(GO) run ./tools/caddybuild -check

## deps: tools the tests and the demo run (versitygw, minio; players come from .ci/run or apt)
deps: $(GOBIN)/versitygw $(GOBIN)/minio $(GOBIN)/staticcheck

$(GOBIN)/staticcheck:
	@echo ">> installing staticcheck $(STATICCHECK_VERSION) (go install)"
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(GOBIN)/versitygw:
	@echo ">> installing versitygw $(VERSITYGW_VERSION) (go install, ~2 min the first time)"
	$(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)

# MinIO's server is AGPL-3.0: installed as a test tool only, run by internal/testutil as a
# separate process; mediagate never imports, links or ships it.
$(GOBIN)/minio:
	@echo ">> installing minio $(MINIO_VERSION) (go install, ~6 min the first time; a test tool, AGPL-3.0, never linked)"
	$(GO) install github.com/minio/minio@$(MINIO_VERSION)

## test: every test — vet, staticcheck, unit + integration (real Caddy, real S3 gateway), fuzz smoke, end to end
test: build deps
	$(GO) vet ./...
	$(GOBIN)/staticcheck ./...
	$(GO) run ./tools/caddybuild -check
	$(GO) test -count=1 -p 1 -timeout 15m ./...
	$(GO) test -count=1 -tags purego ./internal/aescbc ./hlsproxy/segcrypt
	$(MAKE) fuzz-smoke

## fuzz-smoke: every fuzz target for a few seconds (longer runs: FUZZTIME=5m make fuzz-smoke)
FUZZTIME ?= 4s
fuzz-smoke:
	FUZZTIME=$(FUZZTIME) GO=$(GO) ./scripts/fuzz-smoke.sh

## demo: a protected sample stream from a real S3 gateway through Caddy
demo: build $(GOBIN)/versitygw
	./scripts/demo.sh

## bench: benchmarks with same-run baselines, summarised in BENCHMARKS.md
bench: build $(GOBIN)/versitygw
	@command -v wrk >/dev/null && command -v jq >/dev/null || { echo ">> installing wrk, jq (apt)"; apt-get update -qq && apt-get install -y -qq wrk jq >/dev/null; }
	./scripts/bench.sh

clean:
	rm -rf bin
