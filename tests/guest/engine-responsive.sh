#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A slow last close blocks nobody else: while the last close of a mapping
# sends its slow drive commands (SYNCHRONIZE CACHE, unlocking the door,
# the speed), reading debugfs `info` and `pktsetup -s` answer within a
# second, and `pktsetup -d` says EBUSY at once (the device is still in
# use) instead of waiting for the drive.  Once the close is done, teardown
# works and the data reads back.
# pkttest-drives: dvd+rw:65536
. /tests/lib/testlib.sh
plan 16

now() { cut -d' ' -f1 /proc/uptime; }
# A second, or what starting a program takes on the debug kernel instead.
limit=$((1000 * PKTTEST_SCALE))
# within_1s CMD...: runs CMD with a 5 s limit; sets rc and ms (its time).
within_1s() {
	local t0; t0=$(now)
	timeout $((5 * PKTTEST_SCALE)) "$@" >/tmp/cmd.out 2>&1
	rc=$?
	ms=$(awk -v a="$t0" '{ printf "%d", ($1 - a) * 1000 }' /proc/uptime)
}

pkt=/dev/pktcdvd/m0
check "pktsetup" pktsetup m0 /dev/sr0
info=/sys/kernel/debug/pktcdvd/pktcdvd0/info
check "debugfs info exists" test -r $info
head -c $((256 * 1024)) /dev/urandom >/tmp/data

# The closer holds the only open: its exit is the last close.
mkfifo /tmp/go
(
	exec 5<>$pkt
	dd if=/tmp/data bs=32k oflag=direct conv=notrunc >&5 2>/dev/null || echo "write failed" >/tmp/closer.err
	read -r _ </tmp/go
	# The next three commands take 4 s longer (20 s on the debug kernel,
	# where the checks below take longer too; the SCSI timeout is 30 s).
	slow=$((4000 * PKTTEST_SCALE)); [ $slow -gt 20000 ] && slow=20000
	drive_ctl 0 fault slow $slow times 3 >/dev/null
	echo "$(now)" >/tmp/close.start
) &
closer=$!
echo go >/tmp/go
# The close runs as the subshell exits; give it time to begin.
while [ ! -e /tmp/close.start ]; do sleep 0.1; done
sleep 1

within_1s cat $info
check "info while the last close waits for the drive: answers (rc=$rc)" test "$rc" = 0
check "... within a second (${ms} ms, limit ${limit} ms)" test "$ms" -lt "$limit"
check "... and shows the mapping" grep -q "^Writer pktcdvd0 mapped to sr0:" /tmp/cmd.out
within_1s pktsetup -s
check "pktsetup -s meanwhile: answers (rc=$rc)" test "$rc" = 0
check "... within a second (${ms} ms, limit ${limit} ms)" test "$ms" -lt "$limit"
check "... and lists the mapping" grep -q "0 : .* -> " /tmp/cmd.out
within_1s pktsetup -d m0
check "pktsetup -d meanwhile: refused (rc=$rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "... with EBUSY" grep -q "Device or resource busy" /tmp/cmd.out
check "... within a second (${ms} ms, limit ${limit} ms)" test "$ms" -lt "$limit"
answered=$(now)

wait $closer
end=$(now)
took=$(awk -v a="$(cat /tmp/close.start)" -v b="$end" 'BEGIN { printf "%d", b - a }')
check "the slow close took seconds (${took} s)" test "$took" -ge 3
check "... and ended after all of the above answered" awk -v a="$answered" -v b="$end" 'BEGIN { exit !(b > a) }'

check "the closer's write succeeded" test ! -e /tmp/closer.err
drive_ctl 0 fault clear >/dev/null
check_eq "the data reads back" "$(sha256sum </tmp/data)" "$(dd if=$pkt bs=32k count=8 iflag=direct 2>/dev/null | sha256sum)"
check "teardown after the close" pktsetup -d m0
finish
