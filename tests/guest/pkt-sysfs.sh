#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The sysfs class: add/remove/device_map round-trip, errors returned to the
# writer (the C driver always said success), the congestion marks clamped
# as in C, the counters and their reset, and debugfs info.
# pkttest-drives: dvdram:65536
. /tests/lib/testlib.sh
plan 32

modprobe pktcdvd
c=/sys/class/pktcdvd
sr=$(( 0x$(stat -c %t /dev/sr0) )):$(( 0x$(stat -c %T /dev/sr0) ))
major=$(awk '$2 == "pktcdvd" { print $1 }' /proc/devices)

check_eq "add $sr" OK "$(write_errno $c/add "$sr")"
check_eq "device_map shows it" "pktcdvd0 $major:0 $sr" "$(cat $c/device_map)"
check_eq "add $sr again: EBUSY" EBUSY "$(write_errno $c/add "$sr")"
check_eq "add garbage: EINVAL" EINVAL "$(write_errno $c/add "sr0")"
check_eq "add 11 (no minor): EINVAL" EINVAL "$(write_errno $c/add "11")"
check_eq "add a missing device: ENXIO" ENXIO "$(write_errno $c/add "11:77")"
check_eq "remove garbage: EINVAL" EINVAL "$(write_errno $c/remove "x")"
check_eq "remove an unknown pkt device: ENXIO" ENXIO "$(write_errno $c/remove "$major:5")"
check_eq "trailing text after MAJ:MIN is ignored, as in C" OK "$(write_errno $c/remove "$major:0 please")"
check_eq "device_map is empty again" "" "$(cat $c/device_map)"
check_eq "add with a newline, as echo writes it" OK "$(write_errno $c/add "$sr
")"

d=$c/pktcdvd0
wq=$d/write_queue
check_eq "congestion marks default 10000/9000" "10000 9000" "$(cat $wq/congestion_on) $(cat $wq/congestion_off)"
while read -r file value on off; do
	write_errno "$wq/$file" "$value" >/dev/null
	check_eq "write $value to $file: on=$on off=$off" "$on $off" "$(cat $wq/congestion_on) $(cat $wq/congestion_off)"
done <<'TABLE'
congestion_on 100 500 400
congestion_on 2000000 1000000 400
congestion_off 5 1000000 100
congestion_off 2000000 1000000 999900
congestion_on 0 -1 -1
congestion_off 700 -1 -1
congestion_on 800 800 700
TABLE
check_eq "congestion_on: not a number: EINVAL" EINVAL "$(write_errno $wq/congestion_on "lots")"
check_eq "congestion_on: 99999999999: ERANGE" OTHER "$(write_errno $wq/congestion_on 99999999999 | sed 's/^OTHER.*Numerical result out of range.*/OTHER/')"
check_eq "write_queue/size is 0 without writes" 0 "$(cat $wq/size)"

dd if=/dev/pktcdvd/pktcdvd0 of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null
check_eq "stat/kb_read counts 1 MiB read" 1024 "$(cat $d/stat/kb_read)"
check "debugfs info shows the read" grep -q "	read:			1024kB" /sys/kernel/debug/pktcdvd/pktcdvd0/info
check "debugfs info shows the marks" grep -q "write congestion marks:	off=700 on=800" /sys/kernel/debug/pktcdvd/pktcdvd0/info
check_eq "stat/reset" OK "$(write_errno $d/stat/reset 1)"
check_eq "counters are zero after reset" "0 0 0 0 0" \
	"$(cat $d/stat/packets_started $d/stat/packets_finished $d/stat/kb_written $d/stat/kb_read $d/stat/kb_read_gather | xargs)"
check_eq "stat files are not writable by others" 444 "$(stat -c %a $d/stat/kb_read)"

nocap() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }
check_eq "add by a user: permission denied" EACCES "$(nocap sh -c ". /tests/lib/testlib.sh; write_errno $c/add $sr")"
check "device_map readable by a user" nocap cat $c/device_map

cat /sys/kernel/debug/pktcdvd/pktcdvd0/info
check_eq "remove" OK "$(write_errno $c/remove "$major:0")"
check "rmmod" rmmod pktcdvd
finish
