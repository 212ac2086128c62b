/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pktcdvd-rs: the userspace interface of the packet writing driver.
 *
 * Binary compatible with the interface of Linux's former C pktcdvd driver
 * (include/uapi/linux/pktcdvd.h up to 6.16), which udftools' pktsetup uses.
 */
#ifndef _UAPI__PKTCDVD_H
#define _UAPI__PKTCDVD_H

#include <linux/types.h>

/* Number of pktcdvd devices (slots) that can exist at once. */
#define PKT_MAX_WRITERS		8

/* Commands of struct pkt_ctrl_command.command. */
#define PKT_CTRL_CMD_SETUP	0	/* map .dev; answer .pkt_dev */
#define PKT_CTRL_CMD_TEARDOWN	1	/* unmap .pkt_dev */
#define PKT_CTRL_CMD_STATUS	2	/* report slot .dev_index */

/*
 * The argument of PACKET_CTRL_CMD on /dev/pktcdvd/control.  Device numbers
 * use the kernel's "new" 32-bit encoding (new_encode_dev), which equals
 * glibc's makedev() for major < 4096 and minor < 2^20.
 */
struct pkt_ctrl_command {
	__u32 command;		/* in: PKT_CTRL_CMD_* */
	__u32 dev_index;	/* in: slot, for STATUS */
	__u32 dev;		/* in: CD device (SETUP); out: (STATUS) */
	__u32 pkt_dev;		/* out: pktcdvd device (SETUP, STATUS); in: TEARDOWN */
	__u32 num_devices;	/* out: number of slots (STATUS) */
	__u32 padding;
};

#define PACKET_IOCTL_MAGIC	('X')
#define PACKET_CTRL_CMD		_IOWR(PACKET_IOCTL_MAGIC, 1, struct pkt_ctrl_command)

#endif /* _UAPI__PKTCDVD_H */
