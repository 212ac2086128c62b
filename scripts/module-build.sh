# SPDX-License-Identifier: GPL-2.0
#
# module-build.sh: what scripts/build-module and scripts/kdir-kernel
# share; sourced, with $top set to the checkout.

# module_sources DEST: the files Kbuild builds the module from, copied to
# DEST.  tar keeps mtimes, so Kbuild rebuilds only what changed since the
# last copy.
module_sources() {
	mkdir -p "$1"
	tar -C "$top" -c --exclude=target Kbuild Makefile rust include scripts/kdir-prepare | tar -C "$1" -x
}

# build_log_clean LOG: the build in LOG printed no compiler or clippy
# warning (nor error); the suite treats any as fatal.
build_log_clean() {
	! grep -E -q '(^|[^a-z_])(warning|error)(\[[A-Za-z0-9_:]+\])?:' "$1"
}
