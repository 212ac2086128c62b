#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A synchronous direct writer is not kept waiting: a partly covered packet
# whose writer waits for it (REQ_SYNC | REQ_IDLE) is written as soon as
# nothing more is queued, not after the writers' 10 ms pause.  One small
# O_DIRECT write at a time (fio psync): the median completion time stays
# below that pause (without the rule none can be shorter), every write
# is one packet, and the data reads back.
# pkttest-drives: cdrw:65536
. /tests/lib/testlib.sh
plan 8

pkt=/dev/pktcdvd/disc
check "pktsetup" pktsetup disc /dev/sr0
# 64 writes of 2 KiB in four packets (the zone cache holds them: one
# gather each, then none), one at a time.
out=$(fio --name=sync --filename=$pkt --ioengine=psync --direct=1 --rw=randwrite \
	--bs=2k --size=256k --number_ios=64 --norandommap --randseed=7 \
	--output-format=json 2>&1); rc=$?
check_eq "fio: 64 synchronous 2 KiB direct writes" 0 "$rc"
# The write section's I/O count and median completion time (us).
read -r ios p50 <<<"$(echo "$out" | awk '/"write" : \{/ { w = 1 }
	w && /"total_ios"/ { gsub(/[^0-9]/, "", $3); n = $3 }
	w && /"50.000000"/ { gsub(/[^0-9]/, "", $3); print n, int($3 / 1000); exit }')"
echo "median completion ${p50} us (writers' pause: 10000 us)"
check_eq "fio counted 64 writes" 64 "${ios:-none}"
check "the median write completes within the writers' pause" test "${p50:-10000}" -lt 10000
stats=$(cat /sys/class/pktcdvd/pktcdvd0/stat/packets_finished); rc=$?
check_eq "one packet per write" "0 64" "$rc $stats"
head -c 4096 /dev/urandom >/tmp/data
check "a direct write of 4 KiB" dd if=/tmp/data of=$pkt bs=4k count=1 seek=100 oflag=direct status=none
check_eq "reads back" "$(sha256sum </tmp/data)" "$(dd if=$pkt bs=4k count=1 skip=100 iflag=direct status=none | sha256sum)"
check "teardown" pktsetup -d disc
finish
