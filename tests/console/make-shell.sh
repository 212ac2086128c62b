#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make-shell: `make shell`, driven as a developer would, through a
# terminal (script(1)): the console must come up within a minute with the
# module loaded and the drives named, answer a typed command, and leave
# on `exit` (the guest powers off) and on Ctrl-A X (QEMU quits).  Run by
# scripts/check after the QEMU suite; KERNEL as there.
#
# Usage: tests/console/make-shell.sh
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KERNEL=${KERNEL:-bpo}
work=$(mktemp -d)
trap 'exec 7>&- 2>/dev/null; kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
failed=0 n=0
ok() { n=$((n + 1)); echo "ok   - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "FAIL - $*"; }

# wait_for PATTERN SECONDS: the console's output shows PATTERN in time.
wait_for() {
	local i
	for i in $(seq "$2"); do
		tr -d '\r' <"$work/out" | grep -qE -- "$1" && return 0
		[ -f "$work/rc" ] && return 1
		sleep 1
	done
	return 1
}

# wait_exit SECONDS: make shell ended in time.
wait_exit() {
	local i
	for i in $(seq "$1"); do
		[ -f "$work/rc" ] && return 0
		sleep 1
	done
	return 1
}

# session HOW: one `make shell` with two drives, left by HOW (exit|ctrl-a-x).
session() {
	local how=$1 start took rc
	rm -f "$work/out" "$work/rc" "$work/in"
	mkfifo "$work/in"
	start=$SECONDS
	(
		cd "$top" && script -q -e -f -c "make --no-print-directory shell KERNEL=$KERNEL DRIVES='cdrw dvd+rw'" /dev/null \
			<"$work/in" >"$work/out" 2>&1
		echo $? >"$work/rc"
	) &
	exec 7>"$work/in"
	if wait_for 'pktcdvd-guest:[^ ]*# ' 60; then
		took=$((SECONDS - start))
		ok "$how: the prompt came after ${took}s (under a minute)"
	else
		not_ok "$how: no prompt within a minute; the console said: $(tr -d '\r' <"$work/out" | tail -n 5)"
		exec 7>&-
		return
	fi
	if tr -d '\r' <"$work/out" | grep -q '^  drives     /dev/sr0 /dev/sr1 '; then
		ok "$how: the banner names both drives"
	else
		not_ok "$how: the banner does not name /dev/sr0 and /dev/sr1"
	fi
	printf '%s\n' 'grep -c "^pktcdvd " /proc/modules; ls -1 /sys/class/pktcdvd; echo "the answer is $((6 * 7))"' >&7
	if wait_for '^the answer is 42' 30 && tr -d '\r' <"$work/out" | grep -qx 'device_map'; then
		ok "$how: a typed command ran: the module is loaded (its class has device_map)"
	else
		not_ok "$how: the typed command's output did not come: $(tr -d '\r' <"$work/out" | tail -n 5)"
	fi
	case $how in
	exit) printf 'exit\n' >&7 ;;
	ctrl-a-x) printf '\001x' >&7 ;;
	esac
	if wait_exit 60; then
		rc=$(cat "$work/rc")
		if [ "$rc" = 0 ]; then ok "$how: it left, make shell exited 0"; else not_ok "$how: make shell exited $rc"; fi
	else
		not_ok "$how: still running a minute after $how"
	fi
	exec 7>&-
	wait 2>/dev/null
}

session exit
session ctrl-a-x
if ls "$top/build/$KERNEL/drives"/shell.*.img >/dev/null 2>&1; then
	not_ok "the shell's drive images are left behind"
else
	ok "the shell's drive images are gone"
fi
echo "$n checks, $failed failed"
[ $failed = 0 ]
