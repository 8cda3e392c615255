# Targets for building and testing smartmate-mock. `make test` is the one
# command that runs every test; .ci/run calls it.

GO ?= go
IMAGE ?= smartmate-mock:latest
# Folder of the image's build context, written by the image target.
IMAGE_CONTEXT := build/image
CA_CERTS ?= /etc/ssl/certs/ca-certificates.crt

.PHONY: all build build-boringcrypto test test-go lint image docker-test conformance-binary crosscheck bench bench-smoke

all: build

build:
	$(GO) build -o bin/ ./cmd/...

# build-boringcrypto builds a static emulator whose RSA signing runs in
# BoringCrypto, about 1.5 times faster than Go's crypto/rsa on the
# benchmark machine (docs/benchmarks.md). It needs cgo and gcc.
build-boringcrypto:
	CGO_ENABLED=1 GOEXPERIMENT=boringcrypto $(GO) build -tags netgo,osusergo \
		-ldflags '-s -w -linkmode external -extldflags -static' -o bin/smartmate-mock-boringcrypto ./cmd/smartmate-mock

# test runs every test suite: static checks, the Go tests with the race
# detector (which drive Chromium, keycloak-js and openid-client), the
# conformance CLI against the binary, the cross-check against oidc-provider,
# and the container test. The installs of Chromium and Docker need root, as
# CI has.
test: lint test-go conformance-binary crosscheck docker-test bench-smoke

conformance-binary:
	scripts/conformance-binary.sh

crosscheck:
	scripts/crosscheck-oidc-provider.sh

lint:
	$(GO) vet ./...
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

# On CI the browser tests need Chromium, which the script installs when it
# is missing; elsewhere they are skipped without it.
test-go:
	@if [ "$${CI:-}" = true ]; then sh scripts/install-chromium.sh; fi
	$(GO) test -race -count=1 ./...

# image builds the static binary, gathers the build context and builds the
# container image $(IMAGE) from the Dockerfile on an empty base.
image:
	rm -rf $(IMAGE_CONTEXT)
	mkdir -p $(IMAGE_CONTEXT)/etc/ssl/certs
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $(IMAGE_CONTEXT)/smartmate-mock ./cmd/smartmate-mock
	cp $(CA_CERTS) $(IMAGE_CONTEXT)/etc/ssl/certs/ca-certificates.crt
	printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > $(IMAGE_CONTEXT)/etc/passwd
	printf 'root:x:0:\nnonroot:x:65532:\n' > $(IMAGE_CONTEXT)/etc/group
	docker build -t $(IMAGE) .

# docker-test installs and starts Docker when missing, builds the image,
# runs it with a realm file mounted and checks a token round trip.
docker-test:
	scripts/docker-test.sh

# bench measures throughput, latency, cold start and memory next to peers
# and rewrites docs/benchmarks.md and its plots (about 6 minutes).
bench:
	cd bench && $(GO) run ./cmd/bench -docs ../docs

# bench-smoke tests the benchmark module and runs every measurement once
# for a second; the figures it prints are not published.
bench-smoke:
	cd bench && $(GO) vet ./... && $(GO) test ./... && $(GO) run ./cmd/bench -quick
