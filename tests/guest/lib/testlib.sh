# SPDX-License-Identifier: GPL-2.0
#
# Helpers for guest tests (bash).  A test is a script in tests/guest/ that
# runs `set -e`-free, declares with `plan N` how many checks it runs, and
# ends with `finish`, whose exit code is the verdict: it fails when a check
# failed, and when fewer or more checks ran than planned (a test that
# stopped halfway, or skipped a loop, fails).  Every check asserts on an
# observable outcome.

checks=0
failures=0
planned=

# plan N: this test runs N checks (an arithmetic expression is fine where
# the count depends on the kernel or the medium).  Call it once, before
# `finish`.
plan() {
	case "$1" in
	'' | *[!0-9]*) echo "FAIL - plan: '$1' is not a count"; failures=$((failures + 1)) ;;
	*) planned=$1; echo "plan: $1 checks" ;;
	esac
}

# A check that took 10 s or more since the one before says so: when a test
# runs out of time, its log shows where the time went.
check_last_at=$SECONDS
check_took() {
	local d=$((SECONDS - check_last_at))
	check_last_at=$SECONDS
	check_took_note=
	[ $d -lt 10 ] || check_took_note=" ($d s)"
}
ok() { checks=$((checks + 1)); check_took; echo "ok   - $*$check_took_note"; }
not_ok() { checks=$((checks + 1)); failures=$((failures + 1)); check_took; echo "FAIL - $*$check_took_note"; }

# check DESCRIPTION COMMAND...: passes when COMMAND exits 0.
check() {
	local what=$1; shift
	if "$@"; then ok "$what"; else not_ok "$what (command: $*)"; fi
}

# check_fails DESCRIPTION COMMAND...: passes when COMMAND exits non-zero.
check_fails() {
	local what=$1; shift
	if "$@"; then not_ok "$what (succeeded: $*)"; else ok "$what"; fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi
}

# outcome COMMAND...: "exit RC: OUTPUT" of COMMAND (stdout and stderr),
# for checks that expect a command's output: `check_eq "..." "exit 0: "
# "$(outcome pktsetup -s)"` fails when the command fails silently, where
# comparing its empty output alone would pass.
outcome() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	printf 'exit %s: %s' "$rc" "$out"
}

# write_errno FILE TEXT: writes TEXT to FILE with one write(2), prints the
# errno name of the failure ("OK" on success).
write_errno() {
	local out
	out=$( { printf '%s' "$2" >"$1"; } 2>&1 ) && { echo OK; return; }
	case "$out" in
	*"Invalid argument"*) echo EINVAL ;;
	*"No such device or address"*) echo ENXIO ;;
	*"No such device"*) echo ENODEV ;;
	*"Device or resource busy"*) echo EBUSY ;;
	*"Operation not permitted"*) echo EPERM ;;
	*"Permission denied"*) echo EACCES ;;
	*"Operation not supported"*) echo EOPNOTSUPP ;;
	*) echo "OTHER($out)" ;;
	esac
}

finish() {
	echo "$checks checks, $failures failed"
	if [ -z "$planned" ]; then
		echo "FAIL - the test declared no plan (plan N)"
		return 1
	fi
	if [ "$checks" != "$planned" ]; then
		echo "FAIL - $checks checks ran, $planned were planned"
		return 1
	fi
	[ "$failures" = 0 ] && [ "$checks" -gt 0 ]
}

# drive_ctl N COMMAND...: a control command to emulated drive N (see
# `mmc-drive ctl SOCKET ...` and Documentation/mmc-drive.rst).
drive_ctl() {
	local n=$1; shift
	mmc-drive ctl "/run/mmc-drive/$n.sock" "$@"
}

# json_num JSON KEY: the number after the first "KEY": in JSON.
json_num() {
	printf '%s' "$1" | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}

# command_count JSON OPCODE: how often the drive saw OPCODE (e.g. 0x2a).
command_count() {
	local n
	n=$(printf '%s' "$1" | sed -n "s/.*\"$2\":{\"name\":\"[A-Z_0-9]*\",\"count\":\([0-9]*\)}.*/\1/p")
	echo "${n:-0}"
}

# How much longer waits for the system (not for the driver's own bounds)
# may take: the debug kernel (KASAN, lockdep) runs everything several
# times slower.
PKTTEST_SCALE=1
grep -q 'pkttest_kernel=debug' /proc/cmdline && PKTTEST_SCALE=6

# Which boot of a "# pkttest-boots: N" test this is (1 for other tests).
PKTTEST_BOOT=$(sed -n 's/.*pkttest_boot=\([0-9]*\).*/\1/p' /proc/cmdline)
PKTTEST_BOOT=${PKTTEST_BOOT:-1}

# drive_state N: the "state" text of drive N's disc ("blank", "formatted,
# 32-block packets", ...).
drive_state() {
	drive_ctl "$1" status | sed -n 's/.*"state":"\([^"]*\)".*/\1/p'
}

# The debug kernel (KERNEL=debug) has kmemleak; the distribution kernels
# do not.  KMEMLEAK_CHECKS is how many checks kmemleak_check adds (for
# `plan`): 2 on the debug kernel, 0 elsewhere.
PKTTEST_DEBUG=0
grep -q 'pkttest_kernel=debug' /proc/cmdline && PKTTEST_DEBUG=1
KMEMLEAK_CHECKS=$((PKTTEST_DEBUG * 2))
kmemleak=/sys/kernel/debug/kmemleak

# kmemleak_forget: what the boot left behind is not the test's: scan and
# clear (only where kmemleak_check will look).
kmemleak_forget() {
	[ "$PKTTEST_DEBUG" = 1 ] || return 0
	echo scan >$kmemleak 2>/dev/null
	echo clear >$kmemleak 2>/dev/null
}

# kmemleak_check: on the debug kernel, two checks: kmemleak is there and
# can be read, and it reports no leak.  A kmemleak that is missing, turned
# off (it turns itself off on an internal error) or unreadable fails,
# rather than reading as "no leaks".  Elsewhere nothing.
kmemleak_check() {
	[ "$PKTTEST_DEBUG" = 1 ] || { echo "(no kmemleak in this kernel: KERNEL=debug has it)"; return 0; }
	local leaks rc
	# kmemleak reports objects only once they are older than 5 s, after two scans.
	sleep 6
	echo scan >$kmemleak && echo scan >$kmemleak && leaks=$(cat $kmemleak)
	rc=$?
	check_eq "kmemleak scans and can be read" 0 "$rc"
	[ -n "$leaks" ] && echo "$leaks" | head -n 60
	if [ "$rc" = 0 ]; then check_eq "kmemleak finds nothing" "" "$leaks"; else not_ok "kmemleak finds nothing: it could not be read"; fi
}
