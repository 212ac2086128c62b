#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug kernel's shards (.ci/debug-shards) and CI's choice of them
# (.ci/run, dry runs only): every test is in exactly one shard, the shards
# fit their size, a plan takes whole shards in rotation within its
# minutes, the rotation reaches every test, and the closing line counts
# every debug test that did not run as skipped.  Run by scripts/check's
# host step.
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
shards=$top/.ci/debug-shards
# shellcheck source=tests/host/lib/checks.sh
. "$top/tests/host/lib/checks.sh"
words() { xargs -n1 | sort | xargs; }

# A made-up suite: 3 long tests and 20 short ones, one not in the table.
printf 'long1 1100\nlong2 900\nlong3 700\n' >"$dir/table"
for i in $(seq 19); do echo "t$i $((60 + i * 10))" >>"$dir/table"; done
tests="long1 long2 long3 $(seq -f 't%g' 19 | xargs) unlisted"
ds() { "$shards" --table "$dir/table" --tests "$tests" "$@"; }

n=$(ds count)
# 1100+900+700 + 60*19+10*190 + 300 (the unlisted test's default) = 6040 s,
# 20 minutes of two guests = 2400 s a shard.
check_eq "as many shards as make 20 minutes each with two guests" 3 "$n"
check_eq "every test in exactly one shard" "$(words <<<"$tests")" "$(ds shards | cut -d' ' -f3- | words)"
check_eq "no test in two shards" "$(wc -w <<<"$tests")" "$(ds shards | cut -d' ' -f3- | wc -w)"
check_eq "the unlisted test counts as 300 s" 300 "$("$shards" --table "$dir/table" --tests unlisted shards | cut -d' ' -f2)"
over=$(ds shards | awk '$2 > 1.1 * 1200 { print $1 }' | xargs)
check_eq "no shard takes more than 22 minutes" "" "$over"
check_eq "the long tests are in different shards" 3 "$(ds shards | grep -c -E ' long[123]( |$)')"
check_eq "the split is the same every time" "$(ds shards)" "$(ds shards)"

# plan MINUTES START: whole shards, in rotation from START.
check_eq "less than a shard's minutes: nothing" "" "$(ds plan 5 1)"
check_eq "one shard's minutes: shard START" 1 "$(ds plan 22 1 | cut -d' ' -f1 | xargs)"
check_eq "START past the count wraps around" 1 "$(ds plan 22 4 | cut -d' ' -f1 | xargs)"
check_eq "two shards' minutes: START and the next" "2 0" "$(ds plan 40 2 | cut -d' ' -f1 | xargs)"
check_eq "minutes for more than all: every shard once" "2 0 1" "$(ds plan 1000 2 | cut -d' ' -f1 | xargs)"
# The rotation: one shard a run, START advancing by what ran, covers all
# tests in N runs.
start=0 ran=
for run in $(seq "$n"); do
	p=$(ds plan 22 $start)
	ran="$ran $(cut -d' ' -f3- <<<"$p")"
	start=$(((start + $(wc -l <<<"$p")) % n))
done
check_eq "N runs of one shard each run every test" "$(words <<<"$tests")" "$(words <<<"$ran")"

# refresh: a PASS line on the debug kernel sets that test's seconds.
cp "$dir/table" "$dir/table.orig"
printf 'PASS t3 (777s, KERNEL=debug)\nPASS t4 (5s, KERNEL=bpo)\nFAIL t5 (9s, KERNEL=debug): x\nPASS newtest (42s, KERNEL=debug)\n' >"$dir/log"
"$shards" --table "$dir/table" refresh "$dir/log" >/dev/null
check_eq "refresh: the debug PASS time replaces the table's" "t3 777" "$(grep '^t3 ' "$dir/table")"
check_eq "refresh: other kernels' and failed runs' times are ignored" "t4 100 t5 110" "$(grep -E '^t[45] ' "$dir/table" | xargs)"
check_eq "refresh: a test new to the table is added" "newtest 42" "$(grep '^newtest ' "$dir/table")"

# .ci/run's dry runs, with a made-up debug cache (the real suite).
all=$("$shards" shards | cut -d' ' -f3- | wc -w)
real_n=$("$shards" count)
mkdir -p "$dir/cache"
: >"$dir/cache/pktcdvd-env"
dry() { PKTCDVD_CI_NEXT=${NEXT:-bpo} PKTCDVD_CI_KERNEL_SECONDS=1380 PKTCDVD_CI_DRYRUN=1 PKTCDVD_CI_DEBUG_CACHE="$dir/cache" "$top/.ci/run" 2>&1; }
closing() { tail -n 1 <<<"$1"; }
ran_tests() { sed -n 's/^ci: KERNEL=debug: shard [0-9]*\/[0-9]* (about [0-9]* min): //p' <<<"$1" | wc -w; }

out=$(PKTCDVD_CI_DEBUG=1 dry)
check_eq "PKTCDVD_CI_DEBUG=1: every shard listed" "$real_n" "$(grep -c '^ci: KERNEL=debug: shard ' <<<"$out")"
check_eq "PKTCDVD_CI_DEBUG=1: nothing skipped" "ci: 0 passed, 0 failed, 0 skipped" "$(closing "$out")"
out=$(PKTCDVD_CI_DEBUG=0 dry)
check_eq "PKTCDVD_CI_DEBUG=0: every debug test skipped" "ci: 0 passed, 0 failed, $all skipped" "$(closing "$out")"
check_eq "PKTCDVD_CI_DEBUG=0: and said before the closing line" 1 "$(grep -c "^ci: KERNEL=debug: $all debug tests not run this time, counted as skipped: " <<<"$out")"

echo 3 >"$dir/cache/ci-next-shard"
out=$(PKTCDVD_CI_MINUTES=80 dry)
k=$(sed -n 's/^ci: KERNEL=debug: shard \([0-9]*\)\/.*/\1/p' <<<"$out" | head -n 1)
check_eq "the plan starts from the kept rotation" $((3 % real_n + 1)) "$k"
ran=$(ran_tests "$out")
check_eq "80 minutes (the distribution kernels counted as 46): a shard runs" yes "$([ "$ran" -gt 0 ] && echo yes)"
check_eq "tests not run count as skipped" "ci: 0 passed, 0 failed, $((all - ran)) skipped" "$(closing "$out")"
check_eq "a dry run keeps the rotation where it was" 3 "$(cat "$dir/cache/ci-next-shard")"
check_eq "the debug step runs exactly the planned tests" "$ran" \
	"$(sed -n 's/^ci: dry run: would run KERNEL=debug scripts\/check --suite-only --tests //p' <<<"$out" | wc -w)"
out=$(PKTCDVD_CI_MINUTES=40 dry)
check_eq "too few minutes: no shard, all skipped" "ci: 0 passed, 0 failed, $all skipped" "$(closing "$out")"

# KERNEL=next: tested above when it is bpo's or sid's; its suite before the
# debug shards when it is experimental's and fits, else its tests skipped.
guest_n=$(find "$top/tests/guest" -maxdepth 1 -name '*.sh' | wc -l)
check_eq "KERNEL=next is bpo's: said, and nothing more runs" 1 "$(grep -c '^ci: KERNEL=next is KERNEL=bpo today: tested above$' <<<"$out")"
out=$(NEXT=next PKTCDVD_CI_MINUTES=200 dry)
check_eq "KERNEL=next is experimental's, 200 minutes: its suite runs" 1 "$(grep -c '^ci: dry run: would run KERNEL=next scripts/check --suite-only$' <<<"$out")"
check_eq "... before the debug shards" next "$(grep -o -m1 -E 'would run KERNEL=(next|debug)' <<<"$out" | cut -d= -f2)"
ran_next=$(ran_tests "$out")
ran_no_next=$(ran_tests "$(PKTCDVD_CI_MINUTES=200 dry)")
check_eq "... and its minutes leave fewer for the debug shards" yes "$([ "$ran_next" -lt "$ran_no_next" ] && echo yes)"
out=$(NEXT=next PKTCDVD_CI_MINUTES=80 dry)
check_eq "KERNEL=next is experimental's, 80 minutes: not run, its tests skipped" 1 \
	"$(grep -c "^ci: KERNEL=next: .* its $guest_n tests not run this time, counted as skipped$" <<<"$out")"
check_eq "... counted in the closing line" "ci: 0 passed, 0 failed, $((all - $(ran_tests "$out") + guest_n)) skipped" "$(closing "$out")"

rm "$dir/cache/pktcdvd-env"
out=$(PKTCDVD_CI_MINUTES=100 dry)
check_eq "not cached, and a cold build and a shard do not fit: all skipped" "ci: 0 passed, 0 failed, $all skipped" "$(closing "$out")"
check_eq "not cached: said" 1 "$(grep -c 'kernel not cached' <<<"$out")"
rm "$dir/cache/ci-next-shard"
out=$(PKTCDVD_CI_MINUTES=200 dry)
k=$(sed -n 's/^ci: KERNEL=debug: shard \([0-9]*\)\/.*/\1/p' <<<"$out" | head -n 1)
check_eq "no rotation kept: it starts from the commit count" $(($(git -C "$top" rev-list --count HEAD) % real_n + 1)) "$k"

echo "ci shards: $checks checks, $failures failed"
[ "$failures" = 0 ] && [ "$checks" = 35 ]
