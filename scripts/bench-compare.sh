#!/usr/bin/env bash
# bench-compare.sh: whole-process time and peak memory of `berth convert` against compose-go's
# load alone (internal/tools/composeload: the same options docker compose uses, no mapping) and
# `kompose convert` (v1.38.0, installed from the Go module proxy in a scratch module outside the
# repository), on the corpus (../shared/corpus/compose, when present) and on generated projects.
#
#   scripts/bench-compare.sh                 # corpus + 1000 2000 4000 8000 services
#   SIZES="1000 2000" REPS=3 scripts/bench-compare.sh
#   CORPUS=0 scripts/bench-compare.sh        # generated projects only
#   KOMPOSE_MAX=2000 scripts/bench-compare.sh # run kompose on generated projects up to this size
#   KOMPOSE=0 scripts/bench-compare.sh       # no kompose at all (not installed, not run)
#   OUTDIR=/dev/shm scripts/bench-compare.sh  # write the -o DIR outputs under this directory
#   STAT=median REPS=9 scripts/bench-compare.sh # the median of 9 runs instead of the fastest of 3
#   GROWTH=0 scripts/bench-compare.sh        # no growth curve
#   BERTH=/tmp/berth-old scripts/bench-compare.sh # measure this berth executable instead
#   HOSTILE=0 scripts/bench-compare.sh       # no hostile inputs
#
# The hostile inputs (docs/reliability.md) are each at most 1 MB; berth must load or refuse each
# within 2 CPU seconds and 256 MB peak RSS ("bound" says yes or no; exit 1 is a refusal).
#   SIZES= CORPUS=0 KOMPOSE=0 scripts/bench-compare.sh # the growth curve alone
#
# The growth curve converts inputs of size n and 4n along one dimension at a time (variables
# of one Compose service, of one ECS container as minified JSON and as CloudFormation YAML,
# services, Compose files; GROWTH_N scales the defaults) and prints the 4n / n ratios of
# berth's CPU time and anonymous memory, and of compose-go's load for Compose inputs: about 4
# is linear, 16 quadratic.
#
# Each command runs REPS times (default 3 for corpus files, 1 for generated ones), the commands
# taking turns; the fastest run counts, or the median one with STAT=median. Times are CPU
# seconds (user+sys: steadier than wall time on a shared machine) and
# wall seconds; memory is the peak resident set (MB, which counts the pages of the executable
# the process touched: berth's binary is large) and the peak anonymous memory (anon MB: heap
# and stacks), both from internal/tools/memrun. Ratios are berth / compose-go load, for
# `berth convert -o DIR` (one file per object, into a directory that does not exist yet) and
# `berth convert --stdout` (the same work without the file system).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
SIZES=${SIZES-1000 2000 4000 8000}
CORPUS=${CORPUS:-1}
# kompose needs ~50 CPU seconds for 1000 generated services and grows faster than linearly.
KOMPOSE_MAX=${KOMPOSE_MAX:-1000}
KOMPOSE=${KOMPOSE:-1}
KOMPOSE_VERSION=v1.38.0

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
# -o DIR outputs go under OUTDIR (default: the scratch directory). On an ext4 file system
# without a journal, creating a file costs up to a millisecond of system time for minutes after
# many files were deleted (the inode allocator skips recently freed inodes): OUTDIR on a tmpfs
# measures berth's own writing without that.
outs=$(mktemp -d "${OUTDIR:-$work}/berth-bench-outs.XXXXXX")
trap 'rm -rf "$work" "$outs"' EXIT

if [ -n "${BERTH:-}" ]; then
	cp "$BERTH" "$work/berth" # a berth built elsewhere, e.g. from an older commit
else
	go build -o "$work/berth" ./cmd/berth
fi
go build -o "$work/composeload" ./internal/tools/composeload
go build -o "$work/benchgen" ./internal/tools/benchgen
go build -o "$work/memrun" ./internal/tools/memrun

kompose=$(command -v kompose || true)
if [ -z "$kompose" ] && [ -x "$(go env GOPATH)/bin/kompose" ]; then kompose="$(go env GOPATH)/bin/kompose"; fi
if [ "$KOMPOSE" = 0 ]; then
	kompose=""
elif [ -z "$kompose" ] || ! "$kompose" version 2>/dev/null | grep -q "${KOMPOSE_VERSION#v}"; then
	echo "installing kompose $KOMPOSE_VERSION in a scratch module..." >&2
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/kompose-mod.XXXXXX")
	(cd "$scratch" && go mod init scratch/kompose >/dev/null 2>&1 &&
		go get "github.com/kubernetes/kompose@$KOMPOSE_VERSION" >/dev/null 2>&1 &&
		GOBIN="$work" go install github.com/kubernetes/kompose)
	rm -rf "$scratch"
	kompose="$work/kompose"
fi

# run1 DIR REP CMD...: runs CMD in DIR once and prints "cpu wall rssMB anonMB", or "fail" when
# it exits non-zero. An argument @OUT@ becomes a directory that does not exist yet: outputs are
# deleted only at the end, because on some file systems (ext4 without a journal) creating files
# within a minute or so of deleting as many costs seconds of system time (the inode allocator
# skips recently freed inodes).
run1() {
	local dir=$1 rep=$2; shift 2
	local line args
	args=("${@//@OUT@/$outs/$BASHPID-$rep}")
	if ! line=$(cd "$dir" && env -i PATH="$PATH" HOME="$HOME" "$work/memrun" "${args[@]}" 2>&1 >/dev/null | tail -1); then
		echo fail
		return
	fi
	read -r u s e m a <<<"$line"
	echo "$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }') $(printf %.2f "$e") $((m / 1024)) $((a / 1024))"
}

# pick RESULT...: the run that counts among one command's results: the fastest, or with
# STAT=median the median by CPU time; "fail" if any run failed.
pick() {
	local r
	for r in "$@"; do
		if [ "$r" = fail ]; then
			echo fail
			return
		fi
	done
	if [ "${STAT:-min}" = median ]; then
		printf '%s\n' "$@" | sort -n -k1,1 | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'
	else
		printf '%s\n' "$@" | sort -n -k1,1 | head -1
	fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

printf '%-60s %8s | %24s | %24s %6s %6s %6s | %24s %6s %6s %6s | %24s %6s\n' input services "compose-go load" "berth -o DIR" "cpu x" "rss x" "anon x" "berth --stdout" "cpu x" "rss x" "anon x" "kompose -o DIR" "cpu x"
printf '%-60s %8s | %24s | %24s %6s %6s %6s | %24s %6s %6s %6s | %24s %6s\n' "" "" "cpu s  wall  MB  anon" "cpu s  wall  MB  anon" "" "" "" "cpu s  wall  MB  anon" "" "" "" "cpu s  wall  MB  anon" ""

# row LABEL SERVICES DIR REPS FILE...: one line of the table. The commands take turns, REPS
# rounds of one run each, so a drift in the host's speed touches them alike.
row() {
	local label=$1 services=$2 dir=$3 reps=$4; shift 4
	local fargs=()
	for f in "$@"; do fargs+=(-f "$f"); done
	local withkomp=""
	if [ -n "$kompose" ] && { [ "$services" = "?" ] || [ "$services" -le "$KOMPOSE_MAX" ] || [ -n "${CORPUS_ROW:-}" ]; }; then
		withkomp=1
	fi
	local loads=() berths=() stdouts=() komps=()
	for ((i = 0; i < reps; i++)); do
		loads+=("$(run1 "$dir" "$i" "$work/composeload" "${fargs[@]}")")
		berths+=("$(run1 "$dir" "$i" "$work/berth" convert "${fargs[@]}" -o @OUT@)")
		stdouts+=("$(run1 "$dir" "$i" "$work/berth" convert "${fargs[@]}" --stdout)")
		if [ -n "$withkomp" ]; then
			komps+=("$(run1 "$dir" "k$i" "$kompose" convert "${fargs[@]}" -o @OUT@)")
		fi
	done
	local load berth stdout komp=skipped
	load=$(pick "${loads[@]}")
	berth=$(pick "${berths[@]}")
	stdout=$(pick "${stdouts[@]}")
	if [ -n "$withkomp" ]; then
		komp=$(pick "${komps[@]}")
	fi
	local lc=${load%% *} kc=${komp%% *}
	printf '%-60s %8s | %24s | %24s %6s %6s %6s | %24s %6s %6s %6s | %24s %6s\n' "$label" "$services" "$load" \
		"$berth" $(ratios "$berth" "$load") "$stdout" $(ratios "$stdout" "$load") \
		"$komp" "$([ "$komp" = fail ] || [ "$komp" = skipped ] || [ "$load" = fail ] && echo - || ratio "$kc" "$lc")"
}

# ratios RUN LOAD: "cpu rss anon" ratios of two measure results.
ratios() {
	if [ "$1" = fail ] || [ "$2" = fail ]; then
		echo "- - -"
		return
	fi
	local c1 w1 m1 a1 c2 w2 m2 a2
	read -r c1 w1 m1 a1 <<<"$1"
	read -r c2 w2 m2 a2 <<<"$2"
	echo "$(ratio "$c1" "$c2") $(ratio "$m1" "$m2") $(ratio "$a1" "$a2")"
}

# The corpus sits beside the main checkout (../shared), also when this runs in a worktree.
corpus="$(dirname "$(git rev-parse --path-format=absolute --git-common-dir)")/../shared/corpus/compose"
if [ "$CORPUS" = 1 ] && [ -d "$corpus" ]; then
	while IFS= read -r f; do
		dir=$(dirname "$f")
		# Only files berth converts on their own (the corpus test lists and justifies the others).
		if ! (cd "$dir" && env -i PATH="$PATH" HOME="$HOME" "$work/berth" convert -f "$f" --stdout >/dev/null 2>&1); then
			continue
		fi
		n=$("$work/composeload" -f "$f" 2>/dev/null | awk '{print $1}' || echo "?")
		CORPUS_ROW=1 row "${f#"$corpus"/}" "$n" "$dir" "${REPS:-3}" "$f"
	done < <(find "$corpus" -type f \( -name '*compose*.yml' -o -name '*compose*.yaml' \) | sort)
fi

for n in $SIZES; do
	"$work/benchgen" -o "$work/gen" "$n"
	dir="$work/gen/svc$n"
	files=()
	while IFS= read -r f; do files+=("$f"); done < <(ls "$dir"/compose*.yaml | sort -V)
	row "generated tree, $n services (${#files[@]} files)" "$n" "$dir" "${REPS:-1}" "${files[@]}"
	rm -rf "$work/gen"
done

# The growth curve: gen_* DIR N write an input of size N into DIR and print berth's input
# flags (relative to DIR).
gen_compose_vars() {
	awk -v n="$2" 'BEGIN { print "services:\n  app:\n    image: nginx\n    environment:"; for (i = 0; i < n; i++) printf "      VAR_%d: value-%d\n", i, i }' >"$1/compose.yaml"
	echo "-f compose.yaml"
}
gen_ecs_vars() {
	awk -v n="$2" 'BEGIN { printf "{\"family\":\"big\",\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"nginx\",\"memory\":512,\"environment\":["
		for (i = 0; i < n; i++) printf "%s{\"name\":\"VAR_%d\",\"value\":\"value-%d\"}", (i ? "," : ""), i, i
		print "]}]}" }' >"$1/task.json"
	echo "--ecs task.json"
}
gen_cfn_vars() {
	awk -v n="$2" 'BEGIN { print "Resources:\n  Task:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      Family: big\n      ContainerDefinitions:\n        - Name: app\n          Image: nginx\n          Memory: 512\n          Environment:"
		for (i = 0; i < n; i++) printf "            - Name: VAR_%d\n              Value: value-%d\n", i, i }' >"$1/template.yaml"
	echo "--ecs template.yaml"
}
gen_services() {
	"$work/benchgen" -o "$1" "$2"
	local f
	for f in $(cd "$1/svc$2" && ls compose*.yaml | sort -V); do printf -- '-f svc%s/%s ' "$2" "$f"; done
	echo
}
gen_files() {
	local i
	for ((i = 0; i < $2; i++)); do
		printf 'services:\n  s%d:\n    image: nginx\n    ports: ["%d:80"]\n    environment:\n      A: "1"\n' "$i" $((10000 + i)) >"$1/c$i.yaml"
		printf -- '-f c%d.yaml ' "$i"
	done
	echo
}

# grow LABEL GEN N: berth (and compose-go for Compose) at N and 4N, and the ratios.
grow() {
	local label=$1 gen=$2 n=$3 m=$(($3 * 4)) d1 d2 a1 a2 b1 b2 l1 l2
	d1=$(mktemp -d "$work/grow.XXXXXX") d2=$(mktemp -d "$work/grow.XXXXXX")
	read -ra a1 <<<"$("$gen" "$d1" "$n")"
	read -ra a2 <<<"$("$gen" "$d2" "$m")"
	local bs1=() bs2=() ls1=() ls2=()
	for ((i = 0; i < ${REPS:-1}; i++)); do
		bs1+=("$(run1 "$d1" "$i" "$work/berth" convert "${a1[@]}" --stdout)")
		bs2+=("$(run1 "$d2" "$i" "$work/berth" convert "${a2[@]}" --stdout)")
		if [ "${a1[0]}" = -f ]; then
			ls1+=("$(run1 "$d1" "$i" "$work/composeload" "${a1[@]}")")
			ls2+=("$(run1 "$d2" "$i" "$work/composeload" "${a2[@]}")")
		fi
	done
	b1=$(pick "${bs1[@]}") b2=$(pick "${bs2[@]}") l1=- l2=-
	if [ ${#ls1[@]} -gt 0 ]; then l1=$(pick "${ls1[@]}") l2=$(pick "${ls2[@]}"); fi
	local c1 c2 x1 x2 lc1 lc2
	c1=$(cut -d' ' -f1 <<<"$b1") c2=$(cut -d' ' -f1 <<<"$b2") x1=$(cut -d' ' -f4 <<<"$b1") x2=$(cut -d' ' -f4 <<<"$b2")
	lc1=$(cut -d' ' -f1 <<<"$l1") lc2=$(cut -d' ' -f1 <<<"$l2")
	printf '%-44s %7s %7s | %8s %8s %6s | %7s %7s %6s | %8s %8s %6s\n' "$label" "$n" "$m" "$c1" "$c2" "$(ratio "$c2" "$c1")" \
		"$x1" "$x2" "$(ratio "$x2" "$x1")" "$lc1" "$lc2" "$([ "$l1" = - ] && echo - || ratio "$lc2" "$lc1")"
	rm -rf "$d1" "$d2"
}

if [ "${GROWTH:-1}" = 1 ]; then
	g=${GROWTH_N:-5000}
	echo
	printf '%-44s %7s %7s | %24s | %22s | %24s\n' "growth (berth convert --stdout)" n 4n "berth cpu s (4n/n)" "berth anon MB (4n/n)" "compose-go load cpu s"
	grow "variables of one Compose service" gen_compose_vars "$g"
	grow "variables of one ECS container (minified JSON)" gen_ecs_vars "$g"
	grow "variables of one ECS container (CFN YAML)" gen_cfn_vars "$g"
	grow "Compose services (generated tree)" gen_services $((g / 10))
	grow "Compose files (one service each)" gen_files $((g / 50))
fi

# Hostile inputs: hostile_* DIR write one into DIR and print berth's input flags.
bomb() { # LEVELS WIDTH
	awk -v l="$1" -v w="$2" 'BEGIN { printf "x-l0: &a0 ["; for (j = 0; j < w; j++) printf "%s\"lol\"", (j ? "," : ""); print "]"
		for (i = 1; i < l; i++) { printf "x-l%d: &a%d [", i, i; for (j = 0; j < w; j++) printf "%s*a%d", (j ? "," : ""), i - 1; print "]" } }'
}
hostile_cycle() { printf 'n: &common\n    <: *common\n' >"$1/compose.yaml"; echo "-f compose.yaml"; }
hostile_merge_cycle() { printf 'services:\n  web: &web\n    image: alpine\n    <<: *web\n' >"$1/compose.yaml"; echo "-f compose.yaml"; }
hostile_bomb() { { printf 'services:\n  web:\n    image: alpine\n'; bomb 9 9; } >"$1/compose.yaml"; echo "-f compose.yaml"; }
hostile_wide_bomb() { { printf 'services:\n  web:\n    image: alpine\n'; bomb 3 3000; } >"$1/compose.yaml"; echo "-f compose.yaml"; }
hostile_deep() { awk 'BEGIN { printf "services:\n  web:\n    image: alpine\nx-deep: "; for (i = 0; i < 9999; i++) printf "["; for (i = 0; i < 9999; i++) printf "]"; print "" }' >"$1/compose.yaml"; echo "-f compose.yaml"; }
hostile_aliased_text() { awk 'BEGIN { printf "services:\n  web:\n    image: alpine\n"; for (i = 0; i < 20; i++) printf "x-f%d: %d\n", i, i
	printf "x-big: &b \"$$"; for (i = 0; i < 1000000; i++) printf "y"; printf "\"\nx-uses: ["; for (i = 0; i < 500; i++) printf "%s*b", (i ? "," : ""); print "]" }' >"$1/compose.yaml"; echo "-f compose.yaml"; }
hostile_long_keys() { awk 'BEGIN { printf "services:\n  web:\n    image: alpine\nx-long: {k"; for (i = 0; i < 300000; i++) printf "k"; printf ": ["; for (i = 0; i < 300; i++) printf "%s1", (i ? "," : ""); print "]}" }' >"$1/compose.yaml"; echo "-f compose.yaml"; }
hostile_scalar() { awk 'BEGIN { printf "services:\n  web:\n    image: alpine\n    labels:\n      big: "; for (i = 0; i < 1000000; i++) printf "y"; print "" }' >"$1/compose.yaml"; echo "-f compose.yaml"; }
hostile_one_line() { awk 'BEGIN { printf "{services: {web: {image: alpine, environment: {"; for (i = 0; i < 40000; i++) printf "%sV%d: v%d", (i ? ", " : ""), i, i; print "}}}}" }' >"$1/compose.yaml"; echo "-f compose.yaml"; }
hostile_services() { awk 'BEGIN { print "services:"; for (i = 0; i < 5000; i++) printf "  s%d:\n    image: alpine\n    ports: [\"%d:80\"]\n    environment:\n      A: \"1\"\n", i, 10000 + i }' >"$1/compose.yaml"; echo "-f compose.yaml"; }
hostile_shared() { awk 'BEGIN { print "x-env: &env"; for (i = 0; i < 50; i++) printf "  V%d: v\n", i; print "services:"
	for (i = 0; i < 2000; i++) printf "  s%d:\n    image: alpine\n    environment:\n      <<: *env\n      OWN: \"%d\"\n", i, i }' >"$1/compose.yaml"; echo "-f compose.yaml"; }
hostile_ecs_vars() { gen_ecs_vars "$1" 40000 >/dev/null; echo "--ecs task.json"; }
hostile_ecs_bomb() { { bomb 9 9 | sed 's/^x-l/X/'; printf 'Resources:\n  Task:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ContainerDefinitions: [{Name: a, Image: i, Memory: 512}]\n'; } >"$1/template.yaml"; echo "--ecs template.yaml"; }
hostile_ecs_deep() { awk 'BEGIN { printf "{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\",\"memory\":1,\"dockerLabels\":{\"x\":"; for (i = 0; i < 400000; i++) printf "["; for (i = 0; i < 400000; i++) printf "]"; print "}}]}" }' >"$1/task.json"; echo "--ecs task.json"; }
hostile_ecs_number() { awk 'BEGIN { printf "{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\",\"memory\":"; for (i = 0; i < 1000000; i++) printf "9"; print "}]}" }' >"$1/task.json"; echo "--ecs task.json"; }

# hostile LABEL GEN: one row: berth on the input (and compose-go's load for Compose).
hostile() {
	local label=$1 gen=$2 d args b l=- rc bound
	d=$(mktemp -d "$work/hostile.XXXXXX")
	read -ra args <<<"$("$gen" "$d")"
	local size
	size=$(du -sk "$d" | cut -f1)
	local line
	# A berth without the bounds (BERTH=an older build) can take the machine's memory: cap
	# each run at 4 GiB of address space and 120 s.
	line=$(cd "$d" && ulimit -v $((4 << 20)) && env -i PATH="$PATH" HOME="$HOME" timeout 120 "$work/memrun" "$work/berth" convert "${args[@]}" --stdout 2>&1 >/dev/null | tail -1 || true)
	rc=$(cd "$d" && ulimit -v $((4 << 20)) && env -i PATH="$PATH" HOME="$HOME" timeout 120 "$work/berth" convert "${args[@]}" --stdout >/dev/null 2>&1 && echo 0 || echo $?)
	local u s e m a
	read -r u s e m a <<<"$line"
	b="$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }') $(printf %.2f "$e") $((m / 1024)) $((a / 1024))"
	bound=$(awk -v u="$u" -v s="$s" -v m="$m" 'BEGIN { print (u + s <= 2 && m <= 256 * 1024) ? "yes" : "NO" }')
	if [ "${args[0]}" = -f ]; then l=$(run1 "$d" 0 "$work/composeload" "${args[@]}"); fi
	printf '%-40s %7s | %24s %4s %5s | %24s\n' "$label" "$size" "$b" "$rc" "$bound" "$l"
	rm -rf "$d"
}

if [ "${HOSTILE:-1}" = 1 ]; then
	echo
	printf '%-40s %7s | %24s %4s %5s | %24s\n' "hostile input (berth convert --stdout)" "KB" "berth cpu s wall MB anon" exit bound "compose-go load"
	hostile "alias cycle through a plain key" hostile_cycle
	hostile "merge-key cycle" hostile_merge_cycle
	hostile "billion laughs (9 x 9)" hostile_bomb
	hostile "wide bomb (3 x 3000)" hostile_wide_bomb
	hostile "1 MB scalar aliased 500 times" hostile_aliased_text
	hostile "flow nesting 9999" hostile_deep
	hostile "300 KB key above 300 values" hostile_long_keys
	hostile "1 MB label value" hostile_scalar
	hostile "40 000 variables on one line" hostile_one_line
	hostile "5 000 services" hostile_services
	hostile "2 000 services merging one anchor" hostile_shared
	hostile "ECS: 40 000 variables, minified" hostile_ecs_vars
	hostile "ECS: CloudFormation billion laughs" hostile_ecs_bomb
	hostile "ECS: nesting 400 000" hostile_ecs_deep
	hostile "ECS: a 1 MB number" hostile_ecs_number
fi
