# Beacon: `make run` serves the demo bank, `make test` runs the tests.
GO      ?= go
BIN     := bin/beacon
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

# Question sets over data sets of other domains, with hand-SQL answers:
# no silent wrong answer is allowed, and accuracy may not fall below 80%.
UNSEEN  := $(wildcard queries/testdata/unseen/*.yaml)

# Question sets that route beyond metric queries (docs/chatbi.md, Routes):
# they train a quick churn model on their bank, so they run apart.
ROUTES  := $(wildcard queries/testdata/eval/demo_bank_routes.yaml queries/testdata/blind/demo_bank_routes.yaml)
METRIC_SETS := $(filter-out $(ROUTES),$(wildcard queries/testdata/eval/*.yaml queries/testdata/heldout/*.yaml queries/testdata/blind/demo_bank_blind*.yaml))

.PHONY: all deps assets browser clickhouse build run test eval bench bench-go clean

# Browser scripts come from npm, pinned by web/package-lock.json, and are
# embedded in the binary: pages never load from another host. ECharts draws
# the charts; htm's standalone Preact build (one ES module, no build step)
# renders the front.
ECHARTS := web/static/vendor/echarts.min.js
PREACT  := web/static/vendor/preact-htm.js

all: build

deps: assets
	$(GO) mod download

assets: $(ECHARTS) $(PREACT)

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund

$(ECHARTS): web/node_modules/.package-lock.json
	cp web/node_modules/echarts/dist/echarts.min.js $@

$(PREACT): web/node_modules/.package-lock.json
	cp web/node_modules/htm/preact/standalone.module.js $@

# Headless Chromium and CJK fonts turn charts into PNG images for messages
# (charts/render); without the fonts Chinese labels come out as boxes. As
# root (CI) they are installed when missing; otherwise this says how, and
# the image tests skip unless BEACON_REQUIRE_CHROMIUM is set.
BROWSER_PKGS := chromium fonts-noto-cjk

browser:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing $(BROWSER_PKGS) to render charts to images"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(BROWSER_PKGS); \
	else \
		echo "chromium or fonts-noto-cjk is missing and this is not root with apt-get: chart image tests will skip."; \
		echo "  install them with: sudo apt-get install -y --no-install-recommends $(BROWSER_PKGS)"; \
	fi

# The ClickHouse engine's tests start two real clickhouse-server shards
# (Debian's package, 18.16) on free loopback ports. As root they are
# installed when missing; otherwise those tests skip unless
# BEACON_REQUIRE_CLICKHOUSE is set.
CLICKHOUSE_PKGS := clickhouse-server clickhouse-client

clickhouse:
	@if command -v clickhouse-server >/dev/null 2>&1 || [ -x /usr/sbin/clickhouse-server ]; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing $(CLICKHOUSE_PKGS) for the ClickHouse engine's tests"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(CLICKHOUSE_PKGS); \
	else \
		echo "clickhouse-server is missing and this is not root with apt-get: the ClickHouse tests will skip."; \
		echo "  install it with: sudo apt-get install -y --no-install-recommends $(CLICKHOUSE_PKGS)"; \
	fi

build: deps
	CGO_ENABLED=1 $(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/beacon

# Generates the demo bank (about 50,000 customers x 24 months) on first run,
# then serves on 127.0.0.1:8080.
run: build
	./$(BIN) serve

test: deps browser clickhouse
	$(GO) vet ./...
	BEACON_REQUIRE_ASSETS=1 $(GO) test -race -count=1 -timeout 30m ./...
	$(GO) run ./cmd/beacon eval $(METRIC_SETS)
	$(GO) run ./cmd/beacon eval --customers 5000 --min-accuracy 90 $(ROUTES)
	$(GO) run ./cmd/beacon eval --min-accuracy 80 $(UNSEEN)

# The ChatBI evaluation alone, listing every miss.
eval: deps
	$(GO) run ./cmd/beacon eval -v $(METRIC_SETS) $(UNSEEN)
	$(GO) run ./cmd/beacon eval -v --customers 5000 --min-accuracy 0 $(ROUTES)

# Query latency, cache and throughput over a 1,000,000-customer x 36-month bank.
bench: build
	./$(BIN) bench --customers 1000000 --months 36

# Go micro-benchmarks (compile time, generation).
bench-go: deps
	$(GO) test -run XXX -bench . -benchtime 2s ./metrics/ ./warehouse/

clean:
	rm -rf bin data web/node_modules $(ECHARTS) $(PREACT)
