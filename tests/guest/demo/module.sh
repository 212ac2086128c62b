#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, narrated: Debian's own kernel, our module, udftools' pktsetup.
# (The emulated drive and a real disc session join it with the drive issue.)
say() { printf '\n\033[1m>>> %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "Debian's kernel, booted under QEMU"
run uname -r
say "Load pktcdvd-rs the way pktsetup does it"
run modprobe pktcdvd || exit 1
run grep pktcdvd /proc/modules
say "The control device udftools talks to"
run grep pktcdvd /proc/misc
run ls -l /dev/pktcdvd/
say "The sysfs class"
run ls -l /sys/class/pktcdvd/
say "udftools' own pktsetup, unchanged: list the mappings (none yet)"
run pktsetup -s && echo "(no mappings)"
say "Unload"
run rmmod pktcdvd || exit 1
run ls /dev/pktcdvd 2>&1
say "Kernel log"
dmesg | grep -i pktcdvd
