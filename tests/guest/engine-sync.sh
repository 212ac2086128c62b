#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A synchronous direct writer is not kept waiting: a partly covered packet
# whose writer waits for it (REQ_SYNC | REQ_IDLE) is written as soon as
# nothing more is queued, not after the writers' 10 ms pause.  One small
# O_DIRECT write at a time (fio psync) takes as long as writing a whole
# packet, which is never held: the medians differ by less than half the
# pause (without the rule, by the pause and more).  Every write is one
# packet, and the data reads back.
# pkttest-drives: cdrw:65536
. /tests/lib/testlib.sh
plan 9

pkt=/dev/pktcdvd/disc
# fio_median NAME FIO-ARGS...: runs one fio job of 64 writes; sets rc, ios
# (the writes fio counted) and p50 (their median completion time, us).
fio_median() {
	local name=$1 out; shift
	out=$(fio --name="$name" --filename=$pkt --ioengine=psync --direct=1 --number_ios=64 \
		--output-format=json "$@" 2>&1); rc=$?
	read -r ios p50 <<<"$(echo "$out" | awk '/"write" : \{/ { w = 1 }
		w && /"total_ios"/ { gsub(/[^0-9]/, "", $3); n = $3 }
		w && /"50.000000"/ { gsub(/[^0-9]/, "", $3); print n, int($3 / 1000); exit }')"
}

check "pktsetup" pktsetup disc /dev/sr0
# The reference: 64 whole 64 KiB packets, each written as it comes.
fio_median whole --rw=write --bs=64k --offset=1m --size=4m
check_eq "fio: 64 whole-packet direct writes" "0 64" "$rc ${ios:-none}"
whole=${p50:-0}
# 64 writes of 2 KiB in four packets (the zone cache holds them: one
# gather each, then none), one at a time.
fio_median small --rw=randwrite --bs=2k --size=256k --norandommap --randseed=7
check_eq "fio: 64 synchronous 2 KiB direct writes" "0 64" "$rc ${ios:-none}"
small=${p50:-}
echo "median completion: 2 KiB ${small} us, whole packet ${whole} us (writers' pause: 10000 us)"
check "both medians measured" test "${small:-0}" -gt 0 -a "$whole" -gt 0
check "a 2 KiB write waits less than half the writers' pause more than a whole packet" \
	test "${small:-99999999}" -lt $((whole + 5000))
stats=$(cat /sys/class/pktcdvd/pktcdvd0/stat/packets_finished); rc=$?
check_eq "one packet per write" "0 128" "$rc $stats"
head -c 4096 /dev/urandom >/tmp/data
check "a direct write of 4 KiB" dd if=/tmp/data of=$pkt bs=4k count=1 seek=100 oflag=direct status=none
check_eq "reads back" "$(sha256sum </tmp/data)" "$(dd if=$pkt bs=4k count=1 skip=100 iflag=direct status=none | sha256sum)"
check "teardown" pktsetup -d disc
finish
