#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A desktop's automount: after `make install` (module, pktctl, udev rules),
# the root's udisksd on a D-Bus system bus (with polkitd) sees the disc
# the rules mapped as a user's removable UDF file system (HintAuto, not
# HintSystem, writable) and the drive itself as hidden, mounts it as a
# desktop does (udisksctl mount: Filesystem.Mount) read-write under
# /media (/run/media on sid), takes a file that reads back after a
# remount, unmounts it, and the mapping can then be torn down.
# pkttest-drives: cdrw:65536
# pkttest-debroot: yes
# pkttest-timeout: 480 (make install: 80-105 s beside another guest, 70 s of it depmod)
. /tests/lib/testlib.sh
. /tests/lib/debroot.sh

plan 28

check "the Debian root is up (9p + overlay)" debroot_up
krel=$(uname -r)

out=$(debroot_install --with-pktctl); rc=$?
echo "$out" | tail -n 5 | sed 's/^/  make: /'
check_eq "make install exits 0" 0 "$rc"

echo 250 >/sys/module/block/parameters/events_dfl_poll_msecs
mapped() { [ -n "$(cat /sys/class/pktcdvd/device_map 2>/dev/null)" ]; }
wait_for() { for _ in $(seq $((120 * PKTTEST_SCALE))); do "$@" && return 0; sleep 0.25; done; return 1; }
check "systemd-udevd starts and replays the devices" udevd_up
check "the formatted CD-RW is mapped" wait_for mapped
check "mkudffs on it" deb mkudffs --media-type=cdrw --label=PKTDISC /dev/pktcdvd/pktcdvd0
deb udevadm settle

# The system bus, polkitd and udisksd, as a desktop system starts them.
mkdir -p "$DEB/run/dbus"
check "dbus-daemon --system" deb dbus-daemon --system --fork
deb /usr/lib/polkit-1/polkitd --no-debug >/tmp/polkitd.log 2>&1 &
polkitd_pid=$!
deb /usr/libexec/udisks2/udisksd >/tmp/udisksd.log 2>&1 &
udisksd_pid=$!
# Before the first call: a call earlier would have D-Bus start another.
udisks_on_bus() {
	deb dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.UDisks2 2>/dev/null | grep -q 'boolean true'
}
check "udisksd owns its name on the system bus" wait_for udisks_on_bus
udisks_has() { deb udisksctl info -b "$1" >/dev/null 2>&1; }
check "udisksd knows the pkt device" wait_for udisks_has /dev/pktcdvd/pktcdvd0
sed 's/^/  udisksd: /' /tmp/udisksd.log

# info_prop DEV PROPERTY: PROPERTY of DEV's block or filesystem interface.
info_prop() {
	deb udisksctl info -b "$1" | sed -n "s/^ *$2: *//p" | head -n 1
}
deb udisksctl info -b /dev/pktcdvd/pktcdvd0 | sed 's/^/  udisksctl info: /'
check_eq "udisks: its file system is UDF" udf "$(info_prop /dev/pktcdvd/pktcdvd0 IdType)"
check_eq "udisks: with the label" PKTDISC "$(info_prop /dev/pktcdvd/pktcdvd0 IdLabel)"
check_eq "udisks: to automount (HintAuto)" true "$(info_prop /dev/pktcdvd/pktcdvd0 HintAuto)"
check_eq "udisks: a user's device (HintSystem)" false "$(info_prop /dev/pktcdvd/pktcdvd0 HintSystem)"
check_eq "udisks: writable (ReadOnly)" false "$(info_prop /dev/pktcdvd/pktcdvd0 ReadOnly)"
check_eq "udisks: the drive is hidden (HintIgnore)" true "$(info_prop /dev/sr0 HintIgnore)"

# Mount as the desktop does (Filesystem.Mount with no options).
out=$(deb udisksctl mount -b /dev/pktcdvd/pktcdvd0 --no-user-interaction 2>&1); rc=$?
echo "  udisksctl mount: $out (exit $rc)"
where=$(sed -n 's|^Mounted /dev/pktcdvd/pktcdvd0 at \(/.*\)$|\1|p' <<<"$out" | sed 's/\.$//')
check "udisksctl mount (exit $rc)" eval '[ $rc = 0 ] && [ -n "$where" ]'
# udisks' place for a user's discs: /media/USER (trixie), /run/media/USER (sid).
check "under /media/root or /run/media/root, by its label ($where)" \
	eval 'case "$where" in /media/root/PKTDISC | /run/media/root/PKTDISC) ;; *) false ;; esac'
opts=$(awk -v m="/deb/root$where" '$2 == m && $3 == "udf" { print $4 }' /proc/mounts)
echo "  mount options: $opts"
check "mounted read-write (rw in /proc/mounts)" grep -q '^rw,' <<<"$opts"
check_eq "udisks shows where" "$where" "$(info_prop /dev/pktcdvd/pktcdvd0 MountPoints)"
head -c 300000 /dev/urandom >/tmp/data
check "write a file and sync" eval 'cp /tmp/data "$DEB$where/data" && sync'
check "udisksctl unmount" deb udisksctl unmount -b /dev/pktcdvd/pktcdvd0 --no-user-interaction
check_fails "no longer mounted" grep -q " /deb/root$where " /proc/mounts

# Mounted again (a fresh read from the disc): the file is intact.
out=$(deb udisksctl mount -b /dev/pktcdvd/pktcdvd0 --no-user-interaction 2>&1); rc=$?
where=$(sed -n 's|^Mounted /dev/pktcdvd/pktcdvd0 at \(/.*\)$|\1|p' <<<"$out" | sed 's/\.$//')
check "mounted again (exit $rc)" eval '[ $rc = 0 ] && [ -n "$where" ]'
check "the file reads back intact" cmp /tmp/data "$DEB$where/data"
check "udisksctl unmount" deb udisksctl unmount -b /dev/pktcdvd/pktcdvd0 --no-user-interaction

# Then the mapping can be torn down, and udisks lets the device go.
check "pktctl teardown" deb pktctl teardown pktcdvd0
check_fails "unmapped" mapped
gone() { ! udisks_has /dev/pktcdvd/pktcdvd0; }
check "udisks forgets the pkt device" wait_for gone

kill "$udisksd_pid" "$polkitd_pid"; wait "$udisksd_pid" "$polkitd_pid" 2>/dev/null
kill "$(cat "$DEB/run/dbus/pid")" 2>/dev/null
udevd_down
check "the module unloads" rmmod pktcdvd

finish
