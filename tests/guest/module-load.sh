#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module loads, registers /dev/pktcdvd/control and /sys/class/pktcdvd
# as the C driver did, answers udftools' pktsetup, and unloads cleanly.
. /tests/lib/testlib.sh
plan 34

check "modprobe pktcdvd loads the module" modprobe pktcdvd
check "the module is listed as pktcdvd" grep -q '^pktcdvd ' /proc/modules

minor=$(awk '$2 == "pktcdvd" { print $1 }' /proc/misc)
check "/proc/misc lists the misc device 'pktcdvd'" test -n "$minor"
check "/dev/pktcdvd is a directory" test -d /dev/pktcdvd
check "/dev/pktcdvd/control is a character device" test -c /dev/pktcdvd/control
check_eq "control node is 10:<misc minor>" "10:$minor" \
	"$(( 0x$(stat -c %t /dev/pktcdvd/control) )):$(( 0x$(stat -c %T /dev/pktcdvd/control) ))"
check_eq "control node is root-only (0600 root:root)" "600 0 0" \
	"$(stat -c '%a %u %g' /dev/pktcdvd/control)"

check "/sys/class/pktcdvd exists" test -d /sys/class/pktcdvd
check_eq "class attribute modes (add remove device_map)" "200 200 444" \
	"$(stat -c %a /sys/class/pktcdvd/add /sys/class/pktcdvd/remove /sys/class/pktcdvd/device_map | xargs)"
check_eq "device_map is empty without mappings" "" "$(cat /sys/class/pktcdvd/device_map)"

# udftools' pktsetup, unchanged: STATUS over all slots.
out=$(pktsetup -s 2>&1); rc=$?
check_eq "pktsetup -s exits 0" 0 "$rc"
check_eq "pktsetup -s lists no mappings" "" "$out"

# TEARDOWN of an unknown pkt device: ENXIO, then pktsetup's fallback looks
# the number up as a CD device, finds none and reports an error.
out=$(pktsetup -d 253:0 2>&1); rc=$?
check "pktsetup -d of an unknown device fails" test "$rc" -ne 0
echo "  pktsetup said: $out"
check "pktsetup -i -d of an unknown device is ignored (exit 0)" pktsetup -i -d 253:0

# sysfs writes return their errors (the C driver always said success).
check_eq "garbage written to add is refused with EINVAL" EINVAL \
	"$(write_errno /sys/class/pktcdvd/add junk)"
check_eq "an out-of-range device written to add is EINVAL" EINVAL \
	"$(write_errno /sys/class/pktcdvd/add 4096:0)"
check_eq "remove of an unknown pkt device is ENXIO" ENXIO \
	"$(write_errno /sys/class/pktcdvd/remove 253:0)"

check "rmmod pktcdvd" rmmod pktcdvd
check_fails "/dev/pktcdvd/control is gone" test -e /dev/pktcdvd/control
check_fails "/sys/class/pktcdvd is gone" test -e /sys/class/pktcdvd
check_fails "/proc/misc no longer lists pktcdvd" grep -q ' pktcdvd$' /proc/misc

# pktsetup loads the module itself ("modprobe pktcdvd") when it is missing.
check "pktsetup -s works with the module unloaded (autoload)" pktsetup -s
check "pktsetup loaded the module" grep -q '^pktcdvd ' /proc/modules
check "rmmod after autoload" rmmod pktcdvd

# pktctl does the same.
check "pktctl status works with the module unloaded (autoload)" pktctl status
check "pktctl loaded the module" grep -q '^pktcdvd ' /proc/modules
check "rmmod after pktctl's autoload" rmmod pktcdvd

# On-demand loading by opening the control node: depmod turned the module's
# devname alias into a static node, which systemd-tmpfiles creates at boot
# (kmod static-nodes); opening it makes the kernel load the module.
static=$(kmod static-nodes --format=devname 2>/dev/null | awk '$1 == "pktcdvd"')
check_eq "modules.devname has the control node" "pktcdvd pktcdvd/control c10:110" "$static"
mkdir -p /dev/pktcdvd
check "the static node can be made" mknod -m 0600 /dev/pktcdvd/control c 10 110
check "opening it succeeds with the module unloaded" sh -c 'exec 3</dev/pktcdvd/control'
check "and loaded the module" grep -q '^pktcdvd ' /proc/modules
check_eq "the misc minor is the fixed 110" 110 "$(awk '$2 == "pktcdvd" { print $1 }' /proc/misc)"
check "pktsetup -s works through it" pktsetup -s
check "rmmod after on-demand loading" rmmod pktcdvd

finish
