//! The daemon: one drive behind one TCMU device, with a control socket.
//!
//! It runs inside the guest it serves, so it must never wait on that
//! guest's own writeback: it locks its memory (`mlockall`) and marks itself
//! an I/O flusher (`PR_SET_IO_FLUSHER`) before serving.

use crate::image::{Image, ImageStore};
use crate::tcmu::{Response, Uio};
use mmc_model::{Drive, DriveConfig, Status};
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::io::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::Duration;

/// How the daemon runs.
pub struct Options<'a> {
    /// `/dev/uioN` of the TCMU device.
    pub uio: &'a Path,
    /// The medium image (file or block device).
    pub image: &'a Path,
    /// The control socket to create.
    pub control: &'a Path,
    /// Real-time pacing: sleep the modelled time divided by this factor.
    pub pace: Option<u32>,
    /// Log every command to stderr.
    pub trace: bool,
}

/// `PR_SET_IO_FLUSHER` from linux/prctl.h (the libc crate lacks it).
const PR_SET_IO_FLUSHER: libc::c_int = 57;

/// Locks the daemon's memory against reclaim, in two steps around mapping
/// the TCMU ring: `MCL_CURRENT` before (text, libraries, stack, heap so
/// far), `MCL_FUTURE` alone after (heap to come).  The ring itself is kernel
/// memory; locking it would populate it and fault data-area pages the
/// kernel has not handed out ("Invalid addr to data page mapping").
fn lock_memory(flags: libc::c_int) {
    // SAFETY: mlockall takes plain flags.
    if unsafe { libc::mlockall(flags) } != 0 {
        eprintln!("mmc-drive: mlockall: {}", io::Error::last_os_error());
    }
}

/// Marks the daemon an I/O flusher: its allocations never wait on the
/// writeback it is itself needed for.
fn io_flusher() {
    // SAFETY: prctl takes plain integer arguments.
    if unsafe { libc::prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0) } != 0 {
        eprintln!(
            "mmc-drive: PR_SET_IO_FLUSHER: {}",
            io::Error::last_os_error()
        );
    }
}

/// Answers one control connection: one line in, one line out.
fn control(drive: &mut Drive, stream: UnixStream, header: &mut Image) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line)?;
    let reply = drive
        .control(line.trim())
        .unwrap_or_else(|e| format!("error: {e}"));
    if drive.take_medium_changed() {
        header.save(drive.medium())?;
    }
    (&stream).write_all(reply.as_bytes())?;
    (&stream).write_all(b"\n")
}

/// Serves commands until killed.
pub fn serve(opts: &Options<'_>) -> io::Result<()> {
    io_flusher();
    lock_memory(libc::MCL_CURRENT);
    let mut header = Image::open(opts.image)?;
    let medium = header.medium()?;
    let store = ImageStore::new(Image::open(opts.image)?);
    let mut drive = Drive::new(DriveConfig::default(), medium, Box::new(store));
    let mut uio = Uio::open(opts.uio)?;
    uio.trace = opts.trace;
    lock_memory(libc::MCL_FUTURE);
    let _ = std::fs::remove_file(opts.control);
    let listener = UnixListener::bind(opts.control)?;
    eprintln!(
        "mmc-drive: serving {} on {} (control {})",
        opts.image.display(),
        opts.uio.display(),
        opts.control.display()
    );
    loop {
        let mut fds = [
            libc::pollfd {
                fd: uio.fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: listener.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: `fds` is a valid array of two pollfd for the call.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if fds[0].revents != 0 {
            uio.ack()?;
            let pace = opts.pace;
            let handled = uio.process(|cdb, data_out| {
                let c = drive.execute(cdb, data_out);
                let mut real = Duration::from_millis(u64::from(c.real_delay_ms));
                if let Some(f) = pace.filter(|&f| f > 0) {
                    real = real.max(Duration::from_nanos(c.time_ns / u64::from(f)));
                }
                if !real.is_zero() {
                    std::thread::sleep(real);
                }
                Response {
                    status: if c.status == Status::Good { 0 } else { 2 },
                    sense: c.sense.map(|s| s.to_bytes()),
                    data_in: c.data_in,
                }
            })?;
            if handled > 0 {
                uio.notify()?;
            }
            if drive.take_medium_changed() {
                header.save(drive.medium())?;
            }
        }
        if fds[1].revents != 0 {
            if let Ok((stream, _)) = listener.accept() {
                if let Err(e) = control(&mut drive, stream, &mut header) {
                    eprintln!("mmc-drive: control connection: {e}");
                }
            }
        }
    }
}
