# SPDX-License-Identifier: GPL-2.0
#
# pktcdvd-rs: packet writing for rewritable optical media, in Rust.
#
#   make                     build pktcdvd.ko against KDIR (your running kernel
#                            by default; it must have CONFIG_RUST=y and the
#                            very rustc that built it; Rust artifacts that
#                            the headers lack are made once from the
#                            kernel's source package: scripts/kdir-prepare)
#   make CLIPPY=1            the same, linted with clippy
#   make check               host tests, then the module built against a
#                            Debian kernel and tested under QEMU (KERNEL=bpo|sid;
#                            KERNEL=debug: a kernel built here with lockdep,
#                            KASAN and kmemleak, 20-40 minutes once;
#                            KERNEL=next: the newest kernel Debian has)
#   make check KDIR=TREE     the same on your own built kernel tree: its
#                            bzImage and modules (staged, not installed);
#                            also make qemu-test/shell KDIR=TREE
#   make demo                boot that kernel in QEMU and show the module working
#   make bench               the C driver of Linux 6.12 and this one, side by
#                            side on the same emulated drive (not a test);
#                            make bench-quick: a smoke run of it
#   make qemu-test TEST=x    run one guest test (tests/guest/x.sh)
#   make shell               a guest console with the module loaded, emulated
#                            drives (DRIVES="cdrw dvd+rw"; cdrw by default),
#                            the tools and the checkout at /src; Ctrl-A X
#                            leaves (Documentation/testing.rst)
#   make env                 prepare the cached kernel environment only
#   make clean
#
# Installing (after `make`, and `make tools` for pktctl; as root):
#   make install             the module (modules_install + depmod); pktctl,
#                            its man pages and bash completion, the udev
#                            rules if pktctl was built
#   make uninstall           all of that removed again
#   make dkms-install        the module through DKMS instead: rebuilt on
#                            every kernel upgrade (make dkms-uninstall)
#   make tools               build pktctl (cargo)
#   make deb                 Debian packages pktcdvd-rs-dkms and pktctl in
#                            build/deb/ (DEB_OUT=DIR): dpkg-buildpackage in a
#                            copy of the tree; needs build-essential,
#                            debhelper, dh-dkms, cargo and crates.io
# Variables: DESTDIR, PREFIX (/usr/local), UDEVDIR (/usr/lib/udev), KDIR.

KDIR ?= /lib/modules/$(shell uname -r)/build
KERNEL ?= bpo
export KERNEL
# RUSTC=/path/to/rustc picks the compiler; by default scripts/kdir-prepare
# looks for the one that built the kernel.
ifdef RUSTC
export RUSTC
endif

.PHONY: all modules clean check host-test env module-env qemu-test shell demo \
	bench bench-quick tools install install-module install-tools install-udev uninstall \
	dkms-install dkms-uninstall

all: modules

# A kernel built with clang and lld (needed for KASAN with Rust) wants its
# modules built, installed and cleaned the same way.
KDIR_LLVM = $(if $(shell grep -s '^CONFIG_LD_IS_LLD=y' $(KDIR)/.config),LLVM=1)

# scripts/kdir-prepare checks the kernel (CONFIG_RUST, the rustc that built
# it: Rust symbol names embed a hash of the compiler's build) and, where the
# headers lack the Rust build artifacts (Debian's do), makes them once from
# the kernel's source package into a cache; it prints the make arguments
# that build against the result, or one message naming what to install.
modules:
	@args=$$(scripts/kdir-prepare '$(KDIR)') && \
	echo "make $$args M=$(CURDIR) modules" && \
	$(MAKE) $$args M=$(CURDIR) $(if $(CLIPPY),CLIPPY=1) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KDIR_LLVM) clean 2>/dev/null || true
	rm -rf build

# ---- Installing ----

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UDEVDIR ?= /usr/lib/udev
CARGO ?= cargo
VERSION = $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' $(CURDIR)/dkms.conf)
KRELEASE ?= $(or $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null),$(shell uname -r))
PKTCTL := userspace/target/release/pktctl

tools:
	cd userspace && $(CARGO) build --release -p pktctl

# The module always; pktctl, its pages and the udev rules (which run
# pktctl) when it is built (make tools, which needs cargo).
install: install-module
	@if [ -x $(PKTCTL) ]; then $(MAKE) --no-print-directory install-tools install-udev; \
	else echo "make install: pktctl is not built (make tools): only the module was installed."; fi

# Kbuild's modules_install puts the module in updates/ (compressed and
# signed as the kernel's configuration says) and runs depmod.
install-module:
	@test -f pktcdvd.ko || { echo "make install: pktcdvd.ko is not built: run 'make' first, then 'make install' as root."; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KDIR_LLVM) $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(if $(DESTDIR),,depmod -a $(KRELEASE))

install-tools:
	@test -x $(PKTCTL) || { echo "make install: pktctl is not built: run 'make tools' first."; exit 1; }
	install -D -m 0755 $(PKTCTL) $(DESTDIR)$(SBINDIR)/pktctl
	@tmp=$$(mktemp -d) && \
	$(PKTCTL) generate man $$tmp/man >/dev/null && \
	$(PKTCTL) generate bash $$tmp >/dev/null && \
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) && \
	install -m 0644 $$tmp/man/*.1 $(DESTDIR)$(MANDIR)/man1/ && \
	install -m 0644 $$tmp/pktctl.bash $(DESTDIR)$(BASHCOMPDIR)/pktctl && \
	rm -rf $$tmp

# udftools' 80-pktsetup.rules is masked (a same-named link to /dev/null in
# /etc): it would undo our mappings of BD-RE discs.
install-udev:
	install -d $(DESTDIR)$(UDEVDIR)/rules.d $(DESTDIR)/etc/udev/rules.d
	sed 's|@SBINDIR@|$(SBINDIR)|g' userspace/udev/80-pktcdvd.rules >$(DESTDIR)$(UDEVDIR)/rules.d/80-pktcdvd.rules
	chmod 0644 $(DESTDIR)$(UDEVDIR)/rules.d/80-pktcdvd.rules
	test -e $(DESTDIR)/etc/udev/rules.d/80-pktsetup.rules || ln -s /dev/null $(DESTDIR)/etc/udev/rules.d/80-pktsetup.rules
	$(if $(DESTDIR),,-udevadm control --reload 2>/dev/null)

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KRELEASE)/updates/pktcdvd.ko*
	rm -f $(DESTDIR)/usr/lib/modules/$(KRELEASE)/updates/pktcdvd.ko*
	$(if $(DESTDIR),,depmod -a $(KRELEASE))
	rm -f $(DESTDIR)$(SBINDIR)/pktctl $(DESTDIR)$(BASHCOMPDIR)/pktctl
	rm -f $(DESTDIR)$(MANDIR)/man1/pktctl.1 $(DESTDIR)$(MANDIR)/man1/pktctl-*.1
	rm -f $(DESTDIR)$(UDEVDIR)/rules.d/80-pktcdvd.rules
	if [ "$$(readlink $(DESTDIR)/etc/udev/rules.d/80-pktsetup.rules)" = /dev/null ]; then \
		rm -f $(DESTDIR)/etc/udev/rules.d/80-pktsetup.rules; fi
	$(if $(DESTDIR),,-udevadm control --reload 2>/dev/null)

# DKMS builds the module from /usr/src/pktcdvd-rs-VERSION for each kernel,
# now and on every kernel upgrade.  Rust modules need the rustc that built
# the kernel: on Debian, the distribution's rustc package.
DKMS_SRC = $(DESTDIR)/usr/src/pktcdvd-rs-$(VERSION)
dkms-install:
	rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)
	tar -c --exclude=target Kbuild Makefile dkms.conf rust include scripts/kdir-prepare | tar -C $(DKMS_SRC) -x
	dkms add -m pktcdvd-rs -v $(VERSION)
	dkms install -m pktcdvd-rs -v $(VERSION) -k $(KRELEASE)

dkms-uninstall:
	-dkms remove -m pktcdvd-rs -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

# Debian packages (debian/): built in a temporary copy of the tree, so that
# the checkout gets none of dpkg-buildpackage's files.  The copy is what git
# would commit (tracked and untracked files, not the ignored build outputs),
# or without git the tree without .git, build/ and target/ directories.
DEB_OUT ?= build/deb
# The module's build outputs (as in .gitignore).
DEB_BUILD_OUTPUTS = $(foreach p,*.o *.ko *.mod *.mod.c *.cmd *.rmeta *.d modules.order Module.symvers .tmp_versions,--exclude='$(p)')
.PHONY: deb
deb:
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || { \
		echo "make deb: needs dpkg-buildpackage and debhelper:"; \
		echo "  apt install build-essential debhelper dh-dkms cargo"; exit 1; }
	@set -e; out='$(abspath $(DEB_OUT))'; \
	tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/pktcdvd-deb.XXXXXX"); \
	trap 'rm -rf "$$tmp"' EXIT; \
	mkdir "$$tmp/pktcdvd-rs"; \
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard | \
			tar -c --null -T - --ignore-failed-read; \
	else \
		tar -c --exclude-vcs --exclude=./build --exclude=target $(DEB_BUILD_OUTPUTS) .; \
	fi | tar -C "$$tmp/pktcdvd-rs" -x; \
	(cd "$$tmp/pktcdvd-rs" && dpkg-buildpackage -us -uc -b); \
	mkdir -p "$$out"; \
	for f in "$$tmp"/*.deb "$$tmp"/*.ddeb "$$tmp"/*.changes "$$tmp"/*.buildinfo; do \
		[ ! -e "$$f" ] || cp "$$f" "$$out/"; done; \
	echo "make deb: packages in $$out:"; ls -1 "$$out"

# ---- Tests and the QEMU harness (need root and a Debian-family host) ----

# KDIR given (on the command line or in the environment): the tests run on
# that kernel tree, its bzImage and modules (KERNEL=kdir, scripts/kdir-kernel).
# (KERNEL=next, the newest kernel Debian has, the scripts resolve: today it
# may be KERNEL=bpo or KERNEL=sid.)
ifneq ($(filter command line environment,$(origin KDIR)),)
TEST_KERNEL := kdir
export KDIR
else
TEST_KERNEL := $(KERNEL)
endif

check:
	KERNEL=$(TEST_KERNEL) scripts/check

host-test:
	scripts/check --host-only

env:
	scripts/kernel-env --kernel $(TEST_KERNEL) ensure

module-env:
	scripts/build-module --kernel $(TEST_KERNEL)

qemu-test: module-env
	scripts/qemu-run --kernel $(TEST_KERNEL) $(or $(TEST),$(notdir $(basename $(wildcard tests/guest/*.sh))))

# DRIVES: the shell's emulated drives, mmc-drive presets (MEDIUM[:BLOCKS]).
DRIVES ?= cdrw
shell: module-env
	scripts/qemu-run --kernel $(TEST_KERNEL) --shell $(foreach d,$(DRIVES),--drive $(d))

demo:
	scripts/demo

# BENCH_ARGS: scripts/bench's options (--media, --workloads, --drivers,
# --pace F).
bench:
	scripts/bench $(BENCH_ARGS)

bench-quick:
	scripts/bench --quick
