# codebridge — the two commands a fresh machine needs are `make run` and `make test`.
GO      ?= go
BIN     := bin/codebridge
CONFIG  ?= testdata/demo/codebridge.yaml
# Packages whose tests run with the race detector (all of them: nearly every
# package has goroutines).
RACE    ?= -race
TESTTIMEOUT ?= 20m

.PHONY: all build run test vet fmt bench fuzz clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/codebridge

run: build
	./$(BIN) serve --config $(CONFIG)

vet:
	$(GO) vet ./...

fmt:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

test: fmt vet
	$(GO) test $(RACE) -timeout $(TESTTIMEOUT) ./...

# Benchmarks: Go's harness for the micro benchmarks plus the end-to-end
# bench command; figures go into BENCHMARKS.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./rules/ ./events/
	$(GO) test -run '^$$' -bench EventToFirstCommand -benchtime 20x ./functions/build/
	$(GO) test -run '^$$' -bench ReplicationLag -benchtime 20x ./functions/replicate/
	$(GO) run ./cmd/cbbench

# Short fuzz runs of every fuzz target (seeded from testdata/).
fuzz:
	@for p in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list 'Fuzz.*' $$p 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$p $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 20s $$p || exit 1; \
	  done; \
	done

clean:
	rm -rf bin .codebridge
