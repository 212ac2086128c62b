//! `pkt-ioctl fuzz SEED COUNT CD...`: a seeded random sequence of
//! operations on every interface of the driver, for several of these
//! processes to run at once (each with its own seed):
//!
//! - control ioctls: setups and teardowns of the given drives and of random
//!   device numbers, status of random slots, unknown commands;
//! - sysfs writes: `add`, `remove`, congestion marks, `stat/reset`, with
//!   device numbers or garbage;
//! - opens and closes of pkt nodes (read-only or read-write, O_DIRECT,
//!   O_NONBLOCK, O_EXCL), up to four held at once;
//! - reads, writes and fsyncs of a few frames on a held node;
//! - block and CD ioctls on a held node (sizes, flush, door lock, media
//!   changed, drive status, last written, capability, eject, close tray,
//!   SCSI pass-through, and unknown CD ioctl numbers);
//! - the disc taken out and put back through the emulated drives' control
//!   sockets (/run/mmc-drive/N.sock).
//!
//! The operations a seed chooses are reproducible; their outcomes depend
//! on what the other processes did meanwhile.  Prints one `kind:outcome=N`
//! per outcome, counting every operation once.

use crate::{command, ctrl, errno_name, Aligned};
use mmc_model::fuzz_rng::FuzzRng;
use pktcore::ctl;
use pktcore::devnum::DevNum;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::os::unix::net::UnixStream;

/// How many pkt nodes one process holds open at most.
const MAX_OPEN: usize = 4;
/// Writes and reads stay within the first frames of the disc.
const FRAMES: u64 = 4096;

/// The first frames are read back by the test: never write there.
const KEEP_FRAMES: u64 = 256;

/// Block and CD ioctls that take no argument or an int / long / small
/// struct: (name, number).  The argument is a zeroed 4 KiB buffer, so an
/// ioctl that reads or writes its argument stays inside it.
const BLOCK_IOCTLS: &[(&str, u64)] = &[
    ("BLKGETSIZE64", 0x8008_1272),
    ("BLKSSZGET", 0x1268),
    ("BLKROGET", 0x125e),
    ("BLKFLSBUF", 0x1261),
    ("BLKRRPART", 0x125f),
    ("CDROM_LOCKDOOR", 0x5329),
    ("CDROM_MEDIA_CHANGED", 0x5325),
    ("CDROM_DRIVE_STATUS", 0x5326),
    ("CDROM_DISC_STATUS", 0x5327),
    ("CDROM_LAST_WRITTEN", 0x5395),
    ("CDROM_NEXT_WRITABLE", 0x5394),
    ("CDROM_GET_CAPABILITY", 0x5331),
    ("CDROMMULTISESSION", 0x5310),
    ("CDROMREADTOCHDR", 0x5305),
    ("CDROMEJECT", 0x5309),
    ("CDROMCLOSETRAY", 0x5319),
    ("CDROM_SET_OPTIONS", 0x5320),
    ("CDROM_CLEAR_OPTIONS", 0x5321),
    ("CDROM_SELECT_SPEED", 0x5322),
    // Zeroed, these are a TEST UNIT READY through each pass-through path.
    ("CDROM_SEND_PACKET", 0x5393),
    ("SCSI_IOCTL_SEND_COMMAND", 0x0001),
];

struct Fuzzer {
    rng: FuzzRng,
    cds: Vec<DevNum>,
    pkt_major: u32,
    sockets: Vec<String>,
    held: Vec<File>,
    outcomes: BTreeMap<String, u64>,
}

fn errno_of(e: &std::io::Error) -> String {
    errno_name(e.raw_os_error().unwrap_or(0))
}

fn outcome<T>(kind: &str, r: Result<T, String>) -> String {
    match r {
        Ok(_) => format!("{kind}:ok"),
        Err(e) => format!("{kind}:{e}"),
    }
}

impl Fuzzer {
    /// A device number: one of the drives, a pkt device, or nonsense.
    fn dev(&mut self) -> u32 {
        match self.rng.below(6) {
            0 | 1 => self.cds[self.rng.below(self.cds.len() as u64) as usize].encode(),
            2 => DevNum::new(self.pkt_major, self.rng.below(9) as u32).map_or(0, DevNum::encode),
            3 => self.rng.next() as u32,
            4 => DevNum::new(self.rng.below(300) as u32, self.rng.below(300) as u32)
                .map_or(0, DevNum::encode),
            _ => 0,
        }
    }

    fn junk(&mut self) -> Vec<u8> {
        let n = self.rng.below(24) as usize;
        (0..n)
            .map(|_| b"0123456789:-+ \nabcx\0\xff"[self.rng.below(21) as usize])
            .collect()
    }

    fn control(&mut self) -> String {
        let cmd = match self.rng.below(8) {
            0..=2 => ctl::CMD_SETUP,
            3..=4 => ctl::CMD_TEARDOWN,
            5..=6 => ctl::CMD_STATUS,
            _ => self.rng.next() as u32,
        };
        let (dev, pkt) = (self.dev(), self.dev());
        let c = command(cmd, dev, pkt, self.rng.below(12) as u32);
        outcome("ioctl", ctrl(&c).map_err(errno_name))
    }

    fn sysfs(&mut self) -> String {
        let slot = self.rng.below(3);
        let files = [
            "/sys/class/pktcdvd/add".to_string(),
            "/sys/class/pktcdvd/remove".to_string(),
            format!("/sys/class/pktcdvd/pktcdvd{slot}/write_queue/congestion_on"),
            format!("/sys/class/pktcdvd/pktcdvd{slot}/write_queue/congestion_off"),
            format!("/sys/class/pktcdvd/pktcdvd{slot}/stat/reset"),
        ];
        let file = files[self.rng.below(files.len() as u64) as usize].clone();
        let text = if self.rng.below(3) == 0 {
            let d = DevNum::decode(self.dev());
            format!("{}:{}\n", d.major(), d.minor()).into_bytes()
        } else {
            self.junk()
        };
        let r = OpenOptions::new()
            .write(true)
            .open(&file)
            .and_then(|mut f| f.write_all(&text))
            .map_err(|e| errno_of(&e));
        outcome("sysfs", r)
    }

    fn open(&mut self) -> String {
        if self.held.len() >= MAX_OPEN {
            return self.close();
        }
        let path = format!("/dev/pktcdvd/pktcdvd{}", self.rng.below(3));
        let mut flags = 0;
        if self.rng.below(2) == 0 {
            flags |= libc::O_DIRECT;
        }
        if self.rng.below(3) == 0 {
            flags |= libc::O_NONBLOCK;
        }
        if self.rng.below(8) == 0 {
            flags |= libc::O_EXCL;
        }
        let write = self.rng.below(3) != 0;
        let r = OpenOptions::new()
            .read(true)
            .write(write)
            .custom_flags(flags)
            .open(&path)
            .map(|f| self.held.push(f))
            .map_err(|e| errno_of(&e));
        outcome(if write { "open-rw" } else { "open-ro" }, r)
    }

    fn close(&mut self) -> String {
        if self.held.is_empty() {
            return "close:none".into();
        }
        let i = self.rng.below(self.held.len() as u64) as usize;
        drop(self.held.swap_remove(i));
        "close:ok".into()
    }

    /// A held node, or `None` (then the operation opens one instead).
    fn pick(&mut self) -> Option<usize> {
        if self.held.is_empty() {
            None
        } else {
            Some(self.rng.below(self.held.len() as u64) as usize)
        }
    }

    fn io(&mut self) -> String {
        let Some(i) = self.pick() else {
            return self.open();
        };
        let frames = 1 + self.rng.below(32);
        let at = KEEP_FRAMES + self.rng.below(FRAMES - KEEP_FRAMES - frames);
        let fill = self.rng.byte();
        let mut buf = Aligned::new((frames * 2048) as usize, fill);
        let f = &self.held[i];
        match self.rng.below(3) {
            0 => outcome(
                "write",
                f.write_all_at(buf.bytes_mut(), at * 2048)
                    .map_err(|e| errno_of(&e)),
            ),
            1 => outcome(
                "read",
                f.read_exact_at(buf.bytes_mut(), at * 2048)
                    .map_err(|e| errno_of(&e)),
            ),
            _ => outcome("fsync", f.sync_all().map_err(|e| errno_of(&e))),
        }
    }

    fn block_ioctl(&mut self) -> String {
        let Some(i) = self.pick() else {
            return self.open();
        };
        let (name, nr) = if self.rng.below(10) == 0 {
            // An unknown CD ioctl number (type 'S').
            ("unknown", 0x5300 | self.rng.below(0x100))
        } else {
            BLOCK_IOCTLS[self.rng.below(BLOCK_IOCTLS.len() as u64) as usize]
        };
        // Small integer arguments for the ioctls that take one by value.
        let mut arg = Aligned::new(4096, 0);
        let by_value = matches!(
            name,
            "CDROM_LOCKDOOR"
                | "CDROM_SET_OPTIONS"
                | "CDROM_CLEAR_OPTIONS"
                | "CDROM_SELECT_SPEED"
                | "CDROM_MEDIA_CHANGED"
                | "CDROM_DRIVE_STATUS"
        );
        let value = self.rng.below(4);
        let fd = self.held[i].as_raw_fd();
        // SAFETY: the argument is either a small integer (for the ioctls
        // that take one by value) or a zeroed, writable 4 KiB buffer that
        // outlives the call, larger than any of these ioctls' structs.
        let r = unsafe {
            if by_value {
                libc::ioctl(fd, nr as libc::Ioctl, value as libc::c_ulong)
            } else {
                libc::ioctl(fd, nr as libc::Ioctl, arg.bytes_mut().as_mut_ptr())
            }
        };
        let kind = format!("blkioctl-{}", name.to_lowercase());
        if r < 0 {
            format!("{kind}:{}", errno_name(crate::last_errno()))
        } else {
            format!("{kind}:ok")
        }
    }

    /// The disc taken out or put back on a random emulated drive.
    fn drive(&mut self) -> String {
        if self.sockets.is_empty() {
            return "drive:none".into();
        }
        let sock = self.sockets[self.rng.below(self.sockets.len() as u64) as usize].clone();
        // Mostly back in: a drive left empty makes the rest of the run dull.
        let line = if self.rng.below(3) == 0 {
            "eject\n"
        } else {
            "insert\n"
        };
        let r = UnixStream::connect(&sock)
            .and_then(|mut s| {
                s.write_all(line.as_bytes())?;
                let mut reply = String::new();
                s.read_to_string(&mut reply)?;
                Ok(reply)
            })
            .map_err(|e| errno_of(&e));
        match r {
            Ok(reply) if reply.starts_with("error") => format!("drive-{}:refused", line.trim()),
            Ok(_) => format!("drive-{}:ok", line.trim()),
            Err(e) => format!("drive-{}:{e}", line.trim()),
        }
    }

    fn step(&mut self) -> String {
        match self.rng.below(100) {
            0..=19 => self.control(),
            20..=34 => self.sysfs(),
            35..=49 => self.open(),
            50..=57 => self.close(),
            58..=77 => self.io(),
            78..=95 => self.block_ioctl(),
            _ => self.drive(),
        }
    }
}

/// Runs `count` random operations with `seed`; the outcome counts.
pub(crate) fn run(seed: u64, count: u64, cds: &[DevNum]) -> Result<String, i32> {
    let pkt_major = std::fs::read_to_string("/proc/devices")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.ends_with(" pktcdvd"))
                .and_then(|l| l.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0u32);
    let mut sockets: Vec<String> = std::fs::read_dir("/run/mmc-drive")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path().to_string_lossy().into_owned())
                .filter(|p| p.ends_with(".sock"))
                .collect()
        })
        .unwrap_or_default();
    sockets.sort();
    let mut f = Fuzzer {
        rng: FuzzRng::new(seed),
        cds: cds.to_vec(),
        pkt_major,
        sockets,
        held: Vec::new(),
        outcomes: BTreeMap::new(),
    };
    for _ in 0..count {
        let key = f.step();
        *f.outcomes.entry(key).or_insert(0) += 1;
    }
    Ok(f.outcomes
        .iter()
        .map(|(k, n)| format!("{k}={n}"))
        .collect::<Vec<_>>()
        .join(" "))
}
