// SPDX-License-Identifier: GPL-2.0

//! What udev/80-pktcdvd.rules runs: map a drive when a usable disc is in,
//! drop the mapping when the disc or the drive goes, and answer the eject
//! button.
//!
//! udev shows a RUN program's output to nobody, so every outcome also goes
//! to the kernel log ("pktctl: ..." in dmesg).  The helpers exit 0 when
//! there is nothing to do, so that udev does not log noise.

use crate::control::{self, Failure};
use crate::disc;
use crate::process;
use pktcore::devnum::DevNum;
use std::io::Write;

/// Says `msg` on stderr and in the kernel log.
fn log(msg: &str) {
    eprintln!("pktctl: {msg}");
    if let Ok(mut k) = std::fs::OpenOptions::new().write(true).open("/dev/kmsg") {
        // <5>: notice.  One write is one log record.
        let _ = k.write_all(format!("<5>pktctl: {msg}\n").as_bytes());
    }
}

/// The block device name of a device number ("sr0"), from sysfs.
fn kernel_name(dev: DevNum) -> String {
    std::fs::read_link(format!("/sys/dev/block/{}:{}", dev.major(), dev.minor()))
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| format!("{}:{}", dev.major(), dev.minor()))
}

/// The pkt device mapping the drive `cd`, if any.  Without the module
/// loaded there is none (and asking must not load it).
fn mapping_of(cd: DevNum) -> Result<Option<DevNum>, Failure> {
    if !control::loaded() {
        return Ok(None);
    }
    Ok(control::status()?
        .into_iter()
        .find(|(_, _, c)| *c == cd)
        .map(|(_, pkt, _)| pkt))
}

/// Moves this process into the mount namespace of PID 1.  systemd runs
/// udevd with PrivateMounts=yes: an unmount done in udevd's namespace
/// would not be seen by anyone else, and the disc would stay mounted.
fn enter_init_mount_namespace() {
    let ns = |pid: &str| std::fs::read_link(format!("/proc/{pid}/ns/mnt")).ok();
    if ns("self") == ns("1") {
        return;
    }
    let Ok(f) = std::fs::File::open("/proc/1/ns/mnt") else {
        return;
    };
    use std::os::fd::AsRawFd;
    // SAFETY: setns on an open namespace file; pktctl is single-threaded,
    // as setns(CLONE_NEWNS) requires.
    if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNS) } != 0 {
        log(&format!(
            "cannot enter the system's mount namespace: {}",
            std::io::Error::last_os_error()
        ));
    }
}

/// Makes the pkt device `pkt` free: syncs and unmounts every mount of it.
/// Fails, naming the mount point, when one is busy: the disc then stays
/// mounted and locked in the drive, and nothing is lost.  With `lazy` (the
/// drive is gone, nothing more can reach it) a busy mount is detached
/// instead; the module removes the mapping when its last file is closed.
fn unmount_all(pkt: DevNum, lazy: bool) -> Result<(), Failure> {
    if control::mounted_at(pkt).is_none() {
        return Ok(());
    }
    enter_init_mount_namespace();
    process::sync_all();
    while let Some(dir) = control::mounted_at(pkt) {
        // By its path: udev runs its programs without PATH.
        let out = std::process::Command::new("/usr/bin/umount")
            .arg(&dir)
            .output()
            .map_err(|e| Failure(format!("umount {dir}: {e}")))?;
        if !out.status.success() && lazy {
            let detached = std::process::Command::new("/usr/bin/umount")
                .args(["-l", &dir])
                .status()
                .is_ok_and(|s| s.success());
            if detached {
                log(&format!(
                    "detached {dir}: the mapping goes when its last file is closed"
                ));
                continue;
            }
        }
        if !out.status.success() {
            return Err(Failure(format!(
                "{dir} is in use ({}): close the files on it first",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        log(&format!("unmounted {dir}"));
    }
    Ok(())
}

/// Whether the drive `cd` is gone from the system.
fn gone(cd: DevNum) -> bool {
    !std::path::Path::new(&format!("/sys/dev/block/{}:{}", cd.major(), cd.minor())).exists()
}

/// Tears the mapping `pkt` of `cd` down, unmounting it first if needed.
fn release(cd: DevNum, pkt: DevNum, why: &str) -> Result<(), Failure> {
    let spec = format!("{}:{}", pkt.major(), pkt.minor());
    if control::teardown(&spec, true).is_ok() {
        log(&format!("{} unmapped ({why})", kernel_name(cd)));
        return Ok(());
    }
    let lazy = gone(cd);
    unmount_all(pkt, lazy)
        .map_err(|e| Failure(format!("{} stays mapped: {e}", kernel_name(cd))))?;
    if let Err(e) = control::teardown(&spec, true) {
        if lazy {
            // Still open: the module removes it at the last close.
            return Ok(());
        }
        return Err(Failure(format!("{} stays mapped: {e}", kernel_name(cd))));
    }
    log(&format!("{} unmapped ({why})", kernel_name(cd)));
    Ok(())
}

/// A usable disc is in `device` (or may be): map it; anything else: drop
/// a mapping left from the disc before.
pub fn map(device: &str) -> Result<String, Failure> {
    let cd = control::device_number(device)?;
    let verdict = crate::open_drive(device, false)
        .and_then(|d| disc::facts(&d).map_err(|e| Failure(format!("{device}: {e}"))))
        .map(|f| disc::verdict(&f));
    match verdict {
        Ok(Ok(_)) => {
            if mapping_of(cd)?.is_some() {
                return Ok(String::new());
            }
            let pkt = control::setup(None, cd, true)?;
            log(&format!(
                "{} mapped to /dev/pktcdvd/{}",
                kernel_name(cd),
                kernel_name(pkt)
            ));
            Ok(String::new())
        }
        Ok(Err((why, _))) => {
            unmap(device, why.as_str())?;
            Ok(format!("{device}: not mapped: {why}"))
        }
        Err(e) => {
            unmap(device, "the disc cannot be read")?;
            Err(e)
        }
    }
}

/// The disc or the drive is gone: drop its mapping, if it has one.
pub fn unmap(device: &str, why: &str) -> Result<String, Failure> {
    let cd = control::device_number(device)?;
    let Some(pkt) = mapping_of(cd)? else {
        return Ok(String::new());
    };
    release(cd, pkt, why).inspect_err(|e| log(&e.0))?;
    Ok(String::new())
}

/// Whether the drive is mapped.
pub fn mapped(device: &str) -> bool {
    control::device_number(device)
        .and_then(mapping_of)
        .is_ok_and(|m| m.is_some())
}

/// The eject button of a mapped drive: the mapping holds the drive open,
/// so the system's own eject (cdrom_id --eject-media) fails.  Unmount,
/// unmap and eject; refuse, saying why, while files are open on the disc.
pub fn eject(device: &str) -> Result<String, Failure> {
    let cd = control::device_number(device)?;
    let Some(pkt) = mapping_of(cd)? else {
        return Ok(String::new());
    };
    release(cd, pkt, "eject button")
        .map_err(|e| Failure(format!("eject refused: {}", e.0)))
        .inspect_err(|e| log(&e.0))?;
    let d = crate::open_drive(device, false)?;
    d.eject().map_err(|e| {
        let f = control::explain(e.raw_os_error().unwrap_or(0), &format!("ejecting {device}"));
        log(&f.0);
        f
    })?;
    log(&format!("{} ejected", kernel_name(cd)));
    Ok(String::new())
}
