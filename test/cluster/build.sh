#!/usr/bin/env bash
# build.sh - build the test control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok; kubelet, kube-proxy and CoreDNS for the real-node mode;
# buildkitd for the image build tests) from
# the Go module proxy into a cache directory, once.
#
#   test/cluster/build.sh            # prints the binary directory on stdout
#
# Versions are pinned by the modules under test/cluster/tools/ (go.mod + go.sum, committed):
#   tools/kube  k8s.io/kubernetes (each staging module replaced by its published v0.x.y)
#   tools/etcd  go.etcd.io/etcd/server/v3
#   tools/kwok  sigs.k8s.io/kwok
#   tools/coredns  github.com/coredns/coredns (cluster DNS of the real-node mode)
#   tools/buildkit  github.com/moby/buildkit (buildkitd for the image build tests; the same
#                   version as the client in berth's go.mod)
# They are three modules, not one, so that etcd and kwok are built with exactly the
# dependency versions their own releases were built and tested with (a single module would
# let minimal version selection move their shared dependencies, e.g. grpc, to k8s's).
#
# Output: $BERTH_TEST_BIN (default ${XDG_CACHE_HOME:-$HOME/.cache}/berth-test-bin/<kubernetes version>,
# the directory the Go harness looks in).
# Each binary has a stamp file <name>.version; a binary whose stamp matches the pinned
# version is not rebuilt, so a warm run takes well under a second. One build at a time per
# output directory (flock). Cold build: about 25 minutes on 2 cores (23 min on 2026-12-07).
#
# Env: BERTH_TEST_BIN, GO (go command, default: go on PATH).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tools=$here/tools
GO=${GO:-go}

log() { printf '[berth-test-build] %s\n' "$*" >&2; }
command -v "$GO" >/dev/null 2>&1 || { log "go not found (set GO=/path/to/go or put go on PATH)"; exit 1; }

# Never fetch a toolchain, never use a workspace around us, build static binaries, and do
# not let a caller's GOFLAGS (-mod=vendor, -race, ...) leak into these builds.
export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS=-buildvcs=false

modversion() { # dir module -> version pinned in that tools module
  (cd "$tools/$1" && "$GO" list -m -f '{{.Version}}' "$2")
}
K8S_VERSION=$(modversion kube k8s.io/kubernetes)
ETCD_VERSION=$(modversion etcd go.etcd.io/etcd/server/v3)
KWOK_VERSION=$(modversion kwok sigs.k8s.io/kwok)
COREDNS_VERSION=$(modversion coredns github.com/coredns/coredns)
BUILDKIT_VERSION=$(modversion buildkit github.com/moby/buildkit)

BIN=${BERTH_TEST_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/berth-test-bin/$K8S_VERSION}
mkdir -p "$BIN"
BIN=$(cd "$BIN" && pwd)

if command -v flock >/dev/null 2>&1; then
  exec 9>"$BIN/.lock"
  flock 9
fi

up_to_date() { # name version
  [[ -x "$BIN/$1" && -f "$BIN/$1.version" && "$(cat "$BIN/$1.version")" == "$2" ]]
}
stamp() { printf '%s\n' "$2" >"$BIN/$1.version"; }

build() { # module-dir version ldflags name=package...
  local dir=$1 want=$2 ld=$3; shift 3
  local todo=() names=() spec
  for spec in "$@"; do
    up_to_date "${spec%%=*}" "$want" || { todo+=("$spec"); names+=("${spec%%=*}"); }
  done
  if ((${#todo[@]} == 0)); then log "${*%%=*} $want: up to date"; return; fi
  log "${names[*]} $want: building"
  local t0=$SECONDS out
  out=$(mktemp -d "$BIN/.tmp-build.XXXXXX")
  local pkgs=() target="$out/"
  for spec in "${todo[@]}"; do pkgs+=("${spec#*=}"); done
  # one go build for several binaries (their links run in parallel); -o DIR/ names each
  # binary after its package's last path element, which matches for the kube commands
  ((${#todo[@]} == 1)) && target="$out/${names[0]}"
  if ! (cd "$tools/$dir" && "$GO" build -trimpath -ldflags "$ld" -o "$target" "${pkgs[@]}"); then
    rm -rf "$out"; log "building ${names[*]} failed"; exit 1
  fi
  for spec in "${todo[@]}"; do
    mv -f "$out/${spec%%=*}" "$BIN/${spec%%=*}"
    stamp "${spec%%=*}" "$want"
  done
  rm -rf "$out"
  log "${names[*]} $want: built in $((SECONDS - t0))s"
}

# kube-* and kubectl report their version from these variables (set by Kubernetes' own
# release build); without them `kubectl version` would say v0.0.0.
minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
kube_ld="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
  kube_ld+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done

build etcd "$ETCD_VERSION" "-s -w" etcd=go.etcd.io/etcd/server/v3
build kube "$K8S_VERSION" "$kube_ld" \
  kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver \
  kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager \
  kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler \
  kubectl=k8s.io/kubernetes/cmd/kubectl \
  kubelet=k8s.io/kubernetes/cmd/kubelet \
  kube-proxy=k8s.io/kubernetes/cmd/kube-proxy
build kwok "$KWOK_VERSION" "-s -w" kwok=sigs.k8s.io/kwok/cmd/kwok
build coredns "$COREDNS_VERSION" "-s -w" coredns=github.com/coredns/coredns
build buildkit "$BUILDKIT_VERSION" "-s -w" buildkitd=github.com/moby/buildkit/cmd/buildkitd

log "binaries in $BIN"
printf '%s\n' "$BIN"
