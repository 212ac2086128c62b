// SPDX-License-Identifier: GPL-2.0
/*
 * pktcdvd-rs C shim: the kernel objects that only C macros, inline
 * functions and static initialisers describe, each callback forwarding
 * into Rust.  No driver logic lives here.  See include/pktcdvd_shim.h.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/cdrom.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/sched/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/uaccess.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_eh.h>
#include <scsi/scsi_proto.h>
#include <uapi/linux/pktcdvd.h>
#include <pktcdvd_shim.h>

static_assert(sizeof(struct pkt_ctrl_command) == PKTRS_CTRL_COMMAND_SIZE);
/* Rust reads the open mode's write bit as bit 1. */
static_assert((__force u32)BLK_OPEN_WRITE == 2);

/* Largest bio the pkt disk takes: 128 frames, the largest packet. */
#define PKT_MAX_SECTORS 512
#define PKT_FRAME_SIZE 2048

/* ---- /dev/pktcdvd/control ---- */

static long pkt_control_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	u8 raw[PKTRS_CTRL_COMMAND_SIZE];
	bool copy_back = false;
	long ret;

	if (cmd != PACKET_CTRL_CMD)
		return -ENOTTY;
	if (copy_from_user(raw, argp, sizeof(raw)))
		return -EFAULT;
	ret = pktrs_control_command(raw, &copy_back);
	if (copy_back && copy_to_user(argp, raw, sizeof(raw)))
		return -EFAULT;
	return ret;
}

static const struct file_operations pkt_control_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= pkt_control_ioctl,
	/* The struct is all __u32: the same layout for 32-bit callers. */
	.compat_ioctl	= compat_ptr_ioctl,
};

/*
 * A fixed minor, unassigned in Documentation/admin-guide/devices.txt, so
 * that the module can be loaded on demand: depmod turns the module's
 * "devname:pktcdvd/control" and "char-major-10-110" aliases into a static
 * node (kmod static-nodes), and opening it makes misc_open() ask for the
 * module.  If another driver has taken the minor, a dynamic one is used
 * (pktsetup finds it in /proc/misc either way).
 */
#define PKTRS_CONTROL_MINOR	110

static struct miscdevice pkt_control_misc = {
	.minor		= PKTRS_CONTROL_MINOR,
	.name		= "pktcdvd",		/* what pktsetup looks up in /proc/misc */
	.nodename	= "pktcdvd/control",
	.fops		= &pkt_control_fops,
};

int pktrs_control_register(void)
{
	int ret = misc_register(&pkt_control_misc);

	if (ret == -EBUSY) {
		pr_info("pktcdvd: misc minor %d is taken, using a dynamic one: no on-demand loading\n",
			PKTRS_CONTROL_MINOR);
		pkt_control_misc.minor = MISC_DYNAMIC_MINOR;
		ret = misc_register(&pkt_control_misc);
	}
	return ret;
}

void pktrs_control_unregister(void)
{
	misc_deregister(&pkt_control_misc);
}

/* ---- /sys/class/pktcdvd ---- */

static ssize_t add_store(const struct class *c, const struct class_attribute *attr,
			 const char *buf, size_t count)
{
	return pktrs_class_add(buf, count);
}
static CLASS_ATTR_WO(add);

static ssize_t remove_store(const struct class *c, const struct class_attribute *attr,
			    const char *buf, size_t count)
{
	return pktrs_class_remove(buf, count);
}
static CLASS_ATTR_WO(remove);

static ssize_t device_map_show(const struct class *c, const struct class_attribute *attr,
			       char *buf)
{
	return pktrs_class_device_map(buf, PAGE_SIZE);
}
static CLASS_ATTR_RO(device_map);

static struct attribute *pkt_class_attrs[] = {
	&class_attr_add.attr,
	&class_attr_remove.attr,
	&class_attr_device_map.attr,
	NULL,
};
ATTRIBUTE_GROUPS(pkt_class);

static const struct class pkt_class = {
	.name		= "pktcdvd",
	.class_groups	= pkt_class_groups,
};

int pktrs_class_register(void)
{
	return class_register(&pkt_class);
}

void pktrs_class_unregister(void)
{
	class_unregister(&pkt_class);
}

/* ---- Per-device attributes: stat/ and write_queue/ ---- */

struct pkt_attr {
	struct device_attribute attr;
	int id;
};

static ssize_t pkt_attr_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return pktrs_attr_show(dev_get_drvdata(dev), container_of(attr, struct pkt_attr, attr)->id,
			       buf, PAGE_SIZE);
}

static ssize_t pkt_attr_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t count)
{
	return pktrs_attr_store(dev_get_drvdata(dev), container_of(attr, struct pkt_attr, attr)->id,
				buf, count);
}

#define PKT_ATTR(_name, _mode, _id)						\
	static struct pkt_attr pkt_attr_##_name = {				\
		.attr = __ATTR(_name, _mode, pkt_attr_show, pkt_attr_store),	\
		.id = _id,							\
	}

PKT_ATTR(packets_started, 0444, PKTRS_ATTR_PACKETS_STARTED);
PKT_ATTR(packets_finished, 0444, PKTRS_ATTR_PACKETS_FINISHED);
PKT_ATTR(kb_written, 0444, PKTRS_ATTR_KB_WRITTEN);
PKT_ATTR(kb_read, 0444, PKTRS_ATTR_KB_READ);
PKT_ATTR(kb_read_gather, 0444, PKTRS_ATTR_KB_READ_GATHER);
PKT_ATTR(reset, 0200, PKTRS_ATTR_RESET);
PKT_ATTR(size, 0444, PKTRS_ATTR_SIZE);
PKT_ATTR(congestion_off, 0644, PKTRS_ATTR_CONGESTION_OFF);
PKT_ATTR(congestion_on, 0644, PKTRS_ATTR_CONGESTION_ON);

static struct attribute *pkt_stat_attrs[] = {
	&pkt_attr_packets_started.attr.attr,
	&pkt_attr_packets_finished.attr.attr,
	&pkt_attr_kb_written.attr.attr,
	&pkt_attr_kb_read.attr.attr,
	&pkt_attr_kb_read_gather.attr.attr,
	&pkt_attr_reset.attr.attr,
	NULL,
};

static const struct attribute_group pkt_stat_group = {
	.name = "stat",
	.attrs = pkt_stat_attrs,
};

static struct attribute *pkt_wq_attrs[] = {
	&pkt_attr_size.attr.attr,
	&pkt_attr_congestion_off.attr.attr,
	&pkt_attr_congestion_on.attr.attr,
	NULL,
};

static const struct attribute_group pkt_wq_group = {
	.name = "write_queue",
	.attrs = pkt_wq_attrs,
};

static const struct attribute_group *pkt_dev_groups[] = {
	&pkt_stat_group,
	&pkt_wq_group,
	NULL,
};

int pktrs_class_device_create(void *pd, const char *name, struct device **out)
{
	struct device *dev = device_create_with_groups(&pkt_class, NULL, MKDEV(0, 0), pd,
						       pkt_dev_groups, "%s", name);

	if (IS_ERR(dev))
		return PTR_ERR(dev);
	*out = dev;
	return 0;
}

void pktrs_class_device_destroy(struct device *dev)
{
	/* Removes the attributes, waiting for show/store calls in progress. */
	device_unregister(dev);
}

/* ---- debugfs: pktcdvd/<name>/info ---- */

static struct dentry *pkt_debugfs_root;

static int pkt_info_show(struct seq_file *m, void *unused)
{
	char *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	seq_write(m, buf, pktrs_info(m->private, buf, PAGE_SIZE));
	kfree(buf);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pkt_info);

struct dentry *pktrs_debugfs_create(void *pd, const char *name)
{
	struct dentry *dir = debugfs_create_dir(name, pkt_debugfs_root);

	debugfs_create_file("info", 0444, dir, pd, &pkt_info_fops);
	return dir;
}

void pktrs_debugfs_remove(struct dentry *dir)
{
	/* Waits for reads of "info" in progress. */
	debugfs_remove(dir);
}

/* ---- The block major, the module reference ---- */

static int pkt_major;

int pktrs_blkdev_register(void)
{
	int ret = register_blkdev(0, "pktcdvd");

	if (ret < 0)
		return ret;
	pkt_major = ret;
	pkt_debugfs_root = debugfs_create_dir("pktcdvd", NULL);
	return 0;
}

void pktrs_blkdev_unregister(void)
{
	debugfs_remove(pkt_debugfs_root);
	unregister_blkdev(pkt_major, "pktcdvd");
}

u32 pktrs_blkdev_major(void)
{
	return pkt_major;
}

bool pktrs_module_get(void)
{
	return try_module_get(THIS_MODULE);
}

void pktrs_module_put(void)
{
	module_put(THIS_MODULE);
}

/* ---- The CD/DVD device under a mapping ---- */

static const struct block_device_operations pkt_fops;

int pktrs_cd_open(u32 dev, bool ndelay, void *holder, struct file **out)
{
	blk_mode_t mode = BLK_OPEN_READ | (ndelay ? BLK_OPEN_NDELAY : 0);
	struct file *f = bdev_file_open_by_dev(dev, mode, ndelay ? NULL : holder, NULL);

	if (IS_ERR(f))
		return PTR_ERR(f);
	*out = f;
	return 0;
}

void pktrs_cd_close(struct file *cd)
{
	bdev_fput(cd);
}

static struct cdrom_device_info *pkt_cdi(struct file *cd)
{
	return disk_to_cdi(file_bdev(cd)->bd_disk);
}

/*
 * SYNCHRONIZE CACHE, sent without sr's ioctl path: sr_do_ioctl retries a
 * command that meets a unit attention, so a flush right after the drive
 * was reset or lost power (6/29/00: its write cache is gone) would report
 * success for data the drive lost.  Here the unit attention fails the
 * flush; the drive's "changed" mark is set, as sr does, for media events.
 */
int pktrs_cd_sync_cache(struct file *cd, u32 timeout_ms, u8 *sense)
{
	struct device *parent = disk_to_dev(file_bdev(cd)->bd_disk)->parent;
	struct scsi_sense_hdr sshdr = {};
	const struct scsi_exec_args args = { .sshdr = &sshdr };
	u8 cdb[10] = { SYNCHRONIZE_CACHE };
	struct scsi_device *sdev;
	int ret;

	/* Not a SCSI drive (sr's disk hangs below its scsi_device). */
	if (!parent || !scsi_is_sdev_device(parent))
		return -EOPNOTSUPP;
	sdev = to_scsi_device(parent);
	if (scsi_device_get(sdev))
		return -ENODEV;
	if (!scsi_block_when_processing_errors(sdev)) {
		ret = -ENODEV;
	} else {
		ret = scsi_execute_cmd(sdev, cdb, REQ_OP_DRV_IN, NULL, 0,
				       msecs_to_jiffies(timeout_ms), 3, &args);
		if (ret > 0 && scsi_sense_valid(&sshdr) && sshdr.sense_key == UNIT_ATTENTION)
			sdev->changed = 1;
	}
	sense[0] = sshdr.sense_key;
	sense[1] = sshdr.asc;
	sense[2] = sshdr.ascq;
	scsi_device_put(sdev);
	return ret;
}

bool pktrs_cd_is_gone(struct file *cd)
{
	return !disk_live(file_bdev(cd)->bd_disk);
}

/* ---- Teardowns the driver decides on itself ---- */

static struct workqueue_struct *pkt_teardown_wq;

struct pkt_teardown {
	struct work_struct work;
	u32 pkt_dev;
};

static void pkt_teardown_fn(struct work_struct *work)
{
	struct pkt_teardown *t = container_of(work, struct pkt_teardown, work);

	pktrs_orphan_teardown(t->pkt_dev);
	kfree(t);
}

int pktrs_teardowns_register(void)
{
	pkt_teardown_wq = alloc_workqueue("pktcdvd_teardown", WQ_UNBOUND, 1);
	return pkt_teardown_wq ? 0 : -ENOMEM;
}

void pktrs_teardowns_unregister(void)
{
	destroy_workqueue(pkt_teardown_wq);
	pkt_teardown_wq = NULL;
}

int pktrs_defer_teardown(u32 pkt_dev)
{
	struct pkt_teardown *t = kmalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	INIT_WORK(&t->work, pkt_teardown_fn);
	t->pkt_dev = pkt_dev;
	queue_work(pkt_teardown_wq, &t->work);
	return 0;
}

bool pktrs_cd_is_cdrom(struct file *cd)
{
	return pkt_cdi(cd) != NULL;
}

bool pktrs_cd_is_pktcdvd(struct file *cd)
{
	return file_bdev(cd)->bd_disk->fops == &pkt_fops;
}

const char *pktrs_cd_name(struct file *cd)
{
	return file_bdev(cd)->bd_disk->disk_name;
}

int pktrs_cd_last_written(struct file *cd, u32 *last)
{
	struct cdrom_device_info *cdi = pkt_cdi(cd);
	long lw = 0;
	int ret;

	if (!cdi)
		return -ENOTTY;
	ret = cdrom_get_last_written(cdi, &lw);
	if (ret)
		return ret < 0 ? ret : -EIO;
	if (lw < 0 || lw > U32_MAX)
		return -EIO;
	*last = lw;
	return 0;
}

int pktrs_cd_set_blocksize(struct file *cd, int size)
{
	return set_blocksize(cd, size);
}

int pktrs_cd_mmc(struct file *cd, const u8 *cdb, void *buf, u32 len, int dir,
		 u32 timeout_ms, bool quiet, u8 *sense)
{
	struct cdrom_device_info *cdi = pkt_cdi(cd);
	struct scsi_sense_hdr sshdr = {};
	struct packet_command cgc;
	void *kbuf = NULL;
	int ret;

	if (!cdi || !cdi->ops->generic_packet)
		return -ENOTTY;
	if (len) {
		/* A buffer the SCSI layer can map, never the caller's stack. */
		kbuf = kzalloc(len, GFP_NOIO);
		if (!kbuf)
			return -ENOMEM;
	}
	/* This zeroes the buffer: copy data-out in only afterwards. */
	init_cdrom_command(&cgc, kbuf, len,
			   dir == 1 ? CGC_DATA_READ : dir == 2 ? CGC_DATA_WRITE : CGC_DATA_NONE);
	if (dir == 2 && len)
		memcpy(kbuf, buf, len);
	memcpy(cgc.cmd, cdb, CDROM_PACKET_SIZE);
	cgc.sshdr = &sshdr;
	cgc.quiet = quiet;
	cgc.timeout = msecs_to_jiffies(timeout_ms);
	ret = cdi->ops->generic_packet(cdi, &cgc);
	if (dir == 1 && !ret)
		memcpy(buf, kbuf, len);
	if (sense) {
		sense[0] = sshdr.sense_key;
		sense[1] = sshdr.asc;
		sense[2] = sshdr.ascq;
	}
	kfree(kbuf);
	return ret;
}

int pktrs_cd_ioctl(struct file *cd, u32 mode, unsigned int cmd, unsigned long arg)
{
	struct block_device *bdev = file_bdev(cd);

	if (!bdev->bd_disk->fops->ioctl)
		return -ENOTTY;
	return bdev->bd_disk->fops->ioctl(bdev, (__force blk_mode_t)mode, cmd, arg);
}

unsigned int pktrs_cd_check_events(struct file *cd, unsigned int clearing)
{
	struct gendisk *disk = file_bdev(cd)->bd_disk;

	if (!disk->fops->check_events)
		return 0;
	return disk->fops->check_events(disk, clearing);
}

/* ---- The pkt block device ---- */

static void pkt_submit_bio(struct bio *bio)
{
	void *pd = bio->bi_bdev->bd_disk->private_data;
	unsigned int noio;
	u32 flags = 0;
	int op;

	bio = bio_split_to_limits(bio);
	if (!bio)
		return;
	if (bio->bi_opf & REQ_PREFLUSH)
		flags |= PKTRS_BIO_PREFLUSH;
	if (bio->bi_opf & REQ_FUA)
		flags |= PKTRS_BIO_FUA;
	/* A synchronous direct write (block/fops.c, fs/direct-io.c and
	 * iomap set both); writeback, even WB_SYNC_ALL, sets no REQ_IDLE. */
	if ((bio->bi_opf & (REQ_SYNC | REQ_IDLE)) == (REQ_SYNC | REQ_IDLE))
		flags |= PKTRS_BIO_AWAITED;
	switch (bio_op(bio)) {
	case REQ_OP_READ:
		op = PKTRS_BIO_READ;
		break;
	case REQ_OP_WRITE:
		op = PKTRS_BIO_WRITE;
		break;
	case REQ_OP_FLUSH:
		op = PKTRS_BIO_FLUSH;
		break;
	default:
		op = PKTRS_BIO_OTHER;
		break;
	}
	/* Nothing allocated on the way may wait for I/O: it could be ours. */
	noio = memalloc_noio_save();
	pktrs_submit_bio(pd, bio, op, bio->bi_iter.bi_sector, bio->bi_iter.bi_size, flags);
	memalloc_noio_restore(noio);
}

static int pkt_open(struct gendisk *disk, blk_mode_t mode)
{
	return pktrs_open(disk->private_data, disk, (__force u32)mode);
}

static void pkt_release(struct gendisk *disk)
{
	pktrs_release(disk->private_data);
}

static int pkt_ioctl(struct block_device *bdev, blk_mode_t mode, unsigned int cmd,
		     unsigned long arg)
{
	return pktrs_ioctl(bdev->bd_disk->private_data, (__force u32)mode, cmd, arg);
}

static unsigned int pkt_check_events(struct gendisk *disk, unsigned int clearing)
{
	return pktrs_check_events(disk->private_data, clearing);
}

static char *pkt_devnode(struct gendisk *disk, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "pktcdvd/%s", disk->disk_name);
}

static void pkt_free_disk(struct gendisk *disk)
{
	pktrs_free_disk(disk->private_data);
}

static const struct block_device_operations pkt_fops = {
	.owner		= THIS_MODULE,
	.submit_bio	= pkt_submit_bio,
	.open		= pkt_open,
	.release	= pkt_release,
	.ioctl		= pkt_ioctl,
	.compat_ioctl	= blkdev_compat_ptr_ioctl,
	.check_events	= pkt_check_events,
	.devnode	= pkt_devnode,
	.free_disk	= pkt_free_disk,
};

/*
 * Opening a pkt disk opens its CD drive's disk: the block layer holds the
 * pkt disk's open_mutex while pkt_open takes the CD disk's.  Every
 * gendisk's open_mutex shares one lockdep class, so lockdep would see
 * that as recursive locking.  A class of its own for the pkt disks' mutex
 * states the real, acyclic order: pkt disk, then CD disk (the CD driver
 * never opens a pkt disk).
 */
static struct lock_class_key pkt_open_mutex_key;

int pktrs_disk_alloc(u32 minor, void *pd, struct gendisk **out)
{
	struct queue_limits lim = {
		.max_hw_sectors		= PKT_MAX_SECTORS,
		.logical_block_size	= PKT_FRAME_SIZE,
		/* A volatile write cache: flushes and FUA reach the driver. */
		.features		= BLK_FEAT_ROTATIONAL | BLK_FEAT_WRITE_CACHE |
					  BLK_FEAT_FUA,
	};
	struct gendisk *disk = blk_alloc_disk(&lim, NUMA_NO_NODE);

	if (IS_ERR(disk))
		return PTR_ERR(disk);
	lockdep_set_class(&disk->open_mutex, &pkt_open_mutex_key);
	disk->major = pkt_major;
	disk->first_minor = minor;
	disk->minors = 1;
	disk->fops = &pkt_fops;
	disk->flags = GENHD_FL_REMOVABLE | GENHD_FL_NO_PART;
	snprintf(disk->disk_name, sizeof(disk->disk_name), "pktcdvd%u", minor);
	disk->private_data = pd;
	*out = disk;
	return 0;
}

int pktrs_disk_add(struct gendisk *disk, struct file *cd)
{
	disk->events = file_bdev(cd)->bd_disk->events;
	return add_disk(disk);
}

void pktrs_disk_remove(struct gendisk *disk)
{
	del_gendisk(disk);
	put_disk(disk);
}

void pktrs_disk_put(struct gendisk *disk)
{
	put_disk(disk);
}

void pktrs_disk_set_capacity(struct gendisk *disk, u64 sectors)
{
	set_capacity(disk, sectors);
}

u32 pktrs_disk_devt(struct gendisk *disk)
{
	return disk_devt(disk);
}

const char *pktrs_disk_name(struct gendisk *disk)
{
	return disk->disk_name;
}

/*
 * The kernel's rule: bi_status is set only on error.  A bio split at zone
 * boundaries (or by bio_split_to_limits) is a chain, and a chained part
 * that failed has already put its error into this bio: success must not
 * overwrite it, whatever order the parts complete in.
 */
void pktrs_bio_endio(struct bio *bio, int error)
{
	if (error)
		bio->bi_status = errno_to_blk_status(error);
	bio_endio(bio);
}

void pktrs_bio_remap(struct bio *bio, struct file *cd)
{
	bio_set_dev(bio, file_bdev(cd));
	submit_bio_noacct(bio);
}

void pktrs_bio_share(struct bio *bio)
{
	bio_inc_remaining(bio);
}

/* ---- Packet buffers ---- */

#define PKT_MAX_FRAMES 128
#define PKT_FRAMES_PER_PAGE (PAGE_SIZE / PKT_FRAME_SIZE)
#define PKT_MAX_PAGES DIV_ROUND_UP(PKT_MAX_FRAMES, PKT_FRAMES_PER_PAGE)
static_assert(PAGE_SIZE % PKT_FRAME_SIZE == 0);

struct pktrs_buf {
	u32 frames;
	struct page *pages[PKT_MAX_PAGES];
};

void pktrs_buf_free(struct pktrs_buf *buf)
{
	unsigned int i;

	if (!buf)
		return;
	for (i = 0; i < PKT_MAX_PAGES; i++)
		if (buf->pages[i])
			__free_page(buf->pages[i]);
	kfree(buf);
}

struct pktrs_buf *pktrs_buf_alloc(u32 frames)
{
	struct pktrs_buf *buf;
	unsigned int i, pages = DIV_ROUND_UP(frames, PKT_FRAMES_PER_PAGE);

	if (!frames || frames > PKT_MAX_FRAMES)
		return NULL;
	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return NULL;
	buf->frames = frames;
	for (i = 0; i < pages; i++) {
		buf->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!buf->pages[i]) {
			pktrs_buf_free(buf);
			return NULL;
		}
	}
	return buf;
}

void pktrs_buf_fill_from_bio(struct pktrs_buf *buf, u32 first, struct bio *bio, u32 skip,
			     u32 frames)
{
	size_t off = (size_t)first * PKT_FRAME_SIZE, end = (size_t)buf->frames * PKT_FRAME_SIZE;
	struct bvec_iter iter, start = bio->bi_iter;
	struct bio_vec bv;

	/* The frames skip..skip+frames of the bio, which is left as it is. */
	if ((u64)skip * PKT_FRAME_SIZE >= start.bi_size)
		return;
	bio_advance_iter(bio, &start, (size_t)skip * PKT_FRAME_SIZE);
	start.bi_size = min_t(u64, start.bi_size, (u64)frames * PKT_FRAME_SIZE);
	end = min(end, off + start.bi_size);
	__bio_for_each_segment(bv, bio, iter, start) {
		size_t done = 0;

		while (done < bv.bv_len && off < end) {
			size_t poff = off % PAGE_SIZE;
			size_t n = min3((size_t)bv.bv_len - done, PAGE_SIZE - poff, end - off);
			void *dst = kmap_local_page(buf->pages[off / PAGE_SIZE]);
			void *src = bvec_kmap_local(&bv);

			memcpy(dst + poff, src + done, n);
			kunmap_local(src);
			kunmap_local(dst);
			done += n;
			off += n;
		}
	}
}

int pktrs_buf_io(struct pktrs_buf *buf, struct file *cd, u64 zone_sector, u32 first,
		 u32 count, bool write)
{
	struct bio *bio;
	u32 f;
	int ret;

	if (!count || first + count > buf->frames)
		return -EINVAL;
	bio = bio_alloc(file_bdev(cd), count, (write ? REQ_OP_WRITE : REQ_OP_READ) | REQ_SYNC,
			GFP_NOIO);
	bio->bi_iter.bi_sector = zone_sector + (u64)first * (PKT_FRAME_SIZE >> SECTOR_SHIFT);
	for (f = first; f < first + count; f++) {
		size_t off = (size_t)f * PKT_FRAME_SIZE;

		__bio_add_page(bio, buf->pages[off / PAGE_SIZE], PKT_FRAME_SIZE, off % PAGE_SIZE);
	}
	ret = submit_bio_wait(bio);
	bio_put(bio);
	return ret;
}

int pktrs_bufs_write(struct pktrs_buf *const *bufs, u32 count, struct file *cd, u64 zone_sector)
{
	u32 i, frames, pages;
	struct bio *bio;
	int ret;

	if (!count || !bufs[0])
		return -EINVAL;
	frames = bufs[0]->frames;
	pages = DIV_ROUND_UP(frames, PKT_FRAMES_PER_PAGE);
	if ((u64)count * pages > BIO_MAX_VECS)
		return -EINVAL;
	for (i = 0; i < count; i++)
		if (!bufs[i] || bufs[i]->frames != frames)
			return -EINVAL;
	bio = bio_alloc(file_bdev(cd), count * pages, REQ_OP_WRITE | REQ_SYNC, GFP_NOIO);
	bio->bi_iter.bi_sector = zone_sector;
	for (i = 0; i < count; i++) {
		size_t off, end = (size_t)frames * PKT_FRAME_SIZE;

		for (off = 0; off < end; off += PAGE_SIZE)
			__bio_add_page(bio, bufs[i]->pages[off / PAGE_SIZE],
				       min_t(size_t, PAGE_SIZE, end - off), 0);
	}
	ret = submit_bio_wait(bio);
	bio_put(bio);
	return ret;
}

u32 pktrs_max_write_frames(struct file *cd)
{
	struct request_queue *q = bdev_get_queue(file_bdev(cd));
	u32 by_size = queue_max_sectors(q) / (PKT_FRAME_SIZE >> SECTOR_SHIFT);
	/* Each page of a buffer may be a segment of its own. */
	u32 by_segments = min_t(u32, queue_max_segments(q), BIO_MAX_VECS) * PKT_FRAMES_PER_PAGE;

	return min(by_size, by_segments);
}

/* ---- The worker thread ---- */

static int pkt_worker_fn(void *pd)
{
	unsigned int noio = memalloc_noio_save();

	pktrs_worker_main(pd);
	memalloc_noio_restore(noio);
	return 0;
}

struct task_struct *pktrs_worker_start(void *pd, const char *name)
{
	struct task_struct *t = kthread_run(pkt_worker_fn, pd, "%s", name);

	if (IS_ERR(t))
		return NULL;
	set_user_nice(t, MIN_NICE);
	return t;
}

void pktrs_worker_stop(struct task_struct *task)
{
	kthread_stop(task);
}

bool pktrs_worker_should_stop(void)
{
	return kthread_should_stop();
}

unsigned long pktrs_jiffies(void)
{
	return jiffies;
}

unsigned long pktrs_ms_to_jiffies(u32 ms)
{
	return msecs_to_jiffies(ms);
}
