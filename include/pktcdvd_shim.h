/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C ABI between pktcdvd-rs's Rust code and its small C shim.
 *
 * The shim holds what only C macros, inline functions and static
 * initialisers can express: the misc device with its node name, the sysfs
 * class and per-device attribute groups, the bio-based gendisk with its
 * block_device_operations, the cdrom layer's packet commands, debugfs.
 * Every callback forwards into Rust, where the logic lives.  rust/shim.rs
 * declares the same functions for Rust; keep the two in step.
 *
 * Conventions: functions that can fail return 0 or -errno; "void *pd" is
 * the Rust device, opaque to C; dev_t values are the kernel's internal
 * encoding (MKDEV).
 */
#ifndef _PKTCDVD_SHIM_H
#define _PKTCDVD_SHIM_H

#include <linux/types.h>

struct bio;
struct file;
struct gendisk;
struct device;
struct dentry;

/* Size of struct pkt_ctrl_command, as Rust sees it: a plain byte array. */
#define PKTRS_CTRL_COMMAND_SIZE 24

/* ==== Implemented in C (rust/shim/pktcdvd_shim.c), called from Rust ==== */

/* /dev/pktcdvd/control (misc device "pktcdvd"). */
int pktrs_control_register(void);
void pktrs_control_unregister(void);

/* The sysfs class "pktcdvd" with add, remove, device_map. */
int pktrs_class_register(void);
void pktrs_class_unregister(void);

/* The dynamic block major "pktcdvd" and the debugfs directory "pktcdvd":
 * 0 or -errno. */
int pktrs_blkdev_register(void);
void pktrs_blkdev_unregister(void);
u32 pktrs_blkdev_major(void);

/* A reference on this module, held by each mapping. */
bool pktrs_module_get(void);
void pktrs_module_put(void);

/* ---- The CD/DVD device under a mapping ---- */

/*
 * Opens block device @dev: read-only; with @ndelay no media checks (the
 * mapping's lasting handle), else a full cdrom open with door lock, claimed
 * exclusively by @holder (the handle held while the pkt device is open).
 */
int pktrs_cd_open(u32 dev, bool ndelay, void *holder, struct file **out);
void pktrs_cd_close(struct file *cd);
/* Whether the device is a CD/DVD drive of the cdrom layer (sr). */
bool pktrs_cd_is_cdrom(struct file *cd);
/* Whether the device is itself a pktcdvd device (chaining). */
bool pktrs_cd_is_pktcdvd(struct file *cd);
/* Its name ("sr0"), NUL-terminated, valid while @cd is open. */
const char *pktrs_cd_name(struct file *cd);
/* The last written frame of the disc (cdrom_get_last_written). */
int pktrs_cd_last_written(struct file *cd, u32 *last);
/* set_blocksize() on the handle. */
int pktrs_cd_set_blocksize(struct file *cd, int size);
/*
 * One MMC command through the cdrom layer (cdi->ops->generic_packet):
 * @cdb (12 bytes), @buf of @len bytes, @dir 0 none / 1 from the drive /
 * 2 to the drive.  On a CHECK CONDITION the sense key/ASC/ASCQ are put in
 * @sense[0..3].  @quiet suppresses the kernel's own error message.
 */
int pktrs_cd_mmc(struct file *cd, const u8 *cdb, void *buf, u32 len, int dir,
		 u32 timeout_ms, bool quiet, u8 *sense);
/*
 * SYNCHRONIZE CACHE sent to the drive's scsi_device directly, so that a unit
 * attention (the drive was reset or lost power: its cache is gone) fails the
 * flush instead of being retried away.  Returns 0, a positive SCSI result
 * with the sense key/ASC/ASCQ in @sense[0..3], -EOPNOTSUPP for a drive that
 * is not SCSI, or -ENODEV for one that is going away.
 */
int pktrs_cd_sync_cache(struct file *cd, u32 timeout_ms, u8 *sense);
/* The CD disk's own ioctl, as if called on it with @mode. */
int pktrs_cd_ioctl(struct file *cd, u32 mode, unsigned int cmd, unsigned long arg);
/* The CD disk's check_events. */
unsigned int pktrs_cd_check_events(struct file *cd, unsigned int clearing);
/* Whether the CD disk is gone (deleted: the drive was removed). */
bool pktrs_cd_is_gone(struct file *cd);

/* ---- Teardowns the driver decides on itself ---- */

/* The module's workqueue for them; destroying it waits for each to finish. */
int pktrs_teardowns_register(void);
void pktrs_teardowns_unregister(void);
/*
 * Calls pktrs_orphan_teardown(@pkt_dev) (Rust) from that workqueue: a
 * teardown cannot run in a block device's release, which holds the disk's
 * open mutex.  -ENOMEM if it cannot be queued.
 */
int pktrs_defer_teardown(u32 pkt_dev);
void pktrs_orphan_teardown(u32 pkt_dev);

/* ---- The pkt block device ---- */

/* A bio-based disk pktcdvd<@minor>, whose private data is @pd. */
int pktrs_disk_alloc(u32 minor, void *pd, struct gendisk **out);
/* add_disk() with the media events of the CD disk of @cd. */
int pktrs_disk_add(struct gendisk *disk, struct file *cd);
/* del_gendisk() and put_disk(): free_disk later drops @pd's reference. */
void pktrs_disk_remove(struct gendisk *disk);
/* put_disk() of a disk never added. */
void pktrs_disk_put(struct gendisk *disk);
void pktrs_disk_set_capacity(struct gendisk *disk, u64 sectors);
u32 pktrs_disk_devt(struct gendisk *disk);
const char *pktrs_disk_name(struct gendisk *disk);

/* Completes @bio with @error (0 or -errno); 0 keeps an error already set. */
void pktrs_bio_endio(struct bio *bio, int error);
/* Sends @bio, unchanged, to the CD device of @cd. */
void pktrs_bio_remap(struct bio *bio, struct file *cd);

/* Flags of a write bio as Rust sees them. */
#define PKTRS_BIO_PREFLUSH 1	/* the drive cache must be flushed first */
#define PKTRS_BIO_FUA 2		/* the data must be durable on completion */
#define PKTRS_BIO_AWAITED 4	/* REQ_SYNC and REQ_IDLE: its writer waits */

/* BIO operations as Rust sees them. */
#define PKTRS_BIO_READ 0
#define PKTRS_BIO_WRITE 1
#define PKTRS_BIO_FLUSH 2
#define PKTRS_BIO_OTHER 3
/* Open modes reach Rust as the raw blk_mode_t bits; the shim checks that
 * BLK_OPEN_WRITE is bit 1, as Rust assumes. */

/*
 * @bio must be completed once more before it ends (bio_inc_remaining): a
 * write spanning several zones is completed once per zone, with no bio
 * allocated; it ends with the last, failed if any of them failed.
 */
void pktrs_bio_share(struct bio *bio);

/* ---- Packet buffers: pages for one packet of up to 128 frames ---- */

struct pktrs_buf;
struct pktrs_buf *pktrs_buf_alloc(u32 frames);
void pktrs_buf_free(struct pktrs_buf *buf);
/*
 * Copies frames @skip..@skip+@frames of @bio's data into the buffer from
 * frame @first on (stopping at the buffer's end); @bio is not changed.
 */
void pktrs_buf_fill_from_bio(struct pktrs_buf *buf, u32 first, struct bio *bio, u32 skip,
			     u32 frames);
/*
 * Reads (@write false) or writes frames @first..@first+@count of the
 * buffer from or to the drive, at @zone_sector + 4 * @first, as one bio,
 * and waits for it.  0 or -errno.
 */
int pktrs_buf_io(struct pktrs_buf *buf, struct file *cd, u64 zone_sector, u32 first,
		 u32 count, bool write);
/*
 * Writes the @count whole buffers @bufs (of one packet size) to the
 * adjacent zones from @zone_sector on, in that order, as one bio, and
 * waits for it.  0 or -errno (-EINVAL for more than one bio can carry).
 */
int pktrs_bufs_write(struct pktrs_buf *const *bufs, u32 count, struct file *cd, u64 zone_sector);
/*
 * The most frames of packet buffers one bio to @cd's drive carries without
 * the block layer splitting it (its request size and segments).
 */
u32 pktrs_max_write_frames(struct file *cd);

/* ---- The worker thread ---- */

struct task_struct;
/* Starts a thread "name" (nice -20) running pktrs_worker_main(@pd) in a
 * NOIO allocation scope; NULL on failure. */
struct task_struct *pktrs_worker_start(void *pd, const char *name);
/* Asks it to stop and waits until it returned. */
void pktrs_worker_stop(struct task_struct *task);
bool pktrs_worker_should_stop(void);
/* jiffies now, and milliseconds in jiffies. */
unsigned long pktrs_jiffies(void);
unsigned long pktrs_ms_to_jiffies(u32 ms);

/* ---- Per-device sysfs (class device) and debugfs ---- */

/* /sys/class/pktcdvd/<name>/{stat,write_queue}/...; drvdata = @pd. */
int pktrs_class_device_create(void *pd, const char *name, struct device **out);
void pktrs_class_device_destroy(struct device *dev);
/* /sys/kernel/debug/pktcdvd/<name>/info, with data @pd; NULL if none. */
struct dentry *pktrs_debugfs_create(void *pd, const char *name);
void pktrs_debugfs_remove(struct dentry *dir);

/* Per-device attributes, as Rust numbers them. */
enum pktrs_attr {
	PKTRS_ATTR_PACKETS_STARTED,
	PKTRS_ATTR_PACKETS_FINISHED,
	PKTRS_ATTR_KB_WRITTEN,
	PKTRS_ATTR_KB_READ,
	PKTRS_ATTR_KB_READ_GATHER,
	PKTRS_ATTR_RESET,
	PKTRS_ATTR_SIZE,
	PKTRS_ATTR_CONGESTION_OFF,
	PKTRS_ATTR_CONGESTION_ON,
};

/* ==== Implemented in Rust, called from C ==== */

/*
 * One PACKET_CTRL_CMD: @cmd holds the caller's struct (kernel copy) and is
 * updated in place; *@copy_back says whether to copy it back to the caller.
 * Returns 0 or -errno.
 */
long pktrs_control_command(u8 cmd[PKTRS_CTRL_COMMAND_SIZE], bool *copy_back);

/* Writes to /sys/class/pktcdvd/{add,remove}: @count or -errno. */
ssize_t pktrs_class_add(const char *buf, size_t count);
ssize_t pktrs_class_remove(const char *buf, size_t count);
/* Reads of /sys/class/pktcdvd/device_map into @buf (@size bytes). */
ssize_t pktrs_class_device_map(char *buf, size_t size);

/* block_device_operations of the pkt disks.  @flags: PKTRS_BIO_*. */
void pktrs_submit_bio(void *pd, struct bio *bio, int op, u64 sector, u32 bytes, u32 flags);
int pktrs_open(void *pd, struct gendisk *disk, u32 mode);
void pktrs_release(void *pd);
int pktrs_ioctl(void *pd, u32 mode, unsigned int cmd, unsigned long arg);
/* The worker thread's body. */
void pktrs_worker_main(void *pd);
/* The disk is gone: drop the reference its private data held. */
void pktrs_free_disk(void *pd);
/* Media events of the disk: those of the CD disk under it. */
unsigned int pktrs_check_events(void *pd, unsigned int clearing);

/* Per-device attributes: text into @buf (PAGE_SIZE), or -errno. */
ssize_t pktrs_attr_show(void *pd, int attr, char *buf, size_t size);
ssize_t pktrs_attr_store(void *pd, int attr, const char *buf, size_t count);
/* debugfs info text into @buf of @size bytes; its length. */
size_t pktrs_info(void *pd, char *buf, size_t size);

#endif /* _PKTCDVD_SHIM_H */
