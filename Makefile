# Targets for building and testing smartmate-mock. `make test` is the one
# command that runs every test; .ci/run calls it.

GO ?= go

.PHONY: all build test test-go lint

all: build

build:
	$(GO) build -o bin/ ./cmd/...

# test runs every test suite: static checks, then the Go tests with the
# race detector.
test: lint test-go

lint:
	$(GO) vet ./...
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

test-go:
	$(GO) test -race -count=1 ./...
