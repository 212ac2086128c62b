#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Media events: taking the disc out and putting it back through the
# drive's control channel is seen by the kernel, and the eject/close
# commands of the real eject tool move the emulated tray.
# pkttest-drives: dvdram:65536
. /tests/lib/testlib.sh
plan 10

# Let the block layer poll for media events, as udev configures it.
echo 200 >/sys/module/block/parameters/events_dfl_poll_msecs
readable() { dd if=/dev/sr0 of=/dev/null bs=2048 count=1 2>/dev/null; }
check "the disc reads" readable

polls() { command_count "$(drive_ctl 0 counters)" 0x4a; }
before=$(polls)
drive_ctl 0 eject >/dev/null
out=$(dd if=/dev/sr0 of=/dev/null bs=2048 count=1 2>&1)
check "after the disc is taken out, opening says: no medium" grep -q "No medium found" <<<"$out"
sleep 1
check "the kernel polls the drive for media events" [ "$(polls)" -gt "$before" ]
drive_ctl 0 insert >/dev/null
sleep 1
check "after it is put back, it reads again" readable
check_eq "and the capacity is back" $((65536 * 4)) "$(cat /sys/block/sr0/size)"

check "eject /dev/sr0 opens the tray" eject /dev/sr0
check "the drive's tray is open" grep -q '"tray_open":true' <<<"$(drive_ctl 0 status)"
check "eject -t closes it" eject -t /dev/sr0
check "the disc is loaded again" grep -q '"loaded":true' <<<"$(drive_ctl 0 status)"
check "and reads" readable
finish
