#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Concurrency and endurance: eight drives mapped at once (the driver's
# maximum), fio with verify=crc32c on every pkt node at the same time; then
# 100 cycles of load, set up, write, read back, tear down, unload; on a
# kernel with kmemleak (KERNEL=debug), a scan after all of it finds nothing.
# pkttest-drives: cdrw:32768 dvd+rw:32768 dvdram:32768 bdre:65536 cdrw:32768 dvd+rw:32768 dvdrw:32768 dvdram:32768
. /tests/lib/testlib.sh

# 8 setups, the mapping count, fio, 8 x 2 per drive after it, unload,
# the cycles, the module gone, and kmemleak's.
plan $((8 + 1 + 1 + 16 + 1 + 1 + 1 + KMEMLEAK_CHECKS))
kmemleak_forget
modprobe pktcdvd
for n in 0 1 2 3 4 5 6 7; do
	check "drive $n: pktsetup" pktsetup d$n /dev/sr$n
done
check_eq "eight mappings" 8 "$(wc -l </sys/class/pktcdvd/device_map)"
common="--ioengine=libaio --direct=1 --iodepth=4 --verify=crc32c --do_verify=1 --verify_fatal=1 --blockalign=2k --bsrange=2k-128k --size=6m"
start=$(cut -d' ' -f1 /proc/uptime)
for n in 0 1 2 3 4 5 6 7; do
	rw=randwrite; [ $((n % 2)) = 0 ] && rw=write
	fio --name=d$n --filename=/dev/pktcdvd/d$n --rw=$rw --offset=$((n + 1))m $common >/tmp/fio.$n 2>&1 &
done
rcs=
for n in 0 1 2 3 4 5 6 7; do wait -n; rcs="$rcs$?"; done
took=$(awk -v a="$start" '{ printf "%d", $1 - a }' /proc/uptime)
for n in 0 1 2 3 4 5 6 7; do echo "d$n: $(grep -E 'WRITE:' /tmp/fio.$n | head -n 1)"; done
echo "eight fio runs in ${took}s"
check_eq "fio with verify on eight pkt nodes at once: all passed" 00000000 "$rcs"
for n in 0 1 2 3 4 5 6 7; do
	check_eq "drive $n: every WRITE covered whole, aligned packets" 0 "$(json_num "$(drive_ctl $n counters)" unaligned_writes)"
	check "drive $n: teardown" pktsetup -d d$n
done
check "unload" rmmod pktcdvd

# 100 cycles of the module's whole life.
head -c 65536 /dev/urandom >/tmp/cycle
want=$(sha256sum </tmp/cycle)
failed_at=
start=$(cut -d' ' -f1 /proc/uptime)
for i in $(seq 100); do
	n=$((i % 8))
	modprobe pktcdvd &&
		pktsetup c /dev/sr$n &&
		dd if=/tmp/cycle of=/dev/pktcdvd/c bs=64k seek=$((i % 16)) oflag=direct conv=notrunc,fsync status=none &&
		[ "$(dd if=/dev/pktcdvd/c bs=64k skip=$((i % 16)) count=1 iflag=direct 2>/dev/null | sha256sum)" = "$want" ] &&
		pktsetup -d c &&
		rmmod pktcdvd ||
		{ failed_at=$i; break; }
done
took=$(awk -v a="$start" '{ printf "%d", $1 - a }' /proc/uptime)
echo "100 cycles in ${took}s"
check_eq "100 cycles of load, setup, write, read back, teardown, unload" "" "$failed_at"
check "the module is gone" sh -c "! grep -q '^pktcdvd ' /proc/modules"
kmemleak_check
finish
