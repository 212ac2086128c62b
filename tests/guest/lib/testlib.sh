# SPDX-License-Identifier: GPL-2.0
#
# Helpers for guest tests (bash).  A test is a script in tests/guest/ that
# runs `set -e`-free, counts its checks and ends with `finish`, whose exit
# code is the verdict.  Every check asserts on an observable outcome.

checks=0
failures=0

ok() { checks=$((checks + 1)); echo "ok   - $*"; }
not_ok() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL - $*"; }

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
	[ "$failures" = 0 ] && [ "$checks" -gt 0 ]
}
