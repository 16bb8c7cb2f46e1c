# berth - common tasks. `make test` is the one command that builds everything the tests need
# (the test control plane: about 25 minutes once on 2 cores, cached afterwards) and runs all tests.
GO ?= go
# whole-suite bound; cluster tests start real control planes (a few seconds each)
TEST_TIMEOUT ?= 30m
TEST_FLAGS ?=

.PHONY: all build vet lint install test test-deps test-bin test-browser-deps example

all: build vet lint

build:
	$(GO) build ./...

vet:
	$(GO) vet ./...

# staticcheck at the version pinned in test/tools/staticcheck (a module of its own), built into
# the user cache once; the build cache makes later runs start in a second.
STATICCHECK = $${XDG_CACHE_HOME:-$$HOME/.cache}/berth-tools/staticcheck
lint:
	$(GO) build -C test/tools/staticcheck -o "$(STATICCHECK)" honnef.co/go/tools/cmd/staticcheck
	"$(STATICCHECK)" ./...

# Installs berth and berth-cluster (the cluster commands berth hands over to) into GOBIN.
install:
	$(GO) install ./cmd/berth ./cmd/berth-cluster

# Installs, as root and once, the Debian packages the tests need (package test/deps: the real
# node's containerd, runc, CNI plugins and iptables; the programs the real-node images are made
# of; chromium for the browser tests). Package scripts are not allowed to start services. The
# tests only check for these packages and name this target when one is missing.
test-deps:
	$(GO) run ./test/deps/install

# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok and, for
# the real-node tests, kubelet, kube-proxy and CoreDNS into
# $BERTH_TEST_BIN (default ~/.cache/berth-test-bin/<version>); a no-op when up to date.
test-bin:
	test/cluster/build.sh >/dev/null

# playwright-core (npm, at the version in test/browser/package-lock.json) for test/browser.
test-browser-deps:
	test/browser/install.sh

test: vet lint test-deps test-bin test-browser-deps
	BERTH_TEST_BIN="$$(test/cluster/build.sh 2>/dev/null)" $(GO) test -timeout $(TEST_TIMEOUT) $(TEST_FLAGS) ./...

# Converts the shipped example app: out/shop/ (one file per object) and out/shop-report.md.
example:
	$(GO) run ./cmd/berth convert -f examples/shop/compose.yaml -o out/shop --report out/shop-report.md
