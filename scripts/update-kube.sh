#!/usr/bin/env bash
# update-kube.sh - move berth to a new Kubernetes release, all parts together (docs/upgrading.md):
# the test harness (test/cluster/tools/kube, tools/etcd, binaries.go), berth's own k8s.io/*
# libraries, and the embedded schemas of the release's minor (captured from its apiserver).
#
#   scripts/update-kube.sh v1.38.1
#
# Afterwards it prints what is left to a person (goldens to review, the real node's kubelet
# notes, the suite). TestKubernetesVersionsAgree
# (test/cluster) fails until every part names the same release.
#
# Env: GO (go command, default: go on PATH). Needs the Go module proxy; the harness build is
# the long step (test/cluster/build.sh, about 20-40 minutes cold on 2 cores).
set -euo pipefail

v=${1:?usage: scripts/update-kube.sh v1.MINOR.PATCH}
[[ $v =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "update-kube: $v is not v1.MINOR.PATCH" >&2; exit 2; }
minor=${BASH_REMATCH[1]} patch=${BASH_REMATCH[2]}
staging="v0.$minor.$patch"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GO=${GO:-go}
export GOTOOLCHAIN=local GOWORK=off GOFLAGS=-buildvcs=false
log() { printf '[update-kube] %s\n' "$*" >&2; }

# 1. the harness's kube module: k8s.io/kubernetes at v, each staging module replaced by its
#    published v0.MINOR.PATCH (kubernetes' own go.mod points them at ./staging)
gomod=$(cd "$root" && "$GO" mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
[[ -f $gomod ]] || { log "k8s.io/kubernetes@$v: no go.mod from the module proxy"; exit 1; }
kube=$root/test/cluster/tools/kube
gover=$(sed -n 's/^go //p' "$gomod")
godebug=$(sed -n 's/^godebug //p' "$gomod")
log "tools/kube: k8s.io/kubernetes $v (go $gover)"
printf 'module github.com/berth-dev/berth/test/cluster/tools/kube\n\ngo %s\n' "$gover" >"$kube/go.mod"
rm -f "$kube/go.sum"
(
  cd "$kube"
  [[ -n $godebug ]] && "$GO" mod edit -godebug="$godebug"
  for m in $(sed -n 's|^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*|\1|p' "$gomod"); do
    "$GO" mod edit -replace="$m=$m@$staging"
  done
  tools=()
  for c in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy; do
    tools+=("k8s.io/kubernetes/cmd/$c@$v")
  done
  "$GO" get -tool "${tools[@]}"
  "$GO" mod tidy
)

# 2. etcd: the server release matching the etcd client kubernetes requires
etcd=$(sed -n 's|^\s*go.etcd.io/etcd/client/v3 \(v[0-9.]*\).*|\1|p' "$gomod" | head -1)
[[ -n $etcd ]] || { log "no go.etcd.io/etcd/client/v3 in kubernetes $v's go.mod"; exit 1; }
log "tools/etcd: go.etcd.io/etcd/server/v3 $etcd"
(cd "$root/test/cluster/tools/etcd" && "$GO" get -tool "go.etcd.io/etcd/server/v3@$etcd" && "$GO" mod tidy)

# 3. the constants the harness checks its binaries' stamps against
sed -i -E "s/(KubernetesVersion = )\"[^\"]*\"/\1\"$v\"/; s/(EtcdVersion[[:space:]]+= )\"[^\"]*\"/\1\"$etcd\"/" \
  "$root/test/cluster/binaries.go"

# 4. berth's own k8s.io/* libraries released with Kubernetes (v0.MINOR.PATCH)
mods=$(cd "$root" && "$GO" list -m -f '{{if not .Main}}{{.Path}} {{.Version}}{{end}}' all |
  awk '$1 ~ /^k8s\.io\// && $2 ~ /^v0\.[1-9][0-9]*\./ {print $1}')
log "berth go.mod: $(echo $mods | wc -w) k8s.io modules -> $staging"
(cd "$root" && "$GO" get $(for m in $mods; do printf '%s@%s ' "$m" "$staging"; done) && "$GO" mod tidy)

# 5. build the harness at v and capture the new minor's served schemas; compile the tables
"$root/test/cluster/build.sh" >/dev/null
(cd "$root/pkg/validate" && "$GO" run ./internal/capture -out schemas)
(cd "$root" && "$GO" test ./pkg/validate -run TestCompiledSchemasAreCurrent -update >/dev/null)

# 6. defaults that name the release: the newest schemas, the Job waits' kubectl of the minor
sed -i -E "s/(const DefaultKubeVersion = )\"[^\"]*\"/\1\"1.$minor\"/" "$root/pkg/validate/schemas.go"
wait=$root/pkg/convert/wait.go
if grep -q "\"1.$minor\": \"v" "$wait"; then
  sed -i -E "s/\"1\.$minor\": \"v[0-9.]+\"/\"1.$minor\": \"$v\"/" "$wait"
else
  sed -i -E "s/(var kubectlReleases = map\[string\]string\{.*)\}/\1, \"1.$minor\": \"$v\"}/" "$wait"
fi
gofmt -l "$root/pkg/convert" "$root/pkg/validate" >/dev/null

cat >&2 <<MSG
[update-kube] done: harness $v, etcd $etcd, k8s.io/* $staging, schemas/v1.$minor captured and
compiled, DefaultKubeVersion 1.$minor, Job waits' kubectl $v for 1.$minor.
Left to a person (docs/upgrading.md):
  - goldens: go test ./internal/cli ./pkg/... -update, and review the diff
  - the release's urgent upgrade notes for the real node (test/cluster/realnode/kubelet.go)
  - the whole suite: make test; then scripts/fresh-run.sh if the harness build grew
MSG
