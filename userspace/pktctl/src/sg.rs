//! MMC commands to a drive through SG_IO, with sense decoding.

pub use pktcore::mmc::Sense;
use pktcore::mmc::{cdb, BadAnswer, Cdb};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;

/// `SG_IO` (scsi/sg.h).
const SG_IO: libc::c_ulong = 0x2285;

/// `struct sg_io_hdr` (scsi/sg.h), x86-64 and arm64 layout.
#[repr(C)]
struct SgIoHdr {
    interface_id: i32,
    dxfer_direction: i32,
    cmd_len: u8,
    mx_sb_len: u8,
    iovec_count: u16,
    dxfer_len: u32,
    dxferp: *mut libc::c_void,
    cmdp: *const u8,
    sbp: *mut u8,
    timeout: u32,
    flags: u32,
    pack_id: i32,
    usr_ptr: *mut libc::c_void,
    status: u8,
    masked_status: u8,
    msg_status: u8,
    sb_len_wr: u8,
    host_status: u16,
    driver_status: u16,
    resid: i32,
    duration: u32,
    info: u32,
}

/// Which way data flows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// No data.
    None,
    /// From the drive.
    In,
    /// To the drive.
    Out,
}

/// A failed command.
#[derive(Debug)]
pub enum ScsiError {
    /// The ioctl itself failed.
    Os(io::Error),
    /// CHECK CONDITION (or another status) with its sense.
    Check(Sense),
    /// The drive answered, but not what was asked.
    BadAnswer(BadAnswer),
}

impl std::fmt::Display for ScsiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScsiError::Os(e) => write!(f, "{e}"),
            ScsiError::Check(s) => write!(
                f,
                "drive error, sense {:x}/{:02x}/{:02x}",
                s.key, s.asc, s.ascq
            ),
            ScsiError::BadAnswer(e) => write!(f, "unexpected answer from the drive: {}", e.reason),
        }
    }
}

/// An open drive.
pub struct Drive {
    file: File,
    /// The path it was opened as.
    pub path: String,
}

impl Drive {
    /// Opens a drive without waiting for a disc (as dvd+rw-format does);
    /// read-write when `write`.
    pub fn open(path: &str, write: bool) -> io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(write)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?;
        Ok(Drive {
            file,
            path: path.to_string(),
        })
    }

    /// The open file, for ioctls.
    fn fd(&self) -> i32 {
        self.file.as_raw_fd()
    }

    /// Unlocks the door and ejects the disc (CDROMEJECT).
    pub fn eject(&self) -> io::Result<()> {
        const CDROMEJECT: libc::Ioctl = 0x5309;
        // SAFETY: CDROMEJECT takes no argument; the fd is open for the call.
        if unsafe { libc::ioctl(self.fd(), CDROMEJECT, 0) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// What pktctl asks of a drive: one MMC command at a time.  [`Drive`]
/// sends it through SG_IO; the tests answer from the drive model.
pub trait Mmc {
    /// Sends `cdb` with `buf` as data; the bytes transferred.
    fn command(
        &self,
        cdb: &Cdb,
        buf: &mut [u8],
        dir: Dir,
        timeout_ms: u32,
    ) -> Result<usize, ScsiError>;

    /// A command that reads up to `len` bytes.
    fn read(&self, cdb: &Cdb, len: usize) -> Result<Vec<u8>, ScsiError> {
        let mut buf = vec![0u8; len];
        let n = self.command(cdb, &mut buf, Dir::In, 30_000)?;
        buf.truncate(n.max(len.min(n)));
        Ok(buf)
    }

    /// TEST UNIT READY: `Ok` when ready, else the sense.
    fn test_unit_ready(&self) -> Result<(), Sense> {
        match self.command(&cdb::test_unit_ready(), &mut [], Dir::None, 30_000) {
            Ok(_) => Ok(()),
            Err(ScsiError::Check(s)) => Err(s),
            Err(ScsiError::Os(_) | ScsiError::BadAnswer(_)) => Err(Sense::default()),
        }
    }

    /// REQUEST SENSE.
    fn request_sense(&self) -> Sense {
        self.read(&cdb::request_sense(18), 18)
            .map(|b| Sense::parse(&b))
            .unwrap_or_default()
    }
}

impl Mmc for Drive {
    fn command(
        &self,
        cdb: &Cdb,
        buf: &mut [u8],
        dir: Dir,
        timeout_ms: u32,
    ) -> Result<usize, ScsiError> {
        let cdb = cdb.bytes();
        let mut sense = [0u8; 32];
        let mut hdr = SgIoHdr {
            interface_id: i32::from(b'S'),
            dxfer_direction: match dir {
                Dir::None => -1,
                Dir::Out => -2,
                Dir::In => -3,
            },
            cmd_len: cdb.len() as u8,
            mx_sb_len: sense.len() as u8,
            iovec_count: 0,
            dxfer_len: if dir == Dir::None {
                0
            } else {
                buf.len() as u32
            },
            dxferp: if dir == Dir::None {
                std::ptr::null_mut()
            } else {
                buf.as_mut_ptr().cast()
            },
            cmdp: cdb.as_ptr(),
            sbp: sense.as_mut_ptr(),
            timeout: timeout_ms,
            flags: 0,
            pack_id: 0,
            usr_ptr: std::ptr::null_mut(),
            status: 0,
            masked_status: 0,
            msg_status: 0,
            sb_len_wr: 0,
            host_status: 0,
            driver_status: 0,
            resid: 0,
            duration: 0,
            info: 0,
        };
        // SAFETY: SG_IO with a header whose pointers (CDB, data, sense)
        // point to buffers of the stated sizes that outlive the call.
        let r = unsafe { libc::ioctl(self.fd(), SG_IO as _, &mut hdr) };
        if r < 0 {
            return Err(ScsiError::Os(io::Error::last_os_error()));
        }
        if hdr.status != 0 || hdr.host_status != 0 || hdr.driver_status & 0xf != 0 {
            return Err(ScsiError::Check(Sense::parse(
                &sense[..usize::from(hdr.sb_len_wr)],
            )));
        }
        Ok(buf.len().saturating_sub(hdr.resid.max(0) as usize))
    }
}
