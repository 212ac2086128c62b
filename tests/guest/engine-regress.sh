#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Regression tests for the C driver's defects, and the zone cache:
# - a write at a frame offset inside a packet lands at its own frames (C
#   wrote data meant for frame 41+i to 37+i);
# - 1 MiB writes on DVD+RW (C hit BUG_ON at pktcdvd.c:2464: bios spanning
#   more than two packets);
# - overlapping O_DIRECT writes in flight keep the last one (C ordered a
#   packet's bios by sector, not by arrival);
# - a repeated partial write to a recently written zone reads nothing.
# pkttest-drives: cdrw:65536 dvd+rw:65536
. /tests/lib/testlib.sh
plan 23

check "pktsetup cd /dev/sr0 (CD-RW, 32-frame packets)" pktsetup cd /dev/sr0
check "pktsetup dvd /dev/sr1 (DVD+RW, 16-frame packets)" pktsetup dvd /dev/sr1
stat=/sys/class/pktcdvd/pktcdvd0/stat

head -c $((64 * 2048)) /dev/urandom >/tmp/p64
drive_ctl 0 reset-counters >/dev/null
echo 1 >$stat/reset
check "64 frames written at frame 37, in one 128 KiB write" \
	dd if=/tmp/p64 of=/dev/pktcdvd/cd bs=128k count=1 seek=$((37 * 2048)) oflag=direct,seek_bytes conv=notrunc
c=$(drive_ctl 0 counters)
check_eq "stat/kb_written: the 128 KiB written" 128 "$(cat $stat/kb_written)"
check_eq "stat/packets_finished equals the drive's WRITE commands" "$(command_count "$c" 0x2a)" "$(cat $stat/packets_finished)"
check_eq "three packets (frames 32..127)" 3 "$(cat $stat/packets_finished)"
check_eq "stat/kb_read_gather equals what the drive read (frames 32-36, 101-127)" \
	"$(( $(json_num "$c" blocks_read) * 2 ))" "$(cat $stat/kb_read_gather)"
check_eq "64 KiB gathered" 64 "$(cat $stat/kb_read_gather)"

check_eq "they read back exactly through the pkt node" "$(sha256sum </tmp/p64)" \
	"$(dd if=/dev/pktcdvd/cd bs=2048 skip=37 count=64 iflag=direct 2>/dev/null | sha256sum)"
check "the frames before and after were gathered from the disc" [ "$(cat $stat/kb_read_gather)" -gt 0 ]

head -c $((8 * 1024 * 1024)) /dev/urandom >/tmp/p8m
check "8 x 1 MiB O_DIRECT writes on DVD+RW" dd if=/tmp/p8m of=/dev/pktcdvd/dvd bs=1M count=8 oflag=direct conv=notrunc
check "buffered 1 MiB writes and fsync" dd if=/tmp/p8m of=/dev/pktcdvd/dvd bs=1M seek=8 count=8 conv=notrunc,fsync
check_eq "both read back exactly" "$(cat /tmp/p8m /tmp/p8m | sha256sum)" \
	"$(dd if=/dev/pktcdvd/dvd bs=1M count=16 iflag=direct 2>/dev/null | sha256sum)"

check_eq "overlapping writes in flight on CD-RW: the later wins" BBBB "$(pkt-ioctl overlap /dev/pktcdvd/cd 204)"
check_eq "overlapping writes in flight on DVD+RW: the later wins" BBBB "$(pkt-ioctl overlap /dev/pktcdvd/dvd 1004)"

# Packet buffers live while the device is open for writing (as in C):
# hold it open across the two writes.
exec 3<>/dev/pktcdvd/cd
dd if=/dev/urandom of=/dev/pktcdvd/cd bs=2048 seek=320 count=1 oflag=direct conv=notrunc 2>/dev/null
before=$(cat $stat/kb_read_gather)
check "a second partial write to the same zone" dd if=/dev/urandom of=/dev/pktcdvd/cd bs=2048 seek=321 count=1 oflag=direct conv=notrunc
check_eq "gathers nothing: the packet is still in the zone cache" "$before" "$(cat $stat/kb_read_gather)"
check "debugfs info shows the session's packets" grep -q "packet size:		64kB" /sys/kernel/debug/pktcdvd/pktcdvd0/info
exec 3<&-

c=$(drive_ctl 0 counters)
check_eq "CD-RW: no write refused by the drive" 0 "$(json_num "$c" refused_misaligned_writes)"
check_eq "CD-RW: every WRITE one whole aligned packet" 0 "$(json_num "$c" unaligned_writes)"
c=$(drive_ctl 1 counters)
check_eq "DVD+RW: every WRITE covered whole aligned ECC blocks" 0 "$(json_num "$c" unaligned_writes)"
check_eq "DVD+RW: so the drive never had to read-modify-write" 0 "$(json_num "$c" rmw_events)"
check "teardown" sh -c "pktsetup -d cd && pktsetup -d dvd"
finish
