#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packaging on an installed Debian system (the kernel environment's root,
# see lib/debroot.sh): `make install` from a built checkout, modprobe, and
# the udev rules under the root's own systemd-udevd with the distribution's
# rules: a formatted disc is mapped on insertion, its UDF is offered to
# udisks, the eject button unmounts, unmaps and ejects (but not while a file
# is open), write-once and blank discs are never mapped, and a disc taken
# out or a drive removed leaves no mapping behind.
# pkttest-drives: cdrw-blank:65536
# pkttest-debroot: yes
# pkttest-timeout: 480 (make install: 80-105 s beside another guest, 70 s of it depmod)
. /tests/lib/testlib.sh
plan 59
. /tests/lib/debroot.sh

check "the Debian root is up (9p + overlay)" debroot_up
krel=$(uname -r)

# A checkout as a user has it after `make` and `make tools`.
out=$(debroot_install --with-pktctl); rc=$?
echo "$out" | tail -n 15 | sed 's/^/  make: /'
check_eq "make install exits 0" 0 "$rc"
mod=$(deb modinfo -n pktcdvd 2>/dev/null)
check "the module is installed in updates/ ($mod)" grep -q "/lib/modules/$krel/updates/pktcdvd.ko" <<<"$mod"
check "depmod knows its control node" grep -q '^pktcdvd pktcdvd/control c10:110' "$DEB/lib/modules/$krel/modules.devname"
check "pktctl is installed" test -x "$DEB/usr/local/sbin/pktctl"
check "its man pages are installed" test -f "$DEB/usr/local/share/man/man1/pktctl.1"
check "pktctl-format(1) too" test -f "$DEB/usr/local/share/man/man1/pktctl-format.1"
check "its bash completion is installed" test -f "$DEB/usr/local/share/bash-completion/completions/pktctl"
check "the udev rules are installed" grep -q '/usr/local/sbin/pktctl udev map' "$DEB/usr/lib/udev/rules.d/80-pktcdvd.rules"
check_eq "udftools' rule is masked" /dev/null "$(readlink "$DEB/etc/udev/rules.d/80-pktsetup.rules")"
check "modprobe pktcdvd (the installed module)" deb modprobe pktcdvd
check "the module is loaded" grep -q '^pktcdvd ' /proc/modules
check "/dev/pktcdvd/control is there" test -c /dev/pktcdvd/control
check "rmmod pktcdvd" deb rmmod pktcdvd

# ---- the udev rules, first dry (udevadm test runs PROGRAM, not RUN) ----
utest() {
	deb udevadm test --action=change /sys/block/sr0 >/tmp/utest.out 2>&1
	grep -E 'pktcdvd|pktctl|PKTCDVD|UDISKS' /tmp/utest.out | sed 's/^/  udevadm test: /' >&2
	cat /tmp/utest.out
}
out=$(utest)
check "udevadm test: cdrom_id saw a CD-RW" grep -q 'ID_CDROM_MEDIA_CD_RW=1' <<<"$out"
# udevadm test does not run PROGRAM: the rules hand the decision to pktctl check.
check "udevadm test: the rules ask pktctl check about a CD-RW" grep -q "execution of '/usr/local/sbin/pktctl check --quiet /dev/sr0'" <<<"$out"
check_fails "pktctl check -q: a blank CD-RW is not usable" deb pktctl check -q /dev/sr0
check_fails "udevadm test: the module was not loaded by asking" grep -q '^pktcdvd ' /proc/modules
check "pktctl format (the installed one)" deb pktctl format /dev/sr0
check "pktctl check -q: the formatted CD-RW is" deb pktctl check -q /dev/sr0
out=$(utest)
check "udevadm test: a formatted CD-RW is mapped" grep -q "RUN{program} : /usr/local/sbin/pktctl udev map /dev/sr0" <<<"$out"
check "udevadm test: and hidden from udisks" grep -q 'UDISKS_IGNORE=1' <<<"$out"

# ---- live, under the root's systemd-udevd ----
# Media events are polled as the distribution's 60-block.rules sets it up.
echo 250 >/sys/module/block/parameters/events_dfl_poll_msecs
check "systemd-udevd starts and replays the devices" udevd_up
mapped() { [ -n "$(cat /sys/class/pktcdvd/device_map 2>/dev/null)" ]; }
wait_for() { for _ in $(seq $((120 * PKTTEST_SCALE))); do "$@" && return 0; sleep 0.25; done; return 1; }
check "inserting a formatted disc mapped it" wait_for mapped
grep -E 'sr0|pktctl|pktcdvd' /tmp/udevd.log | tail -n 40 | sed 's/^/  udevd: /'
check "as /dev/pktcdvd/pktcdvd0" test -b /dev/pktcdvd/pktcdvd0
check "mkudffs on it" deb mkudffs --media-type=cdrw --label=PKTDISC /dev/pktcdvd/pktcdvd0
deb udevadm settle
props=$(deb udevadm info --query=property /dev/pktcdvd/pktcdvd0)
check "udev probed its file system (udf)" grep -qx 'ID_FS_TYPE=udf' <<<"$props"
check "it is offered to udisks for automounting" grep -qx 'UDISKS_AUTO=1' <<<"$props"
check "as a user's device, not a system one" grep -qx 'UDISKS_SYSTEM=0' <<<"$props"
check "with a by-label link" test -L /dev/disk/by-label/PKTDISC
check "the drive itself is hidden from udisks" grep -qx 'UDISKS_IGNORE=1' <<<"$(deb udevadm info --query=property /dev/sr0)"

mkdir -p "$DEB/media/pkt"
mounted() { grep -q ' /deb/root/media/pkt ' /proc/mounts; }
check "mount it read-write" deb mount -t udf -o rw /dev/pktcdvd/pktcdvd0 /media/pkt
head -c 300000 /dev/urandom >/tmp/data
check "write a file" eval 'mounted && cp /tmp/data "$DEB/media/pkt/data"'

# The eject button with a file open on the disc: refused, nothing moves.
# (chroot execs sh, which execs sleep: $! is the process holding the file)
chroot "$DEB" /bin/sh -c 'exec 3>>/media/pkt/open-file; exec sleep 60' &
holder=$!
sleep 1
dmesg -c >/dev/null
drive_ctl 0 eject-request >/dev/null
sleep 3; deb udevadm settle
check "eject button while a file is open: refused in the kernel log" grep -q 'eject refused' <<<"$(dmesg)"
check "still mapped" mapped
check "still mounted" mounted
check "the disc is still in the drive" grep -q '"loaded":true' <<<"$(drive_ctl 0 status)"
kill "$holder"; wait "$holder" 2>/dev/null

# Again with nothing open: unmounted, unmapped, ejected.
drive_ctl 0 eject-request >/dev/null
unmapped() { ! mapped; }
check "eject button: the mapping goes" wait_for unmapped
check "the disc was unmounted" wait_for eval '! mounted'
check "and ejected (the tray is open)" wait_for sh -c 'mmc-drive ctl /run/mmc-drive/0.sock status | grep -q "\"tray_open\":true"'
check "the kernel log says so" grep -q 'sr0 ejected' <<<"$(dmesg)"

# Putting it back maps it again; the file is intact.
drive_ctl 0 insert >/dev/null
check "reinserted: mapped again" wait_for mapped
deb udevadm settle
check "mount it again" deb mount -t udf -o ro /dev/pktcdvd/pktcdvd0 /media/pkt
check "the file reads back intact" eval 'mounted && cmp /tmp/data "$DEB/media/pkt/data"'
check "umount" deb umount /media/pkt

# A write-once disc is never mapped; the mapping of the one before goes.
drive_ctl 0 change cdr >/dev/null
check "a CD-R in its place: unmapped" wait_for unmapped
sleep 2; deb udevadm settle
check "and the CD-R is not mapped" unmapped
out=$(utest)
check "udevadm test: a CD-R only drops a mapping" grep -q 'RUN{program} : /usr/local/sbin/pktctl udev unmap 11:0' <<<"$out"
check_fails "udevadm test: and is never checked for mapping" grep -q 'pktctl check' <<<"$out"
# A BD-RE is (udftools' rule would have refused it).
drive_ctl 0 change bdre 65536 >/dev/null
check "a formatted BD-RE is mapped" wait_for mapped

# The drive goes away (a USB drive unplugged) while a file is open on the
# mounted disc: the disc is detached, and the module removes the mapping
# itself at the last close: no mapping is left, nothing to tear down.
check "mkudffs on the BD-RE" deb mkudffs --media-type=hd --blocksize=2048 /dev/pktcdvd/pktcdvd0
check "mount it" deb mount -t udf -o rw /dev/pktcdvd/pktcdvd0 /media/pkt
check "write a file" eval 'mounted && cp /tmp/data "$DEB/media/pkt/data" && sync'
chroot "$DEB" /bin/sh -c 'exec 3</media/pkt/data; exec sleep 60' &
holder=$!
sleep 1
dmesg -c >/dev/null
tpg=$(echo /sys/kernel/config/target/loopback/naa.*/tpgt_1)
rm -f "$tpg/lun/lun_0/drive0" && rmdir "$tpg/lun/lun_0"
check "drive removed: /dev/sr0 is gone" wait_for sh -c '! test -b /dev/sr0'
check "the disc was detached from the file tree" wait_for eval '! mounted'
check "the mapping waits for the open file" mapped
kill "$holder"; wait "$holder" 2>/dev/null
check "closed: the module removed the mapping itself" wait_for unmapped
check "and said why" grep -q 'sr0 is gone: removing the mapping' <<<"$(dmesg)"
udevd_down
check "the module unloads" rmmod pktcdvd

finish
