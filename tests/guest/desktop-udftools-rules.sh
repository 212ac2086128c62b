#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A system with only the module installed (`make install` without pktctl,
# or the DKMS package alone) keeps udftools' own 80-pktsetup.rules: nothing
# masks it.  Under the root's systemd-udevd with the distribution's rules,
# that rule (pktcdvd-check, then `pktsetup -i MAJ:MIN`; `pktsetup -i -d
# MAJ:MIN` when the disc goes, an eject is requested or the drive is
# removed) drives this module as it drove the C one: the mapping appears
# as /dev/pktcdvd/pktcdvd0 with the distribution's node group, loads the
# module on demand, survives the rule running again, carries a UDF that
# writes and reads back, and goes with the disc or the drive.
# pkttest-drives: cdrw:65536
# pkttest-debroot: yes
# pkttest-timeout: 480 (make install: 80-105 s beside another guest, 70 s of it depmod)
. /tests/lib/testlib.sh
. /tests/lib/debroot.sh

plan 34

check "the Debian root is up (9p + overlay)" debroot_up
krel=$(uname -r)

# A checkout after `make` only: no pktctl, so `make install` installs the
# module and leaves udev alone.
out=$(debroot_install); rc=$?
echo "$out" | tail -n 5 | sed 's/^/  make: /'
check_eq "make install (module only) exits 0" 0 "$rc"
check "it says only the module was installed" grep -q 'only the module was installed' <<<"$out"
check "the module is installed in updates/" grep -q "/lib/modules/$krel/updates/pktcdvd.ko" <<<"$(deb modinfo -n pktcdvd)"
check_fails "no pktcdvd-rs udev rules" test -e "$DEB/usr/lib/udev/rules.d/80-pktcdvd.rules"
check_fails "udftools' rule is not masked" test -e "$DEB/etc/udev/rules.d/80-pktsetup.rules"
check "udftools' rule is installed" grep -q 'RUN+="/usr/sbin/pktsetup -i $major:$minor"' \
	"$DEB/usr/lib/udev/rules.d/80-pktsetup.rules"
check_fails "the module is not loaded yet" grep -q '^pktcdvd ' /proc/modules

echo 250 >/sys/module/block/parameters/events_dfl_poll_msecs
mapped() { [ -n "$(cat /sys/class/pktcdvd/device_map 2>/dev/null)" ]; }
unmapped() { ! mapped; }
wait_for() { for _ in $(seq $((120 * PKTTEST_SCALE))); do "$@" && return 0; sleep 0.25; done; return 1; }

# ---- the formatted CD-RW in the drive at boot: the replayed add event ----
# Group names resolved, as on a booted system (the nodes' cdrom group).
UDEVD_RESOLVE_NAMES=early
check "systemd-udevd starts and replays the devices" udevd_up
check "udftools' rule mapped the formatted CD-RW" wait_for mapped
grep -E 'sr0|pktsetup|pktcdvd' /tmp/udevd.log | tail -n 20 | sed 's/^/  udevd: /'
check "pktsetup loaded the installed module (modprobe)" grep -q '^pktcdvd ' /proc/modules
pkt_major=$(sed -n 's/^ *\([0-9]*\) pktcdvd$/\1/p' /proc/devices)
check_eq "the mapping, as sysfs shows it" "pktcdvd0 $pkt_major:0 11:0" "$(cat /sys/class/pktcdvd/device_map)"
out=$(deb pktsetup -s); rc=$?
check_eq "pktsetup -s shows it" "rc=0  0 : $pkt_major:0 -> 11:0" "rc=$rc $out"
check "as /dev/pktcdvd/pktcdvd0" test -b /dev/pktcdvd/pktcdvd0
# The distribution's rules give both nodes the cdrom group, as for the C driver.
check_eq "its node: group cdrom, mode 0660" "cdrom 660 $pkt_major:0" \
	"$(deb stat -c '%G %a %Hr:%Lr' /dev/pktcdvd/pktcdvd0)"
check_eq "the control node: group cdrom, mode 0644" "cdrom 644" "$(deb stat -c '%G %a' /dev/pktcdvd/control)"
props=$(deb udevadm info --query=property /dev/pktcdvd/pktcdvd0); rc=$?
check "udev has the disk (DEVNAME, DEVTYPE=disk; exit $rc)" eval \
	'[ $rc = 0 ] && grep -qx "DEVNAME=/dev/pktcdvd/pktcdvd0" <<<"$props" && grep -qx "DEVTYPE=disk" <<<"$props"'

# A change event runs the rule again: `pktsetup -i` keeps the one mapping.
deb udevadm trigger --action=change /sys/block/sr0
deb udevadm settle
check_eq "a change event leaves one mapping" "pktcdvd0 $pkt_major:0 11:0" "$(cat /sys/class/pktcdvd/device_map)"

# ---- the disc in use ----
check "mkudffs on it" deb mkudffs --media-type=cdrw --label=PKTDISC /dev/pktcdvd/pktcdvd0
mkdir -p "$DEB/media/pkt"
mounted() { grep -q ' /deb/root/media/pkt ' /proc/mounts; }
check "mount it read-write" deb mount -t udf -o rw /dev/pktcdvd/pktcdvd0 /media/pkt
head -c 300000 /dev/urandom >/tmp/data
check "write a file and sync" eval 'mounted && cp /tmp/data "$DEB/media/pkt/data" && sync'
check "umount" deb umount /media/pkt

# ---- the eject button with nothing open: the rule unmaps, cdrom_id ejects ----
drive_ctl 0 eject-request >/dev/null
check "eject button: the mapping goes" wait_for unmapped
check "and the disc is ejected (tray open)" wait_for sh -c 'mmc-drive ctl /run/mmc-drive/0.sock status | grep -q "\"tray_open\":true"'
check_fails "no node is left" test -e /dev/pktcdvd/pktcdvd0

# Put back: mapped again, the file intact.
drive_ctl 0 insert >/dev/null
check "reinserted: mapped again" wait_for mapped
deb udevadm settle
check "mount it read-only" deb mount -t udf -o ro /dev/pktcdvd/pktcdvd0 /media/pkt
check "the file reads back intact" eval 'mounted && cmp /tmp/data "$DEB/media/pkt/data"'
check "umount" deb umount /media/pkt

# ---- other discs ----
drive_ctl 0 change cdr >/dev/null
check "a CD-R in its place: unmapped" wait_for unmapped
# udftools' rule knows CD-RW, DVD±RW and DVD-RAM only: a BD-RE stays unmapped.
drive_ctl 0 change bdre 65536 >/dev/null
sleep 3; deb udevadm settle
check "a BD-RE is not mapped by udftools' rule" unmapped
drive_ctl 0 change dvdram 65536 >/dev/null
check "a DVD-RAM is mapped" wait_for mapped

# ---- the drive goes away: ACTION=remove runs pktsetup -i -d 11:0 ----
tpg=$(echo /sys/kernel/config/target/loopback/naa.*/tpgt_1)
rm -f "$tpg/lun/lun_0/drive0" && rmdir "$tpg/lun/lun_0"
check "drive removed: the mapping goes" wait_for unmapped
udevd_down
check "the module unloads" rmmod pktcdvd

finish
