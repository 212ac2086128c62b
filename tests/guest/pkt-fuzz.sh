#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Four processes at once, each a seeded random sequence of 2,500 operations
# on every interface of the driver (pkt-ioctl fuzz: control ioctls, sysfs
# writes, opens and closes of pkt nodes, reads, writes and fsyncs, block and
# CD ioctls, setups, teardowns, discs taken out and put back) on two
# drives: 10,000 operations, then the kernel log must be free of reports
# (qemu-run), the data outside the fuzzed frames intact, and the driver
# usable and unloadable.  PKTTEST_SEED and PKTTEST_FUZZ_OPS (per process)
# on the kernel command line (qemu-run --param) change the run.
# pkttest-drives: dvdram:65536 cdrw:65536
. /tests/lib/testlib.sh
plan $((27 + KMEMLEAK_CHECKS))
# outcome COMMAND...: its exit status and output, for checks of both.

param() { sed -n "s/.*pktparam_$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
seed=$(param seed); seed=${seed:-20261122}
ops=$(param fuzz_ops); ops=${ops:-2500}
procs=4

kmemleak_forget
modprobe pktcdvd
devnum() { echo "$(( 0x$(stat -c %t "$1") )):$(( 0x$(stat -c %T "$1") ))"; }
sr0=$(devnum /dev/sr0) sr1=$(devnum /dev/sr1)

# Frames 0..255 of both discs are never written by the fuzzer.
for n in 0 1; do
	pktsetup keep$n /dev/sr$n
	head -c $((256 * 2048)) /dev/urandom >/tmp/keep$n
	check "known data on drive $n's first 256 frames" \
		dd if=/tmp/keep$n of=/dev/pktcdvd/keep$n bs=64k oflag=direct conv=notrunc,fsync status=none
	pktsetup -d keep$n
done

start=$(cut -d' ' -f1 /proc/uptime)
for p in $(seq 0 $((procs - 1))); do
	pkt-ioctl fuzz $((seed + p)) "$ops" "$sr0" "$sr1" >/tmp/fuzz.$p 2>&1 &
done
rcs=
for p in $(seq 0 $((procs - 1))); do
	wait -n; rcs="$rcs$?"
done
took=$(awk -v a="$start" '{ printf "%d", $1 - a }' /proc/uptime)
for p in $(seq 0 $((procs - 1))); do echo "process $p (seed $((seed + p))): $(cat /tmp/fuzz.$p)"; done
echo "$((procs * ops)) operations in ${took}s"
check_eq "every process ran to the end" "$(printf '0%.0s' $(seq $procs))" "$rcs"
total=$(cat /tmp/fuzz.* | tr ' ' '\n' | sed -n 's/.*=//p' | paste -sd+ | bc)
check_eq "all $((procs * ops)) operations counted" "$((procs * ops))" "$total"
all=$(cat /tmp/fuzz.*)
for kind in ioctl:ok ioctl:E sysfs:ok sysfs:E open-rw:ok write:ok read:ok fsync:ok blkioctl- drive-eject:ok close:ok; do
	check "some outcomes $kind" grep -q "$kind" <<<"$all"
done

# Whatever state it left: discs back in, mappings gone; then it must work.
drive_ctl 0 insert >/dev/null 2>&1
drive_ctl 1 insert >/dev/null 2>&1
major=$(awk '$2 == "pktcdvd" { print $1 }' /proc/devices)
for i in 0 1 2 3 4 5 6 7; do pkt-ioctl teardown "$major:$i" >/dev/null; done
check_eq "no mapping left" "exit 0: " "$(outcome pktsetup -s)"
for n in 0 1; do
	check "drive $n: set up again" pktsetup keep$n /dev/sr$n
	check_eq "drive $n: the frames the fuzzer never wrote are intact" "$(sha256sum </tmp/keep$n)" \
		"$(dd if=/dev/pktcdvd/keep$n bs=64k count=8 iflag=direct 2>/dev/null | sha256sum)"
	head -c 65536 /dev/urandom >/tmp/new
	check "drive $n: a write after it all" dd if=/tmp/new of=/dev/pktcdvd/keep$n bs=64k seek=100 oflag=direct conv=notrunc,fsync status=none
	check_eq "drive $n: reads back" "$(sha256sum </tmp/new)" "$(dd if=/dev/pktcdvd/keep$n bs=64k skip=100 count=1 iflag=direct 2>/dev/null | sha256sum)"
	check "drive $n: tear down" pktsetup -d keep$n
done
check "unload" rmmod pktcdvd
kmemleak_check
finish
