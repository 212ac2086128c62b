#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Memory pressure loses nothing: with the kernel's fault injection
# (failslab and fail_page_alloc, task filter) failing one allocation in
# ten of the device's worker, then of the writers, then of pktsetup, every
# write still completes in time, with an error or durably (a write that
# succeeded, fsync included, reads back once the injection is off); failed
# setups release everything (the module unloads at the end, and kmemleak
# finds nothing).  Needs CONFIG_FAULT_INJECTION: KERNEL=debug has it.
# pkttest-drives: dvd+rw:65536 cdrw:65536
# pkttest-kernels: debug
. /tests/lib/testlib.sh
plan $((18 + KMEMLEAK_CHECKS))

fi=/sys/kernel/debug
# inject PERCENT [INTERVAL TIMES]: fail that share of the marked tasks'
# allocations (of every INTERVAL-th of them, at most TIMES times).
inject() {
	local f
	for f in failslab fail_page_alloc; do
		echo "$1" >$fi/$f/probability
		echo "${2:-1}" >$fi/$f/interval
		echo "${3:--1}" >$fi/$f/times
		echo 0 >$fi/$f/space
		echo 0 >$fi/$f/verbose
		echo Y >$fi/$f/task-filter
		echo N >$fi/$f/ignore-gfp-wait
	done
	echo N >$fi/fail_page_alloc/ignore-gfp-highmem
	echo 0 >$fi/fail_page_alloc/min-order
}
check "fault injection is there (failslab, fail_page_alloc)" test -d $fi/failslab -a -d $fi/fail_page_alloc
kmemleak_forget

pkt=/dev/pktcdvd/m0
check "pktsetup" pktsetup m0 /dev/sr0
exec 4<>$pkt   # keeps the writing session (and its worker) alive
worker=
for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = pktcdvd0 ] && worker=${p#/proc/}; done
check "the writing session's worker runs (pid ${worker:-none})" test -n "$worker"

: >/tmp/good
# writes PHASE WHO: 20 O_DIRECT|O_DSYNC (FUA) writes, then fsync, of 1 to
# 40 frames at unaligned places, each in its own 256-frame region.  WHO
# "self": the writer's own allocations fail, from when it has started
# (it waits for its data on a fifo meanwhile), so that they are the
# kernel's on the write path, not the program's start.  Sets errs and
# hung; every write that succeeded is listed in /tmp/good for the
# read-back.  (A FUA piece whose barrier was lost would wait for a later
# barrier: a hang.)
writes() {
	local phase=$1 who=$2 i frame count rc pid t
	errs=0 hung=0
	for i in $(seq 0 19); do
		frame=$(( (phase * 20 + i) * 256 + 1024 + RANDOM % 100 ))
		count=$(( 1 + RANDOM % 40 ))
		head -c $((count * 2048)) /dev/urandom >/tmp/w.$phase.$i
		rm -f /tmp/fifo && mkfifo /tmp/fifo
		dd if=/tmp/fifo of=$pkt bs=$((count * 2048)) count=1 iflag=fullblock \
			seek=$((frame * 2048)) oflag=seek_bytes,direct,dsync conv=notrunc,fsync status=none 2>/tmp/w.err &
		pid=$!
		if [ "$who" = self ]; then
			# Once dd waits for its data, it has started.
			for t in $(seq 100); do
				[ "$(cat /proc/$pid/wchan 2>/dev/null)" = wait_for_partner ] && break
				sleep 0.05
			done
			echo 1 >/proc/$pid/make-it-fail
		fi
		cat /tmp/w.$phase.$i >/tmp/fifo
		# A write that takes over a minute counts as hung.
		for t in $(seq 600); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
		if kill -0 $pid 2>/dev/null; then
			hung=$((hung + 1))
			# What the blocked tasks wait for (it fails the test: a report).
			echo w >/proc/sysrq-trigger
			kill -9 $pid
		fi
		wait $pid
		rc=$?
		case $rc in
		0) echo "$frame $count /tmp/w.$phase.$i" >>/tmp/good ;;
		*) errs=$((errs + 1)); [ $errs = 1 ] && echo "  phase $phase: first error: $(head -c 200 /tmp/w.err)" ;;
		esac
	done
	echo "  phase $phase: $errs of 20 writes failed, $hung hung"
}

# 1. The worker's allocations fail.  The engine's tables (the zones that
#    wait, their pieces, the held FUA pieces) are allocated at write open,
#    and the drive commands it sends take their bios from mempools: no
#    write may fail for it.  `times` counts how many allocations the
#    injection failed.
inject 10 1 1000000
echo 1 >/proc/$worker/make-it-fail
writes 1 worker
echo 0 >/proc/$worker/make-it-fail
injected=$(( 2000000 - $(cat $fi/failslab/times) - $(cat $fi/fail_page_alloc/times) ))
echo "  phase 1: the injection failed $injected of the worker's allocations"
check_eq "worker failing: no write hangs" 0 "$hung"
check_eq "worker failing: no write fails (its memory is allocated at write open)" 0 "$errs"

# 2. The writers' own allocations fail (submission, the block layer).
writes 2 self
check_eq "writers failing: no write hangs" 0 "$hung"
check_eq "the queue counts no piece after the failures (write_queue/size)" 0 \
	"$(cat /sys/class/pktcdvd/pktcdvd0/write_queue/size)"

# 3. Setups fail: `add` written to sysfs by a shell whose allocations fail
#    from then on (the open, the write, and the driver's setup: the disk,
#    add_disk, the class device).  One slab allocation fails in each: the
#    first after SPACE bytes were allocated, SPACE growing by 30 % from
#    500 bytes, so the failure moves through the whole setup, and the
#    last setups need less than SPACE and work.
sr1=$(cat /sys/block/sr1/dev)
setups=0 setup_errs=0 teardown_errs=0 space=500
for i in $(seq 30); do
	inject 0
	echo 100 >$fi/failslab/probability
	echo 1 >$fi/failslab/times
	echo $space >$fi/failslab/space
	space=$((space * 13 / 10))
	if (echo 1 >/proc/self/make-it-fail && echo "$sr1" >/sys/class/pktcdvd/add) 2>/dev/null; then
		setups=$((setups + 1))
		inject 0
		pktdev=$(awk -v cd="$sr1" '$3 == cd { print $2 }' /sys/class/pktcdvd/device_map)
		echo "$pktdev" >/sys/class/pktcdvd/remove ||
			{ teardown_errs=$((teardown_errs + 1)); echo "  setup $i worked, its teardown failed"; }
	else
		setup_errs=$((setup_errs + 1))
	fi
done
inject 0
echo "  $setups setups worked, $setup_errs failed"
check_eq "every setup that worked tears down" 0 "$teardown_errs"
check "setups under memory failures: some failed ($setup_errs)" test "$setup_errs" -gt 0
check "... and some worked ($setups)" test "$setups" -gt 0
check_eq "no mapping is left behind" "1" "$(wc -l </sys/class/pktcdvd/device_map)"
check "with the injection off, setup works" pktsetup x /dev/sr1
check "and teardown" pktsetup -d x

# What succeeded is on the disc; the session still ends cleanly.
t0=$(cut -d' ' -f1 /proc/uptime)
exec 4>&-
took=$(awk -v a="$t0" '{ printf "%d", $1 - a }' /proc/uptime)
check "the last close returns in time (${took}s)" test "$took" -lt 120
check "some writes succeeded ($(wc -l </tmp/good))" test -s /tmp/good
bad=0
while read -r frame count file; do
	[ "$(dd if=$pkt bs=2048 skip="$frame" count="$count" iflag=direct 2>/dev/null | sha256sum)" = "$(sha256sum <"$file")" ] ||
		{ bad=$((bad + 1)); echo "  frames $frame+$count: not what the successful write wrote"; }
done </tmp/good
check_eq "every write that succeeded reads back" 0 "$bad"
check "teardown" pktsetup -d m0
check "the module unloads (no reference left behind)" rmmod pktcdvd
kmemleak_check
finish
