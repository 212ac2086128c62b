#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Setting up and tearing down mappings with udftools' pktsetup, unchanged:
# the block node, the named node, STATUS, device_map, the class device,
# debugfs, the ENXIO fallback of "pktsetup -d <cd device>", pktcdvd-check
# on both nodes, and the module reference a mapping holds.
# pkttest-drives: dvdram:65536
. /tests/lib/testlib.sh
plan 48
# outcome COMMAND...: its exit status and output, for checks of both.

sr=$(( 0x$(stat -c %t /dev/sr0) )):$(( 0x$(stat -c %T /dev/sr0) ))
check "pktsetup cdrw /dev/sr0" pktsetup cdrw /dev/sr0
major=$(awk '$2 == "pktcdvd" { print $1 }' /proc/devices)
check "the block major 'pktcdvd' is in /proc/devices" test -n "$major"
check "/dev/pktcdvd/pktcdvd0 is a block device" test -b /dev/pktcdvd/pktcdvd0
check_eq "pktcdvd0 is $major:0" "$major:0" \
	"$(( 0x$(stat -c %t /dev/pktcdvd/pktcdvd0) )):$(( 0x$(stat -c %T /dev/pktcdvd/pktcdvd0) ))"
check "pktsetup made the named node /dev/pktcdvd/cdrw" test -b /dev/pktcdvd/cdrw
check_eq "named node mode 0640" 640 "$(stat -c %a /dev/pktcdvd/cdrw)"
check_eq "pktsetup -s lists the mapping" " 0 : $major:0 -> $sr" "$(pktsetup -s)"
check_eq "device_map" "pktcdvd0 $major:0 $sr" "$(cat /sys/class/pktcdvd/device_map)"
check_eq "STATUS of slot 0" "dev=$sr pkt_dev=$major:0 num_devices=8" "$(pkt-ioctl status 0)"
check_eq "STATUS of an empty slot" "dev=0:0 pkt_dev=0:0 num_devices=8" "$(pkt-ioctl status 5)"
check_eq "STATUS of a slot out of range" "dev=0:0 pkt_dev=0:0 num_devices=8" "$(pkt-ioctl status 4000000000)"

check_eq "removable" 1 "$(cat /sys/block/pktcdvd0/removable)"
check_eq "2048-byte logical blocks" 2048 "$(cat /sys/block/pktcdvd0/queue/logical_block_size)"
check_eq "at most 256 KiB per request" 256 "$(cat /sys/block/pktcdvd0/queue/max_hw_sectors_kb)"
check_eq "no partitions" 1 "$(cat /sys/block/pktcdvd0/ext_range)"
check_eq "capacity 0 until opened" 0 "$(cat /sys/block/pktcdvd0/size)"
for f in stat/packets_started stat/packets_finished stat/kb_written stat/kb_read stat/kb_read_gather \
	write_queue/size write_queue/congestion_on write_queue/congestion_off; do
	check "class device file $f reads" cat "/sys/class/pktcdvd/pktcdvd0/$f"
done
check_eq "stat/reset is write-only" 200 "$(stat -c %a /sys/class/pktcdvd/pktcdvd0/stat/reset)"
check "debugfs info names the mapping" \
	grep -q "^Writer pktcdvd0 mapped to sr0:" /sys/kernel/debug/pktcdvd/pktcdvd0/info
check "the kernel log says so" grep -q "pktcdvd0: writer mapped to sr0" <<<"$(dmesg)"

check "pktcdvd-check /dev/sr0 passes" pktcdvd-check /dev/sr0
out=$(pktcdvd-check /dev/pktcdvd/pktcdvd0 2>&1); rc=$?
check "pktcdvd-check on the pkt node fails" test $rc -ne 0
check_eq "... saying it is not a drive" "Error: Filepath '/dev/pktcdvd/pktcdvd0' is not optical device" "$out"
echo "  pktcdvd-check said: $out"

out=$(rmmod pktcdvd 2>&1); rc=$?
check "rmmod is refused while a mapping exists" test $rc -ne 0
check "pktsetup -d cdrw" pktsetup -d cdrw
check_fails "the named node is gone" test -e /dev/pktcdvd/cdrw
check_fails "the block node is gone" test -e /dev/pktcdvd/pktcdvd0
check_eq "device_map is empty" "exit 0: " "$(outcome cat /sys/class/pktcdvd/device_map)"
check_fails "the class device is gone" test -e /sys/class/pktcdvd/pktcdvd0
check_fails "the debugfs directory is gone" test -e /sys/kernel/debug/pktcdvd/pktcdvd0

# MAJ:MIN setup, then teardown naming the CD device: TEARDOWN gives ENXIO,
# and pktsetup falls back to looking the number up as a CD device.
check "pktsetup $sr (by number)" pktsetup "$sr"
check_eq "the mapping takes slot 0 again" "pkt_dev=$major:0" "$(pkt-ioctl status 0 | sed 's/.*\(pkt_dev=[^ ]*\).*/\1/')"
check_eq "TEARDOWN of the CD device number: ENXIO" "errno=ENXIO" "$(pkt-ioctl teardown "$sr")"
check "pktsetup -d $sr (the ENXIO fallback)" pktsetup -d "$sr"
check_eq "no mapping left" "exit 0: " "$(outcome pktsetup -s)"
check "pktsetup -i -d of a gone mapping is ignored" pktsetup -i -d "$sr"
check "pktsetup -i twice maps once" sh -c "pktsetup -i $sr && pktsetup -i $sr"
check_eq "one mapping" 1 "$(pktsetup -s | wc -l)"
check "teardown" pktsetup -d "$sr"
check "rmmod after teardown" rmmod pktcdvd
check "the kernel log says unmapped" grep -q "pktcdvd0: writer unmapped" <<<"$(dmesg)"
finish
