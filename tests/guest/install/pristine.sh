#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of scripts/pristine-test: a Debian root made only of what a
# user installs (debootstrap, the distribution's kernel and headers, then
# either the two .deb packages or a checkout's `make && make install`),
# shared over 9p and booted with that root's own kernel.  Everything here
# runs from that root: its module (built there by DKMS or make), udftools'
# pktsetup and mkudffs.  The harness's initramfs only emulates the drive.
#
# pktparam_install=dkms|make says which way the module was installed.
# pkttest-drives: cdrw
# pkttest-debroot: yes
. /tests/lib/testlib.sh
plan 20
. /tests/lib/debroot.sh

way=$(sed -n 's/.*pktparam_install=\([a-z]*\).*/\1/p' /proc/cmdline)
krel=$(uname -r)
case "$way" in
dkms) where=/lib/modules/$krel/updates/dkms/pktcdvd.ko ;;
make) where=/lib/modules/$krel/updates/pktcdvd.ko ;;
*) where=unknown ;;
esac

check "the pristine root is up (9p + overlay)" debroot_up
check_eq "the root's kernel is the one booted" "$krel" "$(ls "$DEB/lib/modules" | grep -x "$krel")"
mod=$(deb modinfo -n pktcdvd 2>/dev/null)
check "modinfo finds the $way-installed module ($mod)" grep -q "^$where" <<<"$mod"
check_fails "pktcdvd is not loaded yet" grep -q '^pktcdvd ' /proc/modules
# The root's modprobe sees only the root's /lib/modules: the module it
# loads is the one modinfo named (the initramfs's copy is not in the root).
check "modprobe pktcdvd (the root's module)" deb modprobe pktcdvd
check "it is loaded" grep -q '^pktcdvd ' /proc/modules
check "/dev/pktcdvd/control is there" test -c /dev/pktcdvd/control

check "udftools' pktsetup maps the drive" deb pktsetup disc /dev/sr0
check "/dev/pktcdvd/disc is a block device" test -b /dev/pktcdvd/disc
check "mkudffs on it" deb mkudffs --media-type=cdrw --label=PRISTINE /dev/pktcdvd/disc
mkdir -p /mnt/disc
check "mount -t udf" mount -t udf /dev/pktcdvd/disc /mnt/disc

# A small tree of files of several sizes, some spanning many packets.
src=/tmp/files
mkdir -p "$src/dir/sub"
dd if=/dev/urandom of="$src/big" bs=64k count=48 status=none
dd if=/dev/urandom of="$src/dir/mid" bs=4k count=50 status=none
for i in $(seq 20); do head -c $((i * 700)) /dev/urandom >"$src/dir/sub/small$i"; done
(cd "$src" && find . -type f | sort | xargs sha256sum) >/tmp/sums
check "the files are copied" cp -a "$src/." /mnt/disc/
check "sync" sync
check "umount" umount /mnt/disc
check "mount again" mount -t udf -o ro /dev/pktcdvd/disc /mnt/disc
check_eq "every file is there" "$(wc -l </tmp/sums)" "$(cd /mnt/disc && find . -type f | wc -l)"
check "and its checksum is the same" sh -c 'cd /mnt/disc && sha256sum -c /tmp/sums >/dev/null'
check "umount" umount /mnt/disc
check "pktsetup -d" deb pktsetup -d disc
check "rmmod pktcdvd" deb rmmod pktcdvd
finish
