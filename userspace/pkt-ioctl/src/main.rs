//! `pkt-ioctl`: a test tool for the pktcdvd interfaces, printing results
//! and errno names so that shell tests can assert on them.
//!
//! ```text
//! pkt-ioctl setup MAJ:MIN | teardown MAJ:MIN | status INDEX
//! pkt-ioctl command N [DEV [PKT_DEV]]     a raw PACKET_CTRL_CMD command number
//! pkt-ioctl wrong-ioctl                   another ioctl number on the control node
//! pkt-ioctl null-arg                      PACKET_CTRL_CMD with a NULL argument
//! pkt-ioctl blk DEVICE OP                 OP: last-written multisession tocentry
//!                                         send-packet scsi-command eject capability
//! pkt-ioctl fuzz SEED COUNT CD_MAJ:MIN...  random operations on every interface (fuzz.rs)
//! pkt-ioctl copy-back INDEX             STATUS on a struct prefilled with 0xa5: the
//!                                         24 bytes the kernel copied back, in hex
//! pkt-ioctl overlap DEVICE FRAME          two overlapping O_DIRECT writes in one io_submit
//! ```
//! Exit status 0 on success; on failure it prints `errno=NAME` and exits 1.

use pktcore::ctl::{self, CtrlCommand, PACKET_CTRL_CMD};
use pktcore::devnum::DevNum;
use std::fs::{File, OpenOptions};
use std::os::unix::io::AsRawFd;
use std::process::ExitCode;

mod fuzz;

const CONTROL: &str = "/dev/pktcdvd/control";

pub(crate) fn errno_name(e: i32) -> String {
    let name = match e {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EIO => "EIO",
        libc::ENXIO => "ENXIO",
        libc::EBADF => "EBADF",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::ENODEV => "ENODEV",
        libc::EINVAL => "EINVAL",
        libc::ENOTTY => "ENOTTY",
        libc::EROFS => "EROFS",
        libc::ERANGE => "ERANGE",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::ENOMEDIUM => "ENOMEDIUM",
        _ => return format!("E{e}"),
    };
    name.to_string()
}

pub(crate) fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn parse_dev(s: &str) -> Result<DevNum, String> {
    pktcore::sysfs::parse_dev(s.as_bytes()).map_err(|_| format!("not MAJ:MIN: '{s}'"))
}

fn show(d: u32) -> String {
    let d = DevNum::decode(d);
    format!("{}:{}", d.major(), d.minor())
}

/// PACKET_CTRL_CMD on the control node: the struct back, or the errno.
pub(crate) fn ctrl(cmd: &CtrlCommand) -> Result<CtrlCommand, i32> {
    let f = File::open(CONTROL).map_err(|e| e.raw_os_error().unwrap_or(0))?;
    pktctl::ctrl_ioctl::ctrl_cmd(&f, cmd)
}

pub(crate) fn command(command: u32, dev: u32, pkt_dev: u32, index: u32) -> CtrlCommand {
    CtrlCommand {
        command,
        dev_index: index,
        dev,
        pkt_dev,
        ..Default::default()
    }
}

/// struct cdrom_generic_command (64-bit layout).
#[repr(C)]
struct CdromGenericCommand {
    cmd: [u8; 12],
    buffer: *mut u8,
    buflen: u32,
    stat: i32,
    sense: *mut u8,
    data_direction: u8,
    quiet: i32,
    timeout: i32,
    reserved: *mut u8,
}

fn blk(path: &str, op: &str) -> Result<String, i32> {
    let f = OpenOptions::new()
        .read(true)
        .custom_flags_nonblock()
        .open(path)
        .map_err(|e| e.raw_os_error().unwrap_or(0))?;
    let fd = f.as_raw_fd();
    let check = |r: i32| if r < 0 { Err(last_errno()) } else { Ok(r) };
    match op {
        "last-written" => {
            let mut last: libc::c_long = 0;
            // SAFETY: CDROM_LAST_WRITTEN writes one long.
            check(unsafe { libc::ioctl(fd, 0x5395, &mut last) })?;
            Ok(format!("last_written={last}"))
        }
        "multisession" => {
            let mut ms = [0u8; 8]; // addr (4), xa_flag, addr_format
            ms[5] = 1; // CDROM_LBA
                       // SAFETY: CDROMMULTISESSION reads and writes struct cdrom_multisession.
            check(unsafe { libc::ioctl(fd, 0x5310, ms.as_mut_ptr()) })?;
            Ok(format!(
                "lba={} xa={}",
                i32::from_ne_bytes([ms[0], ms[1], ms[2], ms[3]]),
                ms[4]
            ))
        }
        "tocentry" => {
            let mut te = [0u8; 12]; // track, adr/ctrl, format, pad, addr (4), datamode
            te[0] = 1;
            te[2] = 1; // CDROM_LBA
                       // SAFETY: CDROMREADTOCENTRY reads and writes struct cdrom_tocentry.
            check(unsafe { libc::ioctl(fd, 0x5306, te.as_mut_ptr()) })?;
            Ok(format!(
                "track=1 adr_ctrl=0x{:02x} lba={}",
                te[1],
                i32::from_ne_bytes([te[4], te[5], te[6], te[7]])
            ))
        }
        "send-packet" => {
            let mut buf = [0u8; 36];
            let mut sense = [0u8; 64];
            let mut cgc = CdromGenericCommand {
                cmd: [0x12, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0],
                buffer: buf.as_mut_ptr(),
                buflen: 36,
                stat: 0,
                sense: sense.as_mut_ptr(),
                data_direction: 2, // CGC_DATA_READ
                quiet: 1,
                timeout: 500,
                reserved: std::ptr::null_mut(),
            };
            // SAFETY: CDROM_SEND_PACKET with valid buffers of the given sizes.
            check(unsafe { libc::ioctl(fd, 0x5393, &mut cgc) })?;
            Ok(format!(
                "inquiry type={} vendor={}",
                buf[0] & 0x1f,
                String::from_utf8_lossy(&buf[8..16]).trim()
            ))
        }
        "scsi-command" => {
            // struct { u32 inlen; u32 outlen; u8 data[] }: the CDB in, the data out.
            let mut b = vec![0u8; 8 + 64];
            b[4..8].copy_from_slice(&36u32.to_ne_bytes());
            b[8..14].copy_from_slice(&[0x12, 0, 0, 0, 36, 0]);
            // SAFETY: SCSI_IOCTL_SEND_COMMAND reads the header and CDB and
            // writes up to outlen bytes after the header.
            check(unsafe { libc::ioctl(fd, 1, b.as_mut_ptr()) })?;
            Ok(format!(
                "inquiry type={} vendor={}",
                b[8] & 0x1f,
                String::from_utf8_lossy(&b[16..24]).trim()
            ))
        }
        "eject" => {
            // SAFETY: CDROMEJECT takes no argument.
            check(unsafe { libc::ioctl(fd, 0x5309, 0) })?;
            Ok("ejected".into())
        }
        "capability" => {
            // SAFETY: CDROM_GET_CAPABILITY takes no argument.
            let caps = check(unsafe { libc::ioctl(fd, 0x5331, 0) })?;
            Ok(format!("capability=0x{caps:x}"))
        }
        _ => Err(libc::EINVAL),
    }
}

trait NonBlock {
    fn custom_flags_nonblock(&mut self) -> &mut Self;
}

impl NonBlock for OpenOptions {
    fn custom_flags_nonblock(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.custom_flags(libc::O_NONBLOCK)
    }
}

/// A 2048-byte aligned buffer for O_DIRECT.
pub(crate) struct Aligned {
    ptr: *mut u8,
    layout: std::alloc::Layout,
}

impl Aligned {
    pub(crate) fn new(len: usize, fill: u8) -> Self {
        let layout = std::alloc::Layout::from_size_align(len, 4096).expect("valid layout");
        // SAFETY: a non-zero size layout.
        let ptr = unsafe { std::alloc::alloc(layout) };
        assert!(!ptr.is_null(), "out of memory");
        // SAFETY: `len` bytes were just allocated at `ptr`.
        unsafe { std::ptr::write_bytes(ptr, fill, len) };
        Aligned { ptr, layout }
    }

    /// The buffer's bytes.
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: `layout.size()` bytes are allocated at `ptr` and borrowed
        // through `self` only.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.layout.size()) }
    }
}

impl Drop for Aligned {
    fn drop(&mut self) {
        // SAFETY: allocated with this layout in `new`.
        unsafe { std::alloc::dealloc(self.ptr, self.layout) };
    }
}

/// `struct iocb` of the Linux AIO ABI (little-endian x86-64 layout).
#[repr(C)]
#[derive(Default)]
struct Iocb {
    data: u64,
    key: u32,
    rw_flags: u32,
    opcode: u16,
    reqprio: i16,
    fildes: u32,
    buf: u64,
    nbytes: u64,
    offset: i64,
    reserved2: u64,
    flags: u32,
    resfd: u32,
}

/// `struct io_event`.
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct IoEvent {
    data: u64,
    obj: u64,
    res: i64,
    res2: i64,
}

/// Submits A (0xAA) to frames FRAME+2..FRAME+4 and B (0xBB) to frames
/// FRAME..FRAME+4, in that order, in one io_submit with O_DIRECT, so both
/// are in flight at once and A arrives first; then reads frames
/// FRAME..FRAME+4 back.  The later write must win where they overlap:
/// "BBBB".  (The C driver ordered a packet's bios by sector: A, at the
/// higher sector, was copied last and won: "BBAA".)
fn overlap(path: &str, frame: u64) -> Result<String, i32> {
    use std::os::unix::fs::{FileExt, OpenOptionsExt};
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
        .map_err(|e| e.raw_os_error().unwrap_or(0))?;
    let a = Aligned::new(2 * 2048, 0xaa);
    let b = Aligned::new(4 * 2048, 0xbb);
    let mut ctx: u64 = 0;
    // SAFETY: io_setup writes the new context to `ctx`.
    if unsafe { libc::syscall(libc::SYS_io_setup, 2, &mut ctx) } < 0 {
        return Err(last_errno());
    }
    let iocb = |buf: &Aligned, len: usize, at: u64, data: u64| Iocb {
        data,
        opcode: 1, // IOCB_CMD_PWRITE
        fildes: f.as_raw_fd() as u32,
        buf: buf.ptr as u64,
        nbytes: len as u64,
        offset: (at * 2048) as i64,
        ..Default::default()
    };
    let mut first = iocb(&a, 2 * 2048, frame + 2, 1);
    let mut second = iocb(&b, 4 * 2048, frame, 2);
    let mut list = [&mut first as *mut Iocb, &mut second as *mut Iocb];
    // SAFETY: two valid iocbs whose buffers outlive the I/O (we wait below).
    let submitted = unsafe { libc::syscall(libc::SYS_io_submit, ctx, 2, list.as_mut_ptr()) };
    let mut events = [IoEvent::default(); 2];
    let mut done = 0;
    while submitted == 2 && done < 2 {
        // SAFETY: waits for the submitted iocbs; `events` has room for 2.
        let n = unsafe {
            libc::syscall(
                libc::SYS_io_getevents,
                ctx,
                1,
                2 - done,
                events[done as usize..].as_mut_ptr(),
                std::ptr::null::<u8>(),
            )
        };
        if n < 0 {
            break;
        }
        done += n;
    }
    // SAFETY: tears down the context made above.
    unsafe { libc::syscall(libc::SYS_io_destroy, ctx) };
    if submitted != 2 || done != 2 {
        return Err(libc::EIO);
    }
    if let Some(e) = events.iter().find(|e| e.res < 0) {
        return Err(-(e.res as i32));
    }
    let back = Aligned::new(4 * 2048, 0);
    // SAFETY: `back` holds 8192 bytes, used only here.
    let out = unsafe { std::slice::from_raw_parts_mut(back.ptr, 4 * 2048) };
    f.read_exact_at(out, frame * 2048)
        .map_err(|e| e.raw_os_error().unwrap_or(0))?;
    Ok(out
        .chunks(2048)
        .map(|f| match f[0] {
            0xaa if f.iter().all(|&b| b == 0xaa) => 'A',
            0xbb if f.iter().all(|&b| b == 0xbb) => 'B',
            _ => '?',
        })
        .collect())
}

fn run(args: &[String]) -> Result<String, i32> {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let dev = |s: &str| {
        parse_dev(s).map_err(|e| {
            eprintln!("pkt-ioctl: {e}");
            libc::EINVAL
        })
    };
    match a.as_slice() {
        ["setup", d] => {
            let r = ctrl(&command(ctl::CMD_SETUP, dev(d)?.encode(), 0, 0))?;
            Ok(format!("pkt_dev={}", show(r.pkt_dev)))
        }
        ["teardown", d] => {
            ctrl(&command(ctl::CMD_TEARDOWN, 0, dev(d)?.encode(), 0)).map(|_| "ok".into())
        }
        ["status", i] => {
            let i = i.parse().map_err(|_| libc::EINVAL)?;
            let r = ctrl(&command(ctl::CMD_STATUS, 0, 0, i))?;
            Ok(format!(
                "dev={} pkt_dev={} num_devices={}",
                show(r.dev),
                show(r.pkt_dev),
                r.num_devices
            ))
        }
        ["command", n, rest @ ..] => {
            let n = n.parse().map_err(|_| libc::EINVAL)?;
            let d = rest
                .first()
                .map(|s| dev(s))
                .transpose()?
                .map_or(0, DevNum::encode);
            let p = rest
                .get(1)
                .map(|s| dev(s))
                .transpose()?
                .map_or(0, DevNum::encode);
            ctrl(&command(n, d, p, 0)).map(|_| "ok".into())
        }
        ["wrong-ioctl"] => {
            let f = File::open(CONTROL).map_err(|e| e.raw_os_error().unwrap_or(0))?;
            let mut raw = [0u8; 24];
            // SAFETY: an ioctl number the driver does not know, with a valid buffer.
            let r = unsafe {
                libc::ioctl(
                    f.as_raw_fd(),
                    libc::Ioctl::from(0xC018_5802u32),
                    raw.as_mut_ptr(),
                )
            };
            if r < 0 {
                Err(last_errno())
            } else {
                Ok("ok".into())
            }
        }
        ["copy-back", i] => {
            let f = File::open(CONTROL).map_err(|e| e.raw_os_error().unwrap_or(0))?;
            let mut raw = [0xa5u8; ctl::CTRL_COMMAND_SIZE];
            raw[0..4].copy_from_slice(&ctl::CMD_STATUS.to_ne_bytes());
            let i: u32 = i.parse().map_err(|_| libc::EINVAL)?;
            raw[4..8].copy_from_slice(&i.to_ne_bytes());
            pktctl::ctrl_ioctl::ctrl_cmd_raw(&f, &mut raw)?;
            Ok(raw
                .chunks(4)
                .map(|w| w.iter().map(|b| format!("{b:02x}")).collect::<String>())
                .collect::<Vec<_>>()
                .join(" "))
        }
        ["null-arg"] => {
            let f = File::open(CONTROL).map_err(|e| e.raw_os_error().unwrap_or(0))?;
            // SAFETY: a NULL user pointer: the kernel must refuse it, not follow it.
            let r = unsafe {
                libc::ioctl(
                    f.as_raw_fd(),
                    libc::Ioctl::from(PACKET_CTRL_CMD),
                    std::ptr::null_mut::<u8>(),
                )
            };
            if r < 0 {
                Err(last_errno())
            } else {
                Ok("ok".into())
            }
        }
        ["blk", path, op] => blk(path, op),
        ["overlap", path, frame] => overlap(path, frame.parse().map_err(|_| libc::EINVAL)?),
        ["fuzz", seed, n, cds @ ..] if !cds.is_empty() => fuzz::run(
            seed.parse().map_err(|_| libc::EINVAL)?,
            n.parse().map_err(|_| libc::EINVAL)?,
            &cds.iter().map(|c| dev(c)).collect::<Result<Vec<_>, _>>()?,
        ),
        _ => {
            eprintln!("usage: see the comment at the top of userspace/pkt-ioctl/src/main.rs");
            Err(libc::EINVAL)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("errno={}", errno_name(e));
            ExitCode::FAILURE
        }
    }
}
