#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The emulated drive formats blank media with the real Debian tools:
# cdrwtool -q (CD-RW, fixed packets), dvd+rw-format (DVD+RW, and DVD-RW to
# restricted overwrite), with the drive reporting progress as it goes.
# pkttest-drives: cdrw-blank:65536 dvd+rw-blank:65536 dvdrw-seq:65536
. /tests/lib/testlib.sh
plan 12

out=$(cdrwtool -d /dev/sr0 -q 2>&1); rc=$?
echo "$out" | tail -n 15
check_eq "cdrwtool -q exits 0" 0 "$rc"
check_eq "the CD-RW is formatted with 32-block packets" "formatted, 32-block packets" "$(drive_state 0)"
c=$(drive_ctl 0 counters)
check_eq "cdrwtool wrote only whole aligned packets" 0 "$(json_num "$c" refused_misaligned_writes)"
check "cdrwtool polled the format's progress" [ "$(command_count "$c" 0x00)" -gt 3 ]
check "pktcdvd-check accepts the formatted CD-RW" pktcdvd-check /dev/sr0

out=$(dvd+rw-format /dev/sr1 2>&1); rc=$?
echo "$out" | tail -n 5
check_eq "dvd+rw-format DVD+RW exits 0" 0 "$rc"
check "dvd+rw-format showed progress" grep -q '%' <<<"$out"
check_eq "the DVD+RW is formatted" "formatted, 16-block packets" "$(drive_state 1)"

out=$(dvd+rw-format -force /dev/sr2 2>&1); rc=$?
echo "$out" | tail -n 5
check_eq "dvd+rw-format DVD-RW exits 0" 0 "$rc"
check_eq "the DVD-RW is in restricted overwrite" "formatted, 16-block packets" "$(drive_state 2)"
check "the DVD-RW reports profile 0x13" grep -q '"profile":"0x0013"' <<<"$(drive_ctl 2 status)"
check "pktcdvd-check accepts the DVD-RW" pktcdvd-check /dev/sr2
finish
