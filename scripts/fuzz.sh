#!/usr/bin/env bash
# fuzz.sh: a fuzz campaign over every fuzz target of the repository (every `func Fuzz...` in a
# _test.go file), one after the other, each for a time budget. A crasher Go finds is written to
# testdata/fuzz/FuzzX/ of its package, where plain `go test` replays it from then on: commit it
# with the fix. Prints the executions per target and a total, and the machine's load.
#
#   scripts/fuzz.sh                      # every target, FUZZTIME (default 30s) each
#   FUZZTIME=10m scripts/fuzz.sh         # a longer campaign
#   FUZZTIME=1000000x scripts/fuzz.sh    # a number of executions per target instead of a time
#   scripts/fuzz.sh FuzzLoad FuzzConfig  # only these targets (all packages that have them)
#   scripts/fuzz.sh pkg/load/ecs:FuzzLoad # a target of one package
#   PARALLEL=1 scripts/fuzz.sh           # fuzzing workers per target (default: go's, GOMAXPROCS)
#   MINIMIZE=1000x scripts/fuzz.sh       # executions to minimize each new input with (default 500x;
#                                        # a time such as 10s works too, but see below)
#   LOG=fuzz.tsv scripts/fuzz.sh         # also append "date target package execs fuzz-seconds result" rows
#   TMPDIR=/var/tmp scripts/fuzz.sh      # the workers' temporary files here (default: /dev/shm)
#   NICE=19 setsid scripts/fuzz.sh       # yield the CPU to everything else on the machine (below)
#
# A target fails only when an input fails; Go before 1.27 can also fail a target with "context
# deadline exceeded" as -fuzztime ends (go.dev/issue/75804): reported, not counted as a failure.
# The counts go in docs/reliability.md. CI runs the seeds and regression inputs (go test), not this.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FUZZTIME=${FUZZTIME:-30s}
PARALLEL=${PARALLEL:-}
LOG=${LOG:-}
# The workers' temporary files go to tmpfs when there is one and TMPDIR is not set: each input
# of the loader targets is written to a new directory, and Go's fuzzer shares each input with
# its worker through a memory-mapped file. On a disk, creating those files costs as much as
# the load itself (2026-12-07, this project's 2-core host: one FuzzEnvFile input 2.2-2.7 ms with
# its files on the disk, 1.2-1.4 ms on /dev/shm; docs/reliability.md).
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	export TMPDIR=/dev/shm
fi

# MINIMIZE is a number of executions, not a time. With a time, Go gives the worker and the
# coordinator the same deadline; the coordinator's often fires first, it kills the worker
# process, keeps the input unminimized, drops the executions made while minimizing and starts a
# new worker (2026-12-07, this project's 2-core host, GODEBUG=fuzzdebug=1: with 5s, FuzzConvert's
# new inputs were "minimized" after the whole 5 s with "minimizing took: 0s" and the input
# unchanged). A target that finds new inputs often lost most of its time so: FuzzConvert ran at
# 200-400 executions per second with MINIMIZE=10s, at 1 300-1 700 with 500x, where each
# minimization ends in milliseconds (docs/reliability.md).
MINIMIZE=${MINIMIZE:-500x}

# NICE lowers the campaign's priority. With Linux's autogroup scheduling
# (/proc/sys/kernel/sched_autogroup_enabled = 1) `nice` orders processes only within their
# session: a campaign started with `setsid nice -n 19` still takes a full share of the CPU against
# a build or a benchmark in another session (2026-12-07, this project's 2-core host: compose-go's
# load of a 40 000-key file took 21 s wall for 9 s of CPU beside such a campaign, 9.8 s once the
# campaign's autogroup was at nice 19 too). So with NICE set, fuzz.sh renices itself and, when
# its session has no terminal (setsid, CI), that session's autogroup; in a terminal's session
# it leaves the autogroup alone (that would lower the terminal's shell too) and says so.
if [ -n "${NICE:-}" ]; then
	renice -n "$NICE" -p $$ >/dev/null
	if [ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" = 1 ]; then
		if [ "$(ps -o tty= -p $$ | tr -d ' ')" = "?" ]; then
			echo "$NICE" >/proc/self/autogroup
		else
			echo "fuzz.sh: autogroup scheduling is on and this session has a terminal: NICE lowers the campaign only against this session's processes (start it with setsid to yield to all)" >&2
		fi
	fi
fi

# targets: "package-dir target" for every fuzz target, sorted.
targets=$(grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r f; do
	dir=$(dirname "$f")
	grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed "s|^func |$dir |"
done | sort -u)
if [ $# -gt 0 ]; then
	want=" $* "
	targets=$(while read -r dir name; do
		[[ "$want" == *" $name "* || "$want" == *" ${dir#./}:$name "* ]] && echo "$dir $name"
	done <<<"$targets")
fi
if [ -z "$targets" ]; then
	echo "fuzz.sh: no fuzz targets match" >&2
	exit 2
fi

echo "fuzz.sh: $(date -u +%Y-%m-%dT%H:%MZ), $FUZZTIME per target, load: $(uptime | sed 's/.*load average: //')"
printf '%-28s %-16s %12s %8s %8s %10s  %s\n' package target execs "fuzz s" "wall s" "execs/s" result
total=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
while read -r dir name; do
	args=(-run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$MINIMIZE")
	if [ -n "$PARALLEL" ]; then args+=(-parallel "$PARALLEL"); fi
	corpus="$dir/testdata/fuzz/$name"
	before=$(ls "$corpus" 2>/dev/null | wc -l)
	start=$(date +%s)
	go test "${args[@]}" "$dir" >"$out" 2>&1
	rc=$?
	after=$(ls "$corpus" 2>/dev/null | wc -l)
	secs=$(($(date +%s) - start))
	# The last progress line: "fuzz: elapsed: 30s, execs: 123456 (4115/sec), new interesting: ..."
	execs=$(grep -o 'execs: [0-9]*' "$out" | tail -1 | awk '{print $2}')
	execs=${execs:-0}
	# elapsed is Go's duration text: 57s, 14m57s, 1h2m3s
	fuzzs=$(grep -o 'elapsed: [0-9hms]*' "$out" | tail -1 | awk '{
		t = $2; s = 0
		if (match(t, /[0-9]+h/)) s += 3600 * substr(t, RSTART, RLENGTH - 1)
		if (match(t, /[0-9]+m/)) s += 60 * substr(t, RSTART, RLENGTH - 1)
		if (match(t, /[0-9]+s/)) s += substr(t, RSTART, RLENGTH - 1)
		print s }')
	fuzzs=${fuzzs:-0}
	result=ok
	if [ $rc -ne 0 ] && [ "$after" -eq "$before" ] && grep -q 'context deadline exceeded' "$out"; then
		# Go's coordinator can fail a target as -fuzztime ends without any input failing
		# (go.dev/issue/75804, fixed in Go 1.27): not a crasher. FUZZTIME=Nx avoids it.
		result="ok (go.dev/issue/75804: context deadline exceeded, no input failed)"
	elif [ $rc -ne 0 ]; then
		result="FAIL: $(grep -m1 -o 'testdata/fuzz/[^ ]*' "$out" || tail -1 "$out")"
		failed=$((failed + 1))
		sed 's/^/    /' "$out" | grep -v '^    fuzz: elapsed' | head -30 >&2
	fi
	total=$((total + execs))
	printf '%-28s %-16s %12d %8d %8d %10d  %s\n' "${dir#./}" "$name" "$execs" "$fuzzs" "$secs" $((execs / (fuzzs > 0 ? fuzzs : 1))) "$result"
	if [ -n "$LOG" ]; then
		printf '%s\t%s\t%s\t%d\t%d\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$name" "${dir#./}" "$execs" "$fuzzs" "$result" >>"$LOG"
	fi
done <<<"$targets"
echo "total: $total executions; $failed target(s) failed; load now: $(uptime | sed 's/.*load average: //')"
[ "$failed" -eq 0 ]
