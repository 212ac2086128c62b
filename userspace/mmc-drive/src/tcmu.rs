//! The TCMU command ring of a `target_core_user` device, seen through UIO.
//!
//! The kernel's SCSI target puts each command for our LUN on a ring in a
//! shared mapping of `/dev/uioN` (Documentation/target/tcmu-design.rst):
//! a mailbox at offset 0 (`cmd_head` written by the kernel, `cmd_tail` by
//! us), the ring of entries, and a data area the entries' iovecs point
//! into (as offsets from the mailbox).  We answer each entry in place,
//! advance `cmd_tail`, and write to the UIO device to say so.
//!
//! All access to the shared mapping goes through [`Uio`]'s bounds-checked
//! helpers; this file holds the project's only `unsafe` userspace code
//! besides two ioctls in `image.rs` and `main.rs`.

use mmc_model::Direction;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::{AsRawFd, RawFd};
use std::path::Path;
use std::sync::atomic::{fence, Ordering};

const MB_CMDR_OFF: usize = 4;
const MB_CMDR_SIZE: usize = 8;
const MB_CMD_HEAD: usize = 12;
const MB_CMD_TAIL: usize = 64;

const OP_PAD: u32 = 0;
const OP_CMD: u32 = 1;
const OP_TMR: u32 = 2;
const OP_MASK: u32 = 0x7;

// Entry layout: hdr {len_op u32, cmd_id u16, kflags u8, uflags u8}, then
// req {iov_cnt u32 @8, iov_bidi_cnt @12, iov_dif_cnt @16, cdb_off u64 @24,
// pads, iov[] @48} or rsp {scsi_status u8 @8, read_len u32 @12,
// sense_buffer[96] @16}.  The entry is __packed but its nested req struct
// is not, so cdb_off keeps its 8-byte alignment (offsets checked with
// offsetof against the 7.3 uapi header).
const E_UFLAGS: usize = 7;
const E_IOV_CNT: usize = 8;
const E_CDB_OFF: usize = 24;
const E_IOV: usize = 48;
const E_STATUS: usize = 8;
const E_READ_LEN: usize = 12;
const E_SENSE: usize = 16;
const SENSE_SIZE: usize = 96;
const UFLAG_UNKNOWN_OP: u8 = 0x1;
const UFLAG_READ_LEN: u8 = 0x2;

/// The answer to one command.
pub struct Response {
    /// SCSI status: 0 GOOD, 2 CHECK CONDITION.
    pub status: u8,
    /// Sense data for CHECK CONDITION.
    pub sense: Option<[u8; 18]>,
    /// Data-in.
    pub data_in: Vec<u8>,
}

/// An open UIO device of a TCMU backstore and its shared mapping.
///
/// # Invariants
///
/// `map` is the start of a live `MAP_SHARED` read-write mapping of `len`
/// bytes of `file`, unmapped only in `Drop`.
pub struct Uio {
    file: File,
    map: *mut u8,
    len: usize,
    /// Log every command and its iovecs to stderr.
    pub trace: bool,
}

impl Uio {
    /// Opens `/dev/uioN` and maps its ring (size from sysfs).
    pub fn open(dev: &Path) -> io::Result<Self> {
        let name = dev
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a /dev/uioN path"))?;
        let size = fs::read_to_string(format!("/sys/class/uio/{name}/maps/map0/size"))?;
        let len = usize::from_str_radix(size.trim().trim_start_matches("0x"), 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad UIO map size"))?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(dev)?;
        // SAFETY: mapping `len` bytes of an open UIO fd, shared and
        // read-write, at an address of the kernel's choosing; the result is
        // checked before use.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        // INVARIANT: a live shared mapping of `len` bytes of `file`.
        Ok(Uio {
            file,
            map: map.cast(),
            len,
            trace: false,
        })
    }

    /// The descriptor to poll for new commands.
    pub fn fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }

    /// Consumes the pending interrupt count (a 4-byte read).
    pub fn ack(&mut self) -> io::Result<()> {
        let mut b = [0u8; 4];
        self.file.read_exact(&mut b)
    }

    /// Tells the kernel that completions are on the ring (a 4-byte write).
    pub fn notify(&mut self) -> io::Result<()> {
        self.file.write_all(&[0u8; 4])
    }

    fn check(&self, off: usize, n: usize) -> io::Result<()> {
        match off.checked_add(n) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "TCMU ring offset out of bounds",
            )),
        }
    }

    /// Copies `out.len()` bytes from the mapping at `off`.
    fn read_at(&self, off: usize, out: &mut [u8]) -> io::Result<()> {
        self.check(off, out.len())?;
        // SAFETY: `off..off+len` is inside the mapping (checked above, and
        // live by the type invariant); `out` is a separate local buffer.
        unsafe { std::ptr::copy_nonoverlapping(self.map.add(off), out.as_mut_ptr(), out.len()) };
        Ok(())
    }

    /// Copies `data` into the mapping at `off`.
    fn write_at(&self, off: usize, data: &[u8]) -> io::Result<()> {
        self.check(off, data.len())?;
        // SAFETY: as in `read_at`; the kernel does not touch an entry or its
        // data area between queueing it and our `cmd_tail` update.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.map.add(off), data.len()) };
        Ok(())
    }

    fn u32_at(&self, off: usize) -> io::Result<u32> {
        let mut b = [0u8; 4];
        self.read_at(off, &mut b)?;
        Ok(u32::from_ne_bytes(b))
    }

    fn u64_at(&self, off: usize) -> io::Result<u64> {
        let mut b = [0u8; 8];
        self.read_at(off, &mut b)?;
        Ok(u64::from_ne_bytes(b))
    }

    /// A mailbox word the other side updates: read with a volatile load.
    fn volatile_u32(&self, off: usize) -> io::Result<u32> {
        self.check(off, 4)?;
        // SAFETY: in bounds (checked) and 4-byte aligned (mailbox fields at
        // 12 and 64 of a page-aligned mapping).
        Ok(unsafe { std::ptr::read_volatile(self.map.add(off).cast::<u32>()) })
    }

    fn set_volatile_u32(&self, off: usize, v: u32) -> io::Result<()> {
        self.check(off, 4)?;
        // SAFETY: as in `volatile_u32`.
        unsafe { std::ptr::write_volatile(self.map.add(off).cast::<u32>(), v) };
        Ok(())
    }

    /// Handles every command queued since the last call with `handle`
    /// (CDB, data-out) and completes it on the ring.  Returns how many.
    pub fn process(
        &mut self,
        mut handle: impl FnMut(&[u8], &[u8]) -> Response,
    ) -> io::Result<usize> {
        let head = self.volatile_u32(MB_CMD_HEAD)?;
        fence(Ordering::Acquire);
        let cmdr_off = self.u32_at(MB_CMDR_OFF)? as usize;
        let cmdr_size = self.u32_at(MB_CMDR_SIZE)?;
        let mut tail = self.volatile_u32(MB_CMD_TAIL)?;
        let mut done = 0;
        while tail != head {
            let e = cmdr_off + tail as usize;
            let len_op = self.u32_at(e)?;
            let len = len_op & !OP_MASK;
            if len == 0 || cmdr_size == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "TCMU ring entry of length 0",
                ));
            }
            match len_op & OP_MASK {
                OP_CMD => {
                    self.command(e, &mut handle)?;
                    done += 1;
                }
                OP_PAD | OP_TMR => {}
                _ => {
                    let mut f = [0u8; 1];
                    self.read_at(e + E_UFLAGS, &mut f)?;
                    self.write_at(e + E_UFLAGS, &[f[0] | UFLAG_UNKNOWN_OP])?;
                }
            }
            tail = (tail + len) % cmdr_size;
        }
        fence(Ordering::Release);
        self.set_volatile_u32(MB_CMD_TAIL, tail)?;
        Ok(done)
    }

    /// One command entry at ring offset `e`.
    fn command(
        &mut self,
        e: usize,
        handle: &mut impl FnMut(&[u8], &[u8]) -> Response,
    ) -> io::Result<()> {
        let iov_cnt = self.u32_at(e + E_IOV_CNT)? as usize;
        let cdb_off = self.u64_at(e + E_CDB_OFF)? as usize;
        let mut iovs = Vec::with_capacity(iov_cnt);
        for i in 0..iov_cnt {
            let base = self.u64_at(e + E_IOV + 16 * i)? as usize;
            let len = self.u64_at(e + E_IOV + 16 * i + 8)? as usize;
            self.check(base, len)?;
            iovs.push((base, len));
        }
        let mut op = [0u8; 1];
        self.read_at(cdb_off, &mut op)?;
        // The kernel copies scsi_command_size() bytes: by opcode group.
        let cdb_len = [6, 10, 10, 12, 16, 12, 10, 10][usize::from(op[0] >> 5)];
        let mut cdb = vec![0u8; cdb_len];
        self.read_at(cdb_off, &mut cdb)?;
        let direction = mmc_model::direction(&cdb);
        if self.trace {
            eprintln!("mmc-drive: cdb {cdb:02x?} {direction:?} iovs {iovs:x?}");
        }
        let mut data_out = Vec::new();
        if direction == Direction::Out {
            for &(base, len) in &iovs {
                let at = data_out.len();
                data_out.resize(at + len, 0);
                self.read_at(base, &mut data_out[at..])?;
            }
        }
        if self.trace && !data_out.is_empty() {
            eprintln!(
                "mmc-drive:   data-out {:02x?}",
                &data_out[..data_out.len().min(64)]
            );
        }
        let r = handle(&cdb, &data_out);
        let mut uflags = [0u8; 1];
        self.read_at(e + E_UFLAGS, &mut uflags)?;
        if direction == Direction::In {
            let mut left = &r.data_in[..];
            let mut sent = 0u32;
            for &(base, len) in &iovs {
                let n = len.min(left.len());
                self.write_at(base, &left[..n])?;
                left = &left[n..];
                sent += n as u32;
            }
            self.write_at(e + E_READ_LEN, &sent.to_ne_bytes())?;
            uflags[0] |= UFLAG_READ_LEN;
        }
        self.write_at(e + E_UFLAGS, &uflags)?;
        self.write_at(e + E_STATUS, &[r.status])?;
        let mut sense = [0u8; SENSE_SIZE];
        if let Some(s) = r.sense {
            sense[..s.len()].copy_from_slice(&s);
        }
        self.write_at(e + E_SENSE, &sense)
    }
}

impl Drop for Uio {
    fn drop(&mut self) {
        // SAFETY: by the type invariant `map`/`len` are a live mapping that
        // nothing uses after this.
        unsafe { libc::munmap(self.map.cast(), self.len) };
    }
}
