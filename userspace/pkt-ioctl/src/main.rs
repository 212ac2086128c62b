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
//! pkt-ioctl fuzz SEED COUNT CD_MAJ:MIN    random control ioctls and sysfs writes
//! ```
//! Exit status 0 on success; on failure it prints `errno=NAME` and exits 1.

use pktcore::ctl::{self, CtrlCommand, PACKET_CTRL_CMD};
use pktcore::devnum::DevNum;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::io::AsRawFd;
use std::process::ExitCode;

const CONTROL: &str = "/dev/pktcdvd/control";

fn errno_name(e: i32) -> String {
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

fn last_errno() -> i32 {
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
fn ctrl(cmd: &CtrlCommand) -> Result<CtrlCommand, i32> {
    let f = File::open(CONTROL).map_err(|e| e.raw_os_error().unwrap_or(0))?;
    let mut raw = cmd.to_bytes();
    // SAFETY: PACKET_CTRL_CMD reads and writes the 24-byte struct at `raw`.
    let r = unsafe {
        libc::ioctl(
            f.as_raw_fd(),
            libc::Ioctl::from(PACKET_CTRL_CMD),
            raw.as_mut_ptr(),
        )
    };
    if r < 0 {
        return Err(last_errno());
    }
    Ok(CtrlCommand::from_bytes(&raw))
}

fn command(command: u32, dev: u32, pkt_dev: u32, index: u32) -> CtrlCommand {
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

/// xorshift64*, for a reproducible fuzz run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Random control ioctls and sysfs writes: setups and teardowns of the
/// given drive and of random device numbers, status of random slots,
/// unknown commands, garbage and clamping tests on the sysfs files.
fn fuzz(seed: u64, count: u64, cd: DevNum) -> Result<String, i32> {
    let mut rng = Rng(seed.max(1));
    let mut outcomes = std::collections::BTreeMap::<String, u64>::new();
    let pkt_major = std::fs::read_to_string("/proc/devices")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.ends_with(" pktcdvd"))
                .and_then(|l| l.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0u32);
    let devs = |rng: &mut Rng| -> u32 {
        match rng.below(5) {
            0 => cd.encode(),
            1 => DevNum::new(pkt_major, rng.below(9) as u32).map_or(0, DevNum::encode),
            2 => rng.next() as u32,
            3 => {
                DevNum::new(rng.below(300) as u32, rng.below(300) as u32).map_or(0, DevNum::encode)
            }
            _ => 0,
        }
    };
    let junk = |rng: &mut Rng| -> Vec<u8> {
        let n = rng.below(24) as usize;
        (0..n)
            .map(|_| b"0123456789:-+ \nabcx\0\xff"[rng.below(21) as usize])
            .collect()
    };
    for _ in 0..count {
        let key = match rng.below(10) {
            0..=4 => {
                let cmd = match rng.below(8) {
                    0..=1 => ctl::CMD_SETUP,
                    2..=3 => ctl::CMD_TEARDOWN,
                    4..=5 => ctl::CMD_STATUS,
                    _ => rng.next() as u32,
                };
                let c = command(cmd, devs(&mut rng), devs(&mut rng), rng.below(12) as u32);
                match ctrl(&c) {
                    Ok(_) => "ioctl:ok".to_string(),
                    Err(e) => format!("ioctl:{}", errno_name(e)),
                }
            }
            _ => {
                let files = [
                    "/sys/class/pktcdvd/add",
                    "/sys/class/pktcdvd/remove",
                    "/sys/class/pktcdvd/pktcdvd0/write_queue/congestion_on",
                    "/sys/class/pktcdvd/pktcdvd0/write_queue/congestion_off",
                    "/sys/class/pktcdvd/pktcdvd0/stat/reset",
                ];
                let file = files[rng.below(files.len() as u64) as usize];
                let text = if rng.below(3) == 0 {
                    let d = DevNum::decode(devs(&mut rng));
                    format!("{}:{}\n", d.major(), d.minor()).into_bytes()
                } else {
                    junk(&mut rng)
                };
                match OpenOptions::new()
                    .write(true)
                    .open(file)
                    .and_then(|mut f| f.write_all(&text))
                {
                    Ok(()) => "sysfs:ok".to_string(),
                    Err(e) => format!("sysfs:{}", errno_name(e.raw_os_error().unwrap_or(0))),
                }
            }
        };
        *outcomes.entry(key).or_insert(0) += 1;
    }
    Ok(outcomes
        .iter()
        .map(|(k, n)| format!("{k}={n}"))
        .collect::<Vec<_>>()
        .join(" "))
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
        ["fuzz", seed, n, cd] => fuzz(
            seed.parse().map_err(|_| libc::EINVAL)?,
            n.parse().map_err(|_| libc::EINVAL)?,
            dev(cd)?,
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
