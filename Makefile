# SPDX-License-Identifier: GPL-2.0
#
# pktcdvd-rs: packet writing for rewritable optical media, in Rust.
#
#   make                     build pktcdvd.ko against KDIR (your running kernel
#                            by default; it must have CONFIG_RUST=y, its Rust
#                            artifacts, and the very rustc that built it)
#   make CLIPPY=1            the same, linted with clippy
#   make check               host tests, then the module built against a
#                            Debian kernel and tested under QEMU (KERNEL=bpo|sid)
#   make demo                boot that kernel in QEMU and show the module working
#   make qemu-test TEST=x    run one guest test (tests/guest/x.sh)
#   make env                 prepare the cached kernel environment only
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
KERNEL ?= bpo
RUSTC ?= rustc
export KERNEL

.PHONY: all modules rustc-check clean check host-test env module-env qemu-test demo

all: modules

# Out-of-tree Rust modules must be built by the exact rustc that built the
# kernel: Rust symbol names embed a hash of the compiler build.
KDIR_RUSTC = $(shell sed -n 's/^CONFIG_RUSTC_VERSION_TEXT="\(.*\)"$$/\1/p' $(KDIR)/.config 2>/dev/null)
HOST_RUSTC = $(shell $(RUSTC) --version 2>/dev/null)

rustc-check:
	@if [ ! -f "$(KDIR)/.config" ]; then \
		echo "error: KDIR=$(KDIR) is not a configured kernel tree (no .config)."; \
		echo "       Pass KDIR=/path/to/kernel/build, or run 'make check' for the Debian test kernels."; \
		exit 1; fi
	@if [ -z '$(KDIR_RUSTC)' ]; then \
		echo "error: KDIR=$(KDIR) was not built with Rust (no CONFIG_RUSTC_VERSION_TEXT)."; exit 1; fi
	@if [ '$(KDIR_RUSTC)' != '$(HOST_RUSTC)' ]; then \
		echo "error: rustc mismatch."; \
		echo "  the kernel in $(KDIR) was built with: $(KDIR_RUSTC)"; \
		echo "  but '$(RUSTC) --version' says:        $(or $(HOST_RUSTC),nothing (no rustc found))"; \
		echo "  Build with the same rustc (RUSTC=/path/to/rustc), or use 'make check'."; \
		exit 1; fi

modules: rustc-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(CLIPPY),CLIPPY=1) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf build

# ---- Tests and the QEMU harness (need root and a Debian-family host) ----

check:
	scripts/check

host-test:
	scripts/check --host-only

env:
	scripts/kernel-env --kernel $(KERNEL) ensure

module-env:
	scripts/build-module --kernel $(KERNEL)

qemu-test: module-env
	scripts/qemu-run --kernel $(KERNEL) $(or $(TEST),$(notdir $(basename $(wildcard tests/guest/*.sh))))

demo:
	scripts/demo
