#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The drive's counters equal what the test did, and what it wrote persists
# in the backing image to the next boot.
# pkttest-drives: dvdram:65536
# pkttest-boots: 2
. /tests/lib/testlib.sh

if [ "$PKTTEST_BOOT" = 1 ]; then
	plan 12
	dd if=/dev/urandom of=/tmp/pattern bs=32k count=4 2>/dev/null
	drive_ctl 0 reset-counters >/dev/null
	check "write 4 x 32 KiB with O_DIRECT at block 160" \
		dd if=/tmp/pattern of=/dev/sr0 bs=32k seek=10 count=4 oflag=direct conv=notrunc
	check "read them back with O_DIRECT" \
		dd if=/dev/sr0 of=/tmp/back bs=32k skip=10 count=4 iflag=direct
	check "the data read back is what was written" cmp /tmp/pattern /tmp/back
	c=$(drive_ctl 0 counters)
	check_eq "counters: blocks written" 64 "$(json_num "$c" blocks_written)"
	check_eq "counters: WRITE(10) commands" 4 "$(command_count "$c" 0x2a)"
	check_eq "counters: every write one whole ECC block" 0 "$(json_num "$c" unaligned_writes)"
	check_eq "counters: no read-modify-write" 0 "$(json_num "$c" rmw_events)"
	check_eq "counters: media blocks written" 64 "$(json_num "$c" media_blocks_written)"
	check_eq "counters: blocks read" 64 "$(json_num "$c" blocks_read)"
	check_eq "counters: READ(10) commands" 4 "$(command_count "$c" 0x28)"
	check "counters: the drive clock ran" [ "$(json_num "$c" virtual_time_ns)" -gt 0 ]
	sha256sum </tmp/pattern | cut -d' ' -f1 >/tmp/sum
	# Keep the checksum on the disc itself, past the pattern.
	check "store the checksum on the disc" \
		dd if=/tmp/sum of=/dev/sr0 bs=2048 seek=1000 count=1 conv=sync oflag=direct
else
	plan 2
	check "boot 2 reads the disc" dd if=/dev/sr0 of=/tmp/back bs=32k skip=10 count=4 iflag=direct
	want=$(dd if=/dev/sr0 bs=2048 skip=1000 count=1 iflag=direct 2>/dev/null | head -c 64)
	check_eq "the data written in boot 1 is still there" "$want" "$(sha256sum </tmp/back | cut -d' ' -f1)"
fi
finish
