// SPDX-License-Identifier: GPL-2.0
/*
 * pktcdvd-rs C shim: static kernel objects described by C macros, each
 * callback forwarding into Rust.  No driver logic lives here.
 */
#include <linux/capability.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <uapi/linux/pktcdvd.h>
#include <pktcdvd_shim.h>

static_assert(sizeof(struct pkt_ctrl_command) == PKTRS_CTRL_COMMAND_SIZE);

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

static struct miscdevice pkt_control_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "pktcdvd",		/* what pktsetup looks up in /proc/misc */
	.nodename	= "pktcdvd/control",
	.fops		= &pkt_control_fops,
};

int pktrs_control_register(void)
{
	return misc_register(&pkt_control_misc);
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
