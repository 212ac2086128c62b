#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A seeded random sequence of 1,000 control ioctls and sysfs writes with
# random arguments (setups and teardowns of the real drive and of random
# numbers, unknown commands, garbage and extreme marks) leaves the kernel
# log free of oopses and warnings and the device usable.
# pkttest-drives: dvdram:65536
. /tests/lib/testlib.sh

modprobe pktcdvd
sr=$(( 0x$(stat -c %t /dev/sr0) )):$(( 0x$(stat -c %T /dev/sr0) ))
seed=${PKTTEST_SEED:-20261121}
out=$(pkt-ioctl fuzz "$seed" 1000 "$sr"); rc=$?
echo "outcomes (seed $seed): $out"
check_eq "1,000 random operations ran" 0 "$rc"
total=$(tr ' ' '\n' <<<"$out" | sed -n 's/.*=//p' | paste -sd+ | bc)
check_eq "all of them counted" 1000 "$total"
check "some setups succeeded" grep -q 'ioctl:ok' <<<"$out"
check "some were refused" grep -q 'ioctl:E' <<<"$out"

# Whatever state it left: clean up, then the device must work.
major=$(awk '$2 == "pktcdvd" { print $1 }' /proc/devices)
for i in 0 1 2 3 4 5 6 7; do pkt-ioctl teardown "$major:$i" >/dev/null; done
check_eq "no mapping left" "" "$(pktsetup -s)"
check "set up again" pktsetup fuzz /dev/sr0
check "read through the pkt node" dd if=/dev/pktcdvd/pktcdvd0 of=/dev/null bs=64k count=8
check "tear down" pktsetup -d fuzz
check "unload" rmmod pktcdvd
finish
