//! A drive's medium on disk: a sparse image file (on the host) or the
//! virtio disk that file becomes in the guest.
//!
//! Layout: the first MiB holds a text header (`PKTCDVD-RS-MMC-IMAGE 1` and
//! `key=value` lines) describing the disc; block `lba` of the disc is at
//! `DATA_OFFSET + lba * 2048`.  Images are created big enough for any
//! medium, so `change` can put in a larger disc; unwritten parts stay holes.

use mmc_model::{Medium, MediumKind, MediumState, Store, BLOCK};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, FileTypeExt};
use std::os::unix::io::AsRawFd;
use std::path::Path;

const MAGIC: &str = "PKTCDVD-RS-MMC-IMAGE 1\n";
/// Where block 0 starts.
pub const DATA_OFFSET: u64 = 1 << 20;
/// Blocks an image must hold: the largest medium (BD-RE, 25 GB).
pub const MAX_BLOCKS: u64 = 12_219_392;

/// An open image: the disc's description and its blocks.
pub struct Image {
    file: File,
    block_device: bool,
}

fn kind_name(k: MediumKind) -> &'static str {
    match k {
        MediumKind::CdRw => "cdrw",
        MediumKind::DvdRw => "dvdrw",
        MediumKind::DvdPlusRw => "dvd+rw",
        MediumKind::DvdRam => "dvdram",
        MediumKind::BdRe => "bdre",
        MediumKind::CdR => "cdr",
        MediumKind::DvdR => "dvdr",
    }
}

fn kind_from(s: &str) -> Option<MediumKind> {
    Some(match s {
        "cdrw" => MediumKind::CdRw,
        "dvdrw" => MediumKind::DvdRw,
        "dvd+rw" => MediumKind::DvdPlusRw,
        "dvdram" => MediumKind::DvdRam,
        "bdre" => MediumKind::BdRe,
        "cdr" => MediumKind::CdR,
        "dvdr" => MediumKind::DvdR,
        _ => return None,
    })
}

/// The header text for `medium`.
pub fn header_text(medium: Option<&Medium>) -> String {
    let mut s = String::from(MAGIC);
    match medium {
        None => s.push_str("medium=none\n"),
        Some(m) => {
            let (state, param) = match m.state {
                MediumState::Blank => ("blank", 0),
                MediumState::Formatted { packet } => ("formatted", packet),
                MediumState::Mrw { bg_status } => ("mrw", u32::from(bg_status)),
                MediumState::Appendable { next } => ("appendable", next),
            };
            s.push_str(&format!(
                "medium={}\nstate={state}\nparam={param}\nraw_blocks={}\nwrite_protected={}\ndirty={}\n",
                kind_name(m.kind),
                m.raw_blocks,
                u8::from(m.write_protected),
                u8::from(m.dirty)
            ));
        }
    }
    s
}

/// Parses a header; `Err` says why it is not one.
pub fn parse_header(text: &str) -> Result<Option<Medium>, String> {
    let body = text
        .strip_prefix(MAGIC)
        .ok_or("not a pktcdvd-rs drive image")?;
    let mut kv = std::collections::HashMap::new();
    for line in body.lines() {
        if let Some((k, v)) = line.split_once('=') {
            kv.insert(k, v);
        }
    }
    let get = |k: &str| {
        kv.get(k)
            .copied()
            .ok_or(format!("image header lacks '{k}'"))
    };
    let medium = get("medium")?;
    if medium == "none" {
        return Ok(None);
    }
    let kind = kind_from(medium).ok_or(format!("unknown medium '{medium}'"))?;
    let num =
        |k: &str| -> Result<u32, String> { get(k)?.parse().map_err(|_| format!("bad '{k}'")) };
    let param = num("param")?;
    let state = match get("state")? {
        "blank" => MediumState::Blank,
        "formatted" => MediumState::Formatted { packet: param },
        "mrw" => MediumState::Mrw {
            bg_status: param as u8,
        },
        "appendable" => MediumState::Appendable { next: param },
        other => return Err(format!("unknown state '{other}'")),
    };
    let mut m = Medium::new(kind, state, num("raw_blocks")?);
    m.write_protected = num("write_protected")? != 0;
    m.dirty = num("dirty")? != 0;
    Ok(Some(m))
}

impl Image {
    /// Creates a sparse image file holding `medium`.
    pub fn create(path: &Path, medium: Option<&Medium>) -> io::Result<()> {
        let mut f = File::create(path)?;
        f.set_len(DATA_OFFSET + MAX_BLOCKS * BLOCK as u64)?;
        f.write_all(header_text(medium).as_bytes())?;
        Ok(())
    }

    /// Opens an image file or block device.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        let block_device = file.metadata()?.file_type().is_block_device();
        Ok(Image { file, block_device })
    }

    /// The disc the header describes.
    pub fn medium(&mut self) -> io::Result<Option<Medium>> {
        let mut buf = vec![0u8; 4096];
        self.file.seek(SeekFrom::Start(0))?;
        self.file.read_exact(&mut buf)?;
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        let text = String::from_utf8_lossy(&buf[..end]);
        parse_header(&text).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    /// Rewrites the header for `medium`, durably.
    pub fn save(&mut self, medium: Option<&Medium>) -> io::Result<()> {
        let mut buf = vec![0u8; 4096];
        let text = header_text(medium);
        buf[..text.len()].copy_from_slice(text.as_bytes());
        self.file.write_all_at(&buf, 0)?;
        self.file.sync_data()
    }

    /// Makes `blocks` blocks from 0 read as zeros, cheaply: punching a
    /// hole, which on a virtio disk becomes a write-zeroes that QEMU may
    /// unmap (a hole in the host file).  Only where that is not supported,
    /// BLKZEROOUT, which writes zeros for real.
    fn zero(&mut self, blocks: u64) -> io::Result<()> {
        let (start, len) = (DATA_OFFSET, blocks * BLOCK as u64);
        let fd = self.file.as_raw_fd();
        // SAFETY: plain fallocate on an open file or block device.
        let rc = unsafe {
            libc::fallocate(
                fd,
                libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
                start as libc::off_t,
                len as libc::off_t,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if !self.block_device {
            return Err(err);
        }
        let range: [u64; 2] = [start, len];
        // BLKZEROOUT = _IO(0x12, 127)
        // SAFETY: `fd` is an open block device and `range` is the
        // [start, length] pair of u64 the ioctl reads; it outlives the call.
        if unsafe { libc::ioctl(fd, 0x127f, range.as_ptr()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// The disc's blocks in an image.
pub struct ImageStore {
    image: Image,
}

impl ImageStore {
    /// Blocks of `image`.
    pub fn new(image: Image) -> Self {
        ImageStore { image }
    }
}

impl Store for ImageStore {
    fn read(&mut self, lba: u32, buf: &mut [u8]) -> io::Result<()> {
        self.image
            .file
            .read_exact_at(buf, DATA_OFFSET + u64::from(lba) * BLOCK as u64)
    }

    fn write(&mut self, lba: u32, data: &[u8]) -> io::Result<()> {
        self.image
            .file
            .write_all_at(data, DATA_OFFSET + u64::from(lba) * BLOCK as u64)
    }

    fn erase(&mut self, blocks: u32) -> io::Result<()> {
        self.image.zero(u64::from(blocks))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mmc_model::Preset;

    #[test]
    fn header_round_trip() {
        for p in mmc_model::PRESETS {
            let m = p.medium(Some(1000));
            assert_eq!(parse_header(&header_text(Some(&m))), Ok(Some(m)));
        }
        assert_eq!(parse_header(&header_text(None)), Ok(None));
        assert!(parse_header("garbage").is_err());
    }

    #[test]
    fn file_store_zeroes_on_erase() {
        let dir = std::env::temp_dir().join(format!("mmc-img-{}", std::process::id()));
        let m = Preset::find("dvdram").unwrap().medium(Some(64));
        Image::create(&dir, Some(&m)).unwrap();
        let mut img = Image::open(&dir).unwrap();
        assert_eq!(img.medium().unwrap(), Some(m));
        let mut s = ImageStore::new(img);
        s.write(3, &[7u8; 2048]).unwrap();
        let mut b = vec![0u8; 4096];
        s.read(3, &mut b).unwrap();
        assert_eq!(&b[..2048], &[7u8; 2048][..]);
        assert_eq!(&b[2048..], &[0u8; 2048][..]);
        s.erase(64).unwrap();
        s.read(3, &mut b).unwrap();
        assert!(b.iter().all(|&x| x == 0));
        std::fs::remove_file(&dir).unwrap();
    }
}
