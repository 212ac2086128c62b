// SPDX-License-Identifier: GPL-2.0

//! The CD/DVD drive under a mapping: an open handle on its block device,
//! and what the driver asks of it (MMC commands, ioctls, media events).

use crate::pktcore::{
    devnum::DevNum,
    errno::Errno,
    fmt::Name,
    mmc::{cdb, Cdb},
};
use crate::shim::{self, File};
use core::ffi::{c_int, c_ulong, c_void};
use core::ptr;

/// Timeout of the driver's own MMC commands (the C driver used 60 s).
pub(crate) const MMC_TIMEOUT_MS: u32 = 60_000;

/// `EOPNOTSUPP`: the shim's answer for a drive that is not a SCSI device.
const EOPNOTSUPP_RET: c_int = 95;

/// The direction of an MMC command's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DataDir {
    /// No data.
    None,
    /// From the drive into the buffer.
    Read,
    /// From the buffer to the drive.
    Write,
}

/// A failed MMC command: its errno and, for CHECK CONDITION, the sense key,
/// ASC and ASCQ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MmcError {
    pub(crate) errno: Errno,
    pub(crate) sense: [u8; 3],
}

/// An open handle on a CD/DVD block device.
///
/// # Invariants
///
/// `file` is a block device file opened by `pktrs_cd_open` and not yet
/// closed; it is closed exactly once, on drop.
pub(crate) struct CdHandle {
    file: ptr::NonNull<File>,
}

// SAFETY: the handle is a kernel `struct file` of a block device; every
// operation on it may run from any task, and closing it from another task
// than the opener is allowed.
unsafe impl Send for CdHandle {}
// SAFETY: the operations the shim offers on it (MMC commands, ioctls,
// events, remapping bios) serialise internally in the cdrom/SCSI layers.
unsafe impl Sync for CdHandle {}

impl CdHandle {
    /// Opens block device `dev` read-only.  `ndelay`: no media checks,
    /// shared (the mapping's lasting handle); else a full cdrom open with
    /// door lock, claimed exclusively by `holder`.
    pub(crate) fn open(dev: DevNum, ndelay: bool, holder: *const c_void) -> Result<Self, Errno> {
        let mut file = ptr::null_mut();
        // SAFETY: `file` is a valid out pointer; `holder` is only used as a
        // claim token by the block layer.
        Errno::check(unsafe { shim::pktrs_cd_open(dev.to_kernel(), ndelay, holder, &mut file) })?;
        let file = ptr::NonNull::new(file).ok_or(Errno::Io)?;
        // INVARIANT: opened just now.
        Ok(CdHandle { file })
    }

    fn raw(&self) -> *mut File {
        self.file.as_ptr()
    }

    /// Whether it is a CD/DVD drive of the cdrom layer (sr).
    pub(crate) fn is_cdrom(&self) -> bool {
        // SAFETY: the file is open (type invariant).
        unsafe { shim::pktrs_cd_is_cdrom(self.raw()) }
    }

    /// Whether it is itself a pktcdvd device.
    pub(crate) fn is_pktcdvd(&self) -> bool {
        // SAFETY: the file is open (type invariant).
        unsafe { shim::pktrs_cd_is_pktcdvd(self.raw()) }
    }

    /// The device's name, `sr0`.
    pub(crate) fn name(&self) -> Name<32> {
        // SAFETY: the file is open, so its disk and NUL-terminated name
        // (at most 31 bytes, DISK_NAME_LEN) are valid during the call.
        unsafe { shim::c_name(shim::pktrs_cd_name(self.raw())) }
    }

    /// The last written frame of the disc.
    pub(crate) fn last_written(&self) -> Result<u32, Errno> {
        let mut last = 0;
        // SAFETY: the file is open; `last` is a valid out pointer.
        Errno::check(unsafe { shim::pktrs_cd_last_written(self.raw(), &mut last) })?;
        Ok(last)
    }

    /// The most frames one write bio to the drive carries without the
    /// block layer splitting it.
    pub(crate) fn max_write_frames(&self) -> u32 {
        // SAFETY: the file is open.
        unsafe { shim::pktrs_max_write_frames(self.raw()) }
    }

    /// Sets the handle's block size.
    pub(crate) fn set_blocksize(&self, size: c_int) -> Result<(), Errno> {
        // SAFETY: the file is open.
        Errno::check(unsafe { shim::pktrs_cd_set_blocksize(self.raw(), size) })
    }

    /// Sends one MMC command (its CDBs are built by `pktcore::mmc::cdb`);
    /// `buf` is filled by the drive or sent to it as `dir` says.
    pub(crate) fn mmc(&self, cdb: &Cdb, buf: &mut [u8], dir: DataDir, quiet: bool) -> Result<(), MmcError> {
        let mut sense = [0u8; 3];
        let dir = match dir {
            DataDir::None => 0,
            DataDir::Read => 1,
            DataDir::Write => 2,
        };
        let len = u32::try_from(buf.len()).map_err(|_| MmcError { errno: Errno::Inval, sense })?;
        // SAFETY: the file is open; the CDB is the 12 bytes the shim copies
        // into the packet_command; `buf` is `len` bytes the shim copies
        // from or into; `sense` has room for 3 bytes.
        let ret = unsafe {
            shim::pktrs_cd_mmc(
                self.raw(),
                cdb.padded().as_ptr(),
                buf.as_mut_ptr().cast(),
                len,
                dir,
                MMC_TIMEOUT_MS,
                quiet,
                sense.as_mut_ptr(),
            )
        };
        match ret {
            0 => Ok(()),
            r if r < 0 => Err(MmcError { errno: Errno::from_raw(r), sense }),
            // A positive result is a SCSI status: the command failed.
            _ => Err(MmcError { errno: Errno::Io, sense }),
        }
    }

    /// Sends one MMC command that moves no data.
    pub(crate) fn command(&self, cdb: &Cdb, quiet: bool) -> Result<(), MmcError> {
        self.mmc(cdb, &mut [], DataDir::None, quiet)
    }

    /// SYNCHRONIZE CACHE, failing when the drive reports a unit attention
    /// (a reset or power loss may have emptied its write cache), which the
    /// path of `command` (`sr_do_ioctl`) retries away.
    pub(crate) fn synchronize_cache(&self) -> Result<(), MmcError> {
        let mut sense = [0u8; 3];
        // SAFETY: the file is open; `sense` has room for 3 bytes.
        let ret = unsafe { shim::pktrs_cd_sync_cache(self.raw(), MMC_TIMEOUT_MS, sense.as_mut_ptr()) };
        match ret {
            0 => Ok(()),
            // Not a SCSI drive: through the cdrom layer.
            r if r == -EOPNOTSUPP_RET => self.command(&cdb::synchronize_cache(), false),
            r if r < 0 => Err(MmcError { errno: Errno::from_raw(r), sense }),
            _ => Err(MmcError { errno: Errno::Io, sense }),
        }
    }

    /// Whether the drive saw a unit attention (a reset, a power cut, a
    /// medium that may have changed) since the last call: CDROM_MEDIA_CHANGED
    /// on the ioctl queue of the cdrom layer, which gathers the media
    /// changes of every path that meets one: sr's packet path, its I/O
    /// path, and the event poller's TEST UNIT READY and GET EVENT STATUS
    /// NOTIFICATION, whichever meets the unit attention first.  A drive
    /// that cannot tell reports no change.
    pub(crate) fn media_changed(&self) -> bool {
        const CDROM_MEDIA_CHANGED: u32 = 0x5325;
        const CDSL_CURRENT: usize = i32::MAX as usize;
        self.ioctl(0, CDROM_MEDIA_CHANGED, CDSL_CURRENT) > 0
    }

    /// The drive's own ioctl handler, with the caller's open mode.
    pub(crate) fn ioctl(&self, mode: u32, cmd: u32, arg: usize) -> c_int {
        // SAFETY: the file is open; `arg` is the caller's argument, passed
        // on to the drive's handler, which validates it as on /dev/sr0.
        unsafe { shim::pktrs_cd_ioctl(self.raw(), mode, cmd, arg as c_ulong) }
    }

    /// The drive's pending media events.
    pub(crate) fn check_events(&self, clearing: u32) -> u32 {
        // SAFETY: the file is open.
        unsafe { shim::pktrs_cd_check_events(self.raw(), clearing) }
    }

    /// Whether the drive is gone (removed: unplugged, or its SCSI device
    /// deleted).  Nothing can be written to it again.
    pub(crate) fn is_gone(&self) -> bool {
        // SAFETY: the file is open.
        unsafe { shim::pktrs_cd_is_gone(self.raw()) }
    }

    /// The raw file, for the disk wrapper to read the drive's events mask
    /// and for remapping bios.
    pub(crate) fn as_raw(&self) -> *mut File {
        self.raw()
    }
}

impl Drop for CdHandle {
    fn drop(&mut self) {
        // SAFETY: open by the type invariant, and closed only here.
        unsafe { shim::pktrs_cd_close(self.raw()) };
    }
}
