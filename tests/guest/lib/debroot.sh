# SPDX-License-Identifier: GPL-2.0
#
# For tests with "# pkttest-debroot: yes": the kernel environment's Debian
# root, shared read-only by qemu-run over 9p, becomes a writable system at
# /deb (an overlay on tmpfs): the same kernel's modules and headers, make,
# dkms, systemd-udevd and the distribution's udev rules.  The checkout is at
# /deb/src (read-only).  deb CMD... runs CMD chrooted there.

DEB=/deb/root

debroot_up() {
	modprobe -a 9pnet_virtio 9p overlay || return 1
	mkdir -p /deb/lower /deb/rw /deb/src "$DEB"
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=524288 debroot /deb/lower || return 1
	mount -t tmpfs tmpfs /deb/rw
	mkdir -p /deb/rw/upper /deb/rw/work
	mount -t overlay overlay -o lowerdir=/deb/lower,upperdir=/deb/rw/upper,workdir=/deb/rw/work "$DEB" || return 1
	mount -t proc proc "$DEB/proc"
	mount -t sysfs sysfs "$DEB/sys"
	mount --rbind /dev "$DEB/dev"
	mount -t tmpfs tmpfs "$DEB/run"
	mount -t tmpfs tmpfs "$DEB/tmp"
	mkdir -p "$DEB/src"
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=524288 src "$DEB/src" || return 1
	if grep -q 'pkttest_kernel=kdir' /proc/cmdline; then debroot_kdir_up || return 1; fi
}

# KERNEL=kdir: the root holds bpo's kernel, not the developer's.  Their
# tree's modules, staged by scripts/kdir-kernel, are installed in the root
# as a kernel package would put them, and the tree their "build" link names
# is shared (qemu-run's tag "kdirtree") at that same path, read-only: make
# install and DKMS find /lib/modules/$(uname -r)/build as on the
# developer's machine.
debroot_kdir_up() {
	local krel staged tree
	krel=$(uname -r)
	for staged in "$DEB/src/build/kdir/staging/lib/modules/$krel" "$DEB/src/build/kdir/staging/usr/lib/modules/$krel"; do
		[ -d "$staged" ] && break
	done
	[ -d "$staged" ] || { echo "debroot: no staged modules for $krel in build/kdir/staging" >&2; return 1; }
	cp -a "$staged" "$DEB/lib/modules/" || return 1
	tree=$(readlink "$staged/build") || { echo "debroot: $staged/build is no link to the tree" >&2; return 1; }
	mkdir -p "$DEB$tree"
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=524288 kdirtree "$DEB$tree" || return 1
}

deb() {
	# SYSTEMD_IGNORE_CHROOT: udevadm ignores trigger, settle and control
	# requests when it finds itself in a chroot.
	chroot "$DEB" /usr/bin/env -i HOME=/root LANG=C.UTF-8 SYSTEMD_IGNORE_CHROOT=1 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# Starts the root's systemd-udevd (as an initramfs or a container would)
# and replays the events of the devices present.  UDEVD_RESOLVE_NAMES=early
# makes it apply the rules' GROUP= and OWNER= names, as a booted system does.
udevd_up() {
	deb /usr/lib/systemd/systemd-udevd --debug --resolve-names=${UDEVD_RESOLVE_NAMES:-never} >/tmp/udevd.log 2>&1 &
	UDEVD_PID=$!
	for _ in $(seq 100); do [ -S "$DEB/run/udev/control" ] && break; sleep 0.1; done
	deb udevadm trigger --type=subsystems --action=add
	deb udevadm trigger --type=devices --action=add
	deb udevadm settle --timeout=$((60 * ${PKTTEST_SCALE:-1}))
}

udevd_down() {
	deb udevadm control --exit 2>/dev/null
	wait "$UDEVD_PID" 2>/dev/null
}

# debroot_install [--with-pktctl]: the checkout as a user has it after
# `make` (and `make tools` with --with-pktctl: pktctl is built, so `make
# install` adds it and its udev rules), copied to /root/pktcdvd-rs of the
# root, then `make install` there.  Prints make's output; its exit code is
# make's.
debroot_install() {
	local kernel co=$DEB/root/pktcdvd-rs
	kernel=$(sed -n 's/.*pkttest_kernel=\([a-z]*\).*/\1/p' /proc/cmdline)
	mkdir -p "$co"
	deb sh -c 'cd /src && tar -c --exclude=./build --exclude=target . | tar -C /root/pktcdvd-rs -x'
	cp "$DEB/src/build/$kernel/module/pktcdvd.ko" "$DEB/src/build/$kernel/module/modules.order" "$co/"
	if [ "${1:-}" = --with-pktctl ]; then
		mkdir -p "$co/userspace/target/release"
		cp "$DEB/src/userspace/target/release/pktctl" "$co/userspace/target/release/"
	fi
	deb make -C /root/pktcdvd-rs install KDIR="/lib/modules/$(uname -r)/build" 2>&1
}
