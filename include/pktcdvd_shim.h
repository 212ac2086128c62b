/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C ABI between pktcdvd-rs's Rust code and its small C shim.
 *
 * The shim holds the kernel objects that only C macros and static
 * initialisers can describe (the misc device with its node name, the sysfs
 * class and its attributes) and forwards every call into Rust, where the
 * logic lives.  rust/shim.rs declares the same functions for Rust; keep the
 * two in step.
 */
#ifndef _PKTCDVD_SHIM_H
#define _PKTCDVD_SHIM_H

#include <linux/types.h>

/* Size of struct pkt_ctrl_command, as Rust sees it: a plain byte array. */
#define PKTRS_CTRL_COMMAND_SIZE 24

/* ---- Implemented in C (rust/shim/pktcdvd_shim.c), called from Rust. ---- */

/* Registers /dev/pktcdvd/control (misc device "pktcdvd"). 0 or -errno. */
int pktrs_control_register(void);
void pktrs_control_unregister(void);

/* Registers the sysfs class "pktcdvd" with add, remove, device_map. */
int pktrs_class_register(void);
void pktrs_class_unregister(void);

/* ---- Implemented in Rust, called from C. ---- */

/*
 * One PACKET_CTRL_CMD: @cmd holds the caller's struct (kernel copy) and is
 * updated in place; *@copy_back says whether to copy it back to the caller.
 * Returns 0 or -errno.
 */
long pktrs_control_command(u8 cmd[PKTRS_CTRL_COMMAND_SIZE], bool *copy_back);

/* Writes to /sys/class/pktcdvd/{add,remove}: @count or -errno. */
ssize_t pktrs_class_add(const char *buf, size_t count);
ssize_t pktrs_class_remove(const char *buf, size_t count);

/* Reads of /sys/class/pktcdvd/device_map into @buf (PAGE_SIZE bytes). */
ssize_t pktrs_class_device_map(char *buf, size_t size);

#endif /* _PKTCDVD_SHIM_H */
