#!/usr/bin/env bash
# bench-apply.sh - berth apply vs kubectl apply --server-side on the same test control plane,
# in the same run: a cold apply and unchanged re-applies of an app with N services (default
# 100: 501 objects - a Namespace, and per service a ConfigMap, a Secret, a Service, a
# Deployment and an Ingress), then a drift check (live edits must be put back by berth apply).
#
#   scripts/bench-apply.sh [SERVICES] [NOOP_RUNS]
#
# Needs the test control plane binaries (test/cluster/build.sh builds them, ~5 min once).
# Each tool gets its own namespace; berth applies without --wait (kubectl apply does not
# wait either). Between the cold applies the script waits for the first rollout to finish so
# both tools see the same quiet cluster. Prints a table, the ratios kubectl/berth, and the CPU
# seconds the control plane spent during each cold apply and no-op run (the server's share).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

services=${1:-100}
runs=${2:-3}

bin_dir=$(test/cluster/build.sh 2>/dev/null)
export BERTH_TEST_BIN=$bin_dir
kubectl=$bin_dir/kubectl
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-apply.XXXXXX")
kpid=""
cleanup() {
  exec 9>&- 2>/dev/null || true # closing kube-up's stdin stops the cluster
  if [[ -n "$kpid" ]]; then wait "$kpid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

log() { printf '[bench-apply] %s\n' "$*" >&2; }

go build -o "$work/" ./cmd/berth ./cmd/berth-cluster
go build -o "$work/kube-up" ./test/cluster/cmd/kube-up
berth=$work/berth

mkfifo "$work/hold"
"$work/kube-up" -pvs 0 <"$work/hold" >"$work/kubeconfig.path" 2>"$work/kube-up.log" &
kpid=$!
exec 9>"$work/hold"
for _ in $(seq 1 600); do
  [[ -s "$work/kubeconfig.path" ]] && break
  kill -0 "$kpid" 2>/dev/null || { cat "$work/kube-up.log" >&2; exit 1; }
  sleep 0.1
done
KUBECONFIG=$(head -n1 "$work/kubeconfig.path")
export KUBECONFIG
log "cluster up: $KUBECONFIG"

# the app: N services with a published HTTP port and one plain and one secret variable each
{
  printf 'name: bench\nx-berth:\n  domain: bench.example.test\nservices:\n'
  for ((i = 0; i < services; i++)); do
    printf '  s%03d:\n    image: nginx:1.27\n    ports: ["%d:80"]\n    environment:\n      INSTANCE: "%d"\n      DB_PASSWORD: pw-%03d-secret-value\n' \
      "$i" $((10000 + i)) "$i" "$i"
  done
} >"$work/compose.yaml"
"$berth" convert -f "$work/compose.yaml" -n bench-berth -o "$work/berth-out" 2>"$work/convert.log"
"$berth" convert -f "$work/compose.yaml" -n bench-kubectl -o "$work/kubectl-out" 2>>"$work/convert.log"
objects=$(find "$work/berth-out" -name '*.yaml' | wc -l)
log "$objects objects per tool"

now() { date +%s.%N; }
# timed NAME CMD...: runs CMD (output to a log), prints the seconds it took
timed() {
  local name=$1 t0 t1
  shift
  t0=$(now)
  "$@" >"$work/$name.log" 2>&1 || { log "$name failed:"; cat "$work/$name.log" >&2; exit 1; }
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# cpcpu: CPU seconds (user + system) the control plane (kube-up's processes: etcd, apiserver,
# controller-manager, scheduler, kwok) has used so far; cpd A B: the difference
tck=$(getconf CLK_TCK)
cpcpu() {
  local p sum=0 f
  for p in $(ps -o pid= --ppid "$kpid"); do
    read -r -a f <"/proc/$p/stat" 2>/dev/null || continue
    sum=$((sum + f[13] + f[14]))
  done
  awk -v s="$sum" -v t="$tck" 'BEGIN { printf "%.2f\n", s / t }'
}
cpd() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
rollout() { "$kubectl" wait --for=condition=Available deploy --all -n "$1" --timeout=300s >/dev/null; }

k_apply() { "$kubectl" apply --server-side -f "$work/kubectl-out"; }
b_apply() { "$berth" apply --from "$work/berth-out" --wait=false; }

c0=$(cpcpu)
k_cold=$(timed kubectl-cold k_apply)
c1=$(cpcpu)
rollout bench-kubectl
c2=$(cpcpu)
b_cold=$(timed berth-cold b_apply)
c3=$(cpcpu)
rollout bench-berth
c4=$(cpcpu)
k_cold_cp=$(cpd "$c0" "$c1") b_cold_cp=$(cpd "$c2" "$c3")
log "cold: kubectl ${k_cold}s, berth ${b_cold}s; control plane CPU during them: ${k_cold_cp}s, ${b_cold_cp}s (until rolled out: $(cpd "$c0" "$c2")s, $(cpd "$c2" "$c4")s)"

k_noops=() b_noops=() k_noop_cp=0 b_noop_cp=0
for ((r = 0; r < runs; r++)); do
  c0=$(cpcpu)
  k_noops+=("$(timed "kubectl-noop-$r" k_apply)")
  c1=$(cpcpu)
  b_noops+=("$(timed "berth-noop-$r" b_apply)")
  c2=$(cpcpu)
  k_noop_cp=$(awk -v s="$k_noop_cp" -v d="$(cpd "$c0" "$c1")" -v n="$runs" 'BEGIN { printf "%.3f", s + d / n }')
  b_noop_cp=$(awk -v s="$b_noop_cp" -v d="$(cpd "$c1" "$c2")" -v n="$runs" 'BEGIN { printf "%.3f", s + d / n }')
done
k_noop=$(printf '%s\n' "${k_noops[@]}" | median)
b_noop=$(printf '%s\n' "${b_noops[@]}" | median)
grep -q "^${objects} unchanged in" "$work/berth-noop-0.log" || { log "berth no-op changed something:"; cat "$work/berth-noop-0.log" >&2; exit 1; }

# drift: two live edits of fields berth manages must be put back by the next apply
"$kubectl" -n bench-berth scale deploy s000 --replicas=3 >/dev/null
"$kubectl" -n bench-berth patch configmap s001-env --type merge -p '{"data":{"INSTANCE":"edited"}}' >/dev/null
b_drift=$(timed berth-drift b_apply)
replicas=$("$kubectl" -n bench-berth get deploy s000 -o jsonpath='{.spec.replicas}')
instance=$("$kubectl" -n bench-berth get configmap s001-env -o jsonpath='{.data.INSTANCE}')
configured=$(grep -c ') configured (reverted' "$work/berth-drift.log" || true)
if [[ "$replicas" != 1 || "$instance" != 1 || "$configured" != 2 ]]; then
  log "drift NOT repaired: replicas=$replicas INSTANCE=$instance configured=$configured"
  cat "$work/berth-drift.log" >&2
  exit 1
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
printf '\n%s objects (%s services), kubectl %s, no-op = median of %s runs\n\n' \
  "$objects" "$services" "$("$kubectl" version --client -o json | sed -n 's/.*"gitVersion": "\(.*\)".*/\1/p' | head -n1)" "$runs"
printf '| %-28s | %10s | %10s | %13s |\n' "run" "kubectl" "berth" "kubectl/berth"
printf '|%s|%s|%s|%s|\n' "------------------------------" "------------" "------------" "---------------"
printf '| %-28s | %9ss | %9ss | %13s |\n' "cold apply" "$k_cold" "$b_cold" "$(ratio "$k_cold" "$b_cold")"
printf '| %-28s | %9ss | %9ss | %13s |\n' "re-apply, unchanged" "$k_noop" "$b_noop" "$(ratio "$k_noop" "$b_noop")"
printf '| %-28s | %10s | %9ss | %13s |\n' "re-apply after 2 live edits" "-" "$b_drift" "edits put back"
printf '\nno-op runs: kubectl %s; berth %s\n' "${k_noops[*]}" "${b_noops[*]}"
printf 'control plane CPU (s) during cold apply: kubectl %s, berth %s; per no-op run (mean): kubectl %s, berth %s; %s cores, load %s\n' \
  "$k_cold_cp" "$b_cold_cp" "$k_noop_cp" "$b_noop_cp" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
