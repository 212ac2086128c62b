# SPDX-License-Identifier: GPL-2.0
#
# checks.sh: what the host tests (tests/host/*.sh) share; sourced.  A
# scratch directory $dir, removed on exit, and the checks, counted.

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
checks=0 failures=0

# check_eq WHAT EXPECTED GOT
check_eq() {
	checks=$((checks + 1))
	if [ "$2" = "$3" ]; then echo "ok   - $1"; else failures=$((failures + 1)); echo "FAIL - $1: expected '$2', got '$3'"; fi
}

# check WHAT CMD...: CMD succeeds.
check() {
	local what=$1
	shift
	checks=$((checks + 1))
	if "$@"; then echo "ok   - $what"; else failures=$((failures + 1)); echo "FAIL - $what"; fi
}
