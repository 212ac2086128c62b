//! Mappings through /dev/pktcdvd/control: setup, teardown, status, as
//! udftools' pktsetup does them (same ioctl, same fallbacks).

use pktcore::ctl::{self, CtrlCommand, MAX_WRITERS};
use pktcore::devnum::DevNum;
use std::fs::File;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::process::Command;

const CONTROL: &str = "/dev/pktcdvd/control";

/// A failure, said for a person: what happened and what to do.
#[derive(Debug)]
pub struct Failure(pub String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The message for an errno from the control device or a drive.
pub fn explain(errno: i32, what: &str) -> Failure {
    Failure(match errno {
        libc::EPERM | libc::EACCES => format!("{what}: permission denied: this needs root or CAP_SYS_ADMIN (try sudo)"),
        libc::EBUSY => format!("{what}: busy: the drive is mapped already, all 8 mappings are in use, or the device is open or mounted"),
        libc::ENXIO => format!("{what}: no such packet device"),
        libc::EINVAL => format!("{what}: not a CD/DVD/BD drive"),
        libc::ENOMEDIUM => format!("{what}: no disc in the drive: insert a rewritable disc"),
        libc::EROFS => format!("{what}: the disc cannot be written in packets: run 'pktctl check' to see why"),
        libc::ENOENT => format!("{what}: no such device"),
        e => format!("{what}: {}", std::io::Error::from_raw_os_error(e)),
    })
}

/// Whether the module is loaded (its misc device is listed).
pub fn loaded() -> bool {
    std::fs::read_to_string("/proc/misc").is_ok_and(|m| m.lines().any(|l| l.ends_with(" pktcdvd")))
}

/// Opens the control node, loading the module first if needed.
fn control() -> Result<File, Failure> {
    let listed = loaded;
    if !listed() {
        // By its path, as pktsetup does: udev runs its programs without PATH.
        let modprobe = ["/sbin/modprobe", "/usr/sbin/modprobe"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or("modprobe");
        let _ = Command::new(modprobe).arg("pktcdvd").status();
    }
    if !listed() {
        return Err(Failure("the pktcdvd module is not loaded and 'modprobe pktcdvd' did not load it: install pktcdvd-rs (make install, or its DKMS package)".into()));
    }
    File::open(CONTROL).map_err(|e| explain(e.raw_os_error().unwrap_or(0), CONTROL))
}

/// One PACKET_CTRL_CMD.
fn ctrl(cmd: CtrlCommand) -> Result<CtrlCommand, i32> {
    let f = control().map_err(|_| libc::ENODEV)?;
    pktctl::ctrl_ioctl::ctrl_cmd(&f, &cmd)
}

/// The mappings: (slot, pkt device, CD device).
pub fn status() -> Result<Vec<(u32, DevNum, DevNum)>, Failure> {
    control()?;
    let mut out = Vec::new();
    for i in 0..MAX_WRITERS {
        let r = ctrl(CtrlCommand {
            command: ctl::CMD_STATUS,
            dev_index: i,
            ..Default::default()
        })
        .map_err(|e| explain(e, "status"))?;
        if r.dev != 0 {
            out.push((i, DevNum::decode(r.pkt_dev), DevNum::decode(r.dev)));
        }
    }
    Ok(out)
}

/// The device number of a block device path, or `MAJ:MIN`.
pub fn device_number(arg: &str) -> Result<DevNum, Failure> {
    if let Ok(m) = std::fs::metadata(arg) {
        if !m.file_type().is_block_device() {
            return Err(Failure(format!("{arg}: not a block device")));
        }
        let rdev = m.rdev();
        return DevNum::new(libc::major(rdev), libc::minor(rdev))
            .ok_or(Failure(format!("{arg}: device number out of range")));
    }
    pktcore::sysfs::parse_dev(arg.as_bytes()).map_err(|_| {
        Failure(format!(
            "{arg}: no such device (give a path like /dev/sr0 or MAJ:MIN)"
        ))
    })
}

/// Maps the drive `cd` (as a named node /dev/pktcdvd/NAME when given).
pub fn setup(name: Option<&str>, cd: DevNum, ignore_existing: bool) -> Result<DevNum, Failure> {
    if let Some((_, pkt, _)) = status()?.into_iter().find(|(_, _, c)| *c == cd) {
        if ignore_existing {
            return Ok(pkt);
        }
    }
    let r = ctrl(CtrlCommand {
        command: ctl::CMD_SETUP,
        dev: cd.encode(),
        ..Default::default()
    })
    .map_err(|e| explain(e, &format!("setting up {}:{}", cd.major(), cd.minor())))?;
    let pkt = DevNum::decode(r.pkt_dev);
    if let Some(name) = name {
        let path = format!("/dev/pktcdvd/{name}");
        let _ = std::fs::remove_file(&path);
        let c = std::ffi::CString::new(path.clone())
            .map_err(|_| Failure(format!("bad name '{name}'")))?;
        let dev = libc::makedev(pkt.major(), pkt.minor());
        // SAFETY: mknod of a block node with a valid NUL-terminated path.
        if unsafe { libc::mknod(c.as_ptr(), libc::S_IFBLK | 0o640, dev) } != 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EEXIST) {
                return Err(Failure(format!("{path}: {e}")));
            }
        }
    }
    Ok(pkt)
}

/// Removes a mapping given the pkt device, its name, or its CD device (the
/// ENXIO fallback pktsetup relies on).
pub fn teardown(arg: &str, ignore_missing: bool) -> Result<(), Failure> {
    let named = format!("/dev/pktcdvd/{arg}");
    let (num, node) = if !arg.contains('/') && std::path::Path::new(&named).exists() {
        (device_number(&named)?, Some(named))
    } else {
        match device_number(arg) {
            Ok(d) => (d, None),
            Err(_) if ignore_missing => return Ok(()),
            Err(e) => return Err(e),
        }
    };
    let teardown = |pkt: DevNum| {
        ctrl(CtrlCommand {
            command: ctl::CMD_TEARDOWN,
            pkt_dev: pkt.encode(),
            ..Default::default()
        })
    };
    match teardown(num) {
        Ok(_) => {}
        Err(libc::ENXIO) => match status()?.into_iter().find(|(_, _, cd)| *cd == num) {
            Some((_, pkt, _)) => {
                teardown(pkt).map_err(|e| explain(e, &format!("tearing down {arg}")))?;
            }
            None if ignore_missing => return Ok(()),
            None => return Err(Failure(format!("{arg}: no mapping of that device"))),
        },
        Err(e) => return Err(explain(e, &format!("tearing down {arg}"))),
    }
    if let Some(node) = node {
        if !arg.starts_with("pktcdvd") {
            let _ = std::fs::remove_file(node);
        }
    }
    Ok(())
}

/// Mount points of devices, from /proc/mounts: (device, mount point).
pub fn mounts() -> Vec<(String, String)> {
    std::fs::read_to_string("/proc/mounts")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.replace("\\040", " ")))
        })
        .collect()
}

/// Where a device (by number) is mounted, if anywhere.
pub fn mounted_at(dev: DevNum) -> Option<String> {
    mounts().into_iter().find_map(|(src, dir)| {
        let m = std::fs::metadata(&src).ok()?;
        (m.file_type().is_block_device()
            && libc::major(m.rdev()) == dev.major()
            && libc::minor(m.rdev()) == dev.minor())
        .then_some(dir)
    })
}
