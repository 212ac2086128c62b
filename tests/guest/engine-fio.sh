#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fio with verify=crc32c on the raw pkt node of a fixed-packet CD-RW:
# sequential and random writes, block sizes from 2 KiB to 1 MiB, several
# in flight, each block checked after writing: zero verify errors.
# pkttest-drives: cdrw:65536
. /tests/lib/testlib.sh
plan 6

check "pktsetup" pktsetup disc /dev/sr0
common="--filename=/dev/pktcdvd/disc --ioengine=libaio --direct=1 --iodepth=8 --verify=crc32c --do_verify=1 --verify_fatal=1 --blockalign=2k"
out=$(fio --name=seq --rw=write --bsrange=2k-1m --size=24m $common 2>&1); rc=$?
echo "$out" | grep -E "WRITE:|READ:|err=|verify" | head -5
check_eq "sequential writes, 2 KiB to 1 MiB, verified" 0 "$rc"
out=$(fio --name=rand --rw=randwrite --bsrange=2k-256k --offset=32m --size=16m $common 2>&1); rc=$?
echo "$out" | grep -E "WRITE:|READ:|err=|verify" | head -5
check_eq "random writes, 2 KiB to 256 KiB, verified" 0 "$rc"
c=$(drive_ctl 0 counters)
check_eq "every WRITE one whole aligned packet" 0 "$(json_num "$c" unaligned_writes)"
check_eq "no write refused" 0 "$(json_num "$c" refused_misaligned_writes)"
check "teardown" pktsetup -d disc
finish
