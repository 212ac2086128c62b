//! `pktcore::mmc` and `pktcore::probe` against the drive model.
//!
//! - The module's write-open probe (`rust/write_probe.rs`), step for step
//!   with the same CDBs and buffers, on every medium the model offers: the
//!   decision or refusal, the page 05 it programs (and the model accepts),
//!   the page 2A write speed.
//! - A seeded fuzzer of every answer parser, on the model's answers
//!   mutated (truncated, zero-filled, oversized, fields set to extremes,
//!   bytes flipped) and on random bytes: never a panic, never a geometry
//!   out of range, always a decision that fits the answers or a refusal
//!   with a reason and advice.  Reproducible: `PKTCORE_FUZZ_SEED` and
//!   `PKTCORE_FUZZ_CASES` explore further, `PKTCORE_FUZZ_CASE` replays one
//!   case (the failing case is printed).

use mmc_model::fuzz_rng::FuzzRng;
use mmc_model::{Drive, DriveConfig, Medium, MemStore, Status, PRESETS};
use pktcore::mmc::{
    self, cdb, Capabilities, Cdb, DiscInfo, FormatCapacities, ModePage, ModePageMut, Sense,
    TrackInfo, WriteParams,
};
use pktcore::probe::{self, Kind, Refusal, WriteSettings};
use pktcore::zone::MAX_PACKET_FRAMES;
use std::time::Instant;

/// The module's default write speed when page 2A says nothing (kB/s).
const DEFAULT_SPEED: u32 = 16 * 177;

/// The drive as the module's `CdHandle::mmc` sees it: the SCSI layer sends
/// as many bytes of the 12-byte CDB as its opcode says, and a zero-filled
/// buffer of the caller's size gets what the drive sent.
struct Kernel(Drive);

impl Kernel {
    fn new(medium: Option<Medium>) -> Self {
        let mut d = Drive::new(DriveConfig::default(), medium, Box::new(MemStore::new()));
        let _ = d.execute(cdb::test_unit_ready().bytes(), &[]); // power-on unit attention
        Kernel(d)
    }

    /// The command's data-in, or `None` for CHECK CONDITION.
    fn send(&mut self, cdb: &Cdb, out: &[u8]) -> Option<Vec<u8>> {
        let len = cdb.bytes().len();
        assert!(
            cdb.padded()[len..].iter().all(|&b| b == 0),
            "{cdb:02x?}: bytes past its length"
        );
        let c = self.0.execute(&cdb.padded()[..len], out);
        (c.status == Status::Good).then_some(c.data_in)
    }

    /// A read into a zeroed `len`-byte buffer, as the shim does it.
    fn read(&mut self, cdb: &Cdb, len: usize) -> Option<Vec<u8>> {
        let data = self.send(cdb, &[])?;
        let mut buf = vec![0u8; len];
        let n = data.len().min(len);
        buf[..n].copy_from_slice(&data[..n]);
        Some(buf)
    }
}

/// The answers the module's probe decides from.
#[derive(Clone, Debug)]
struct ProbeAnswers {
    /// GET CONFIGURATION header; `None`: the drive refused it.
    config: Option<Vec<u8>>,
    disc: Vec<u8>,
    track: Vec<u8>,
}

/// The decision of `rust/write_probe.rs` from its answers.
fn decide(a: &ProbeAnswers) -> Result<WriteSettings, Refusal> {
    let profile = a.config.as_deref().map_or(0xffff, mmc::current_profile);
    probe::decide(
        profile,
        &DiscInfo::parse(&a.disc),
        &TrackInfo::parse(&a.track),
    )
}

/// The write speed `rust/write_probe.rs` takes from a page 2A answer.
fn write_speed(caps: &[u8]) -> u32 {
    Capabilities::find(caps)
        .ok()
        .and_then(|c| c.write_speed())
        .unwrap_or(DEFAULT_SPEED)
}

/// What the probe should conclude on each of the model's media: the kind,
/// frames per packet, data block type and whether page 05 is programmed;
/// or the refusal's reason.
fn expected(preset: &str) -> Result<(Kind, u32, u8, bool), &'static str> {
    Ok(match preset {
        "cdrw-blank" => return Err("the CD-RW is blank"),
        "cdrw" => (Kind::CdRw, 32, 10, true),
        "cdrw-mrw" => (Kind::Mrw, 32, 8, false),
        "dvdrw-seq" => return Err("the DVD-RW is in sequential recording mode"),
        "dvdrw" => (Kind::DvdRw, 16, 8, true),
        "dvd+rw-blank" => return Err("the DVD+RW is not formatted"),
        "dvd+rw" => (Kind::DvdPlusRw, 16, 8, false),
        "dvdram" => (Kind::DvdRam, 16, 8, false),
        "bdre-blank" => return Err("the BD-RE is not formatted"),
        "bdre" => (Kind::BdRe, 32, 8, false),
        "cdr" | "dvdr" => return Err("the disc is write-once"),
        other => panic!("no expectation for the model's medium {other}: add one"),
    })
}

#[test]
fn the_module_probe_on_every_medium() {
    for preset in PRESETS {
        let medium = preset.medium(None);
        let name = preset.name;
        let mut k = Kernel::new(Some(medium.clone()));
        let answers = ProbeAnswers {
            config: k.read(&cdb::get_configuration(8), 8),
            disc: k
                .read(&cdb::read_disc_information(), DiscInfo::LEN)
                .unwrap(),
            track: k
                .read(&cdb::read_track_information(1), TrackInfo::LEN)
                .unwrap(),
        };
        assert_eq!(
            answers.config.as_deref().map(mmc::current_profile),
            Some(medium.profile()),
            "{name}"
        );
        let s = match (decide(&answers), expected(name)) {
            (Err(r), Err(reason)) => {
                assert_eq!(r.reason, reason, "{name}");
                assert!(!r.advice.is_empty(), "{name}");
                continue;
            }
            (Ok(s), Ok((kind, frames, block_mode, page05))) => {
                assert_eq!(
                    (s.kind, s.geometry.frames(), s.block_mode, s.program_page05),
                    (kind, frames, block_mode, page05),
                    "{name}"
                );
                assert_eq!(s.geometry.start(), 0, "{name}");
                // The drive's own unit: its fixed packet or ECC block.
                let unit = medium.fixed_packet().unwrap_or(match kind {
                    Kind::Mrw => 32,
                    _ => medium.kind.ecc_blocks(),
                });
                assert_eq!(s.geometry.frames(), unit, "{name}");
                s
            }
            (got, want) => panic!("{name}: decided {got:?}, expected {want:?}"),
        };
        if let Some(params) = s.write_params() {
            let mut answer = k
                .read(&cdb::mode_sense(WriteParams::PAGE, 128), 128)
                .unwrap();
            let mut page = ModePageMut::find(&mut answer, WriteParams::PAGE).unwrap();
            params.fill(page.bytes_mut());
            let (select, list) = page.into_select();
            assert!(
                k.send(&select, list).is_some(),
                "{name}: MODE SELECT refused"
            );
            // The drive now has fixed packets of the disc's size.
            let answer = k
                .read(&cdb::mode_sense(WriteParams::PAGE, 128), 128)
                .unwrap();
            let p = ModePage::find(&answer, WriteParams::PAGE).unwrap().bytes();
            assert_eq!(p[2] & 0x0f, 0, "{name}: write type packet");
            assert_eq!(p[3] & 0x2f, 0x20 | s.track_mode, "{name}: FP, track mode");
            assert_eq!(p[4] & 0x0f, s.block_mode, "{name}");
            assert_eq!(&p[10..14], &s.geometry.frames().to_be_bytes(), "{name}");
        }
        let caps = k
            .read(&cdb::mode_sense(Capabilities::PAGE, 255), 255)
            .unwrap();
        let speed = write_speed(&caps);
        assert_eq!(speed, medium.kind.rated_speeds().1, "{name}: page 2A");
        let speed = u16::try_from(speed).unwrap();
        assert!(
            k.send(&cdb::set_speed(speed, speed), &[]).is_some(),
            "{name}"
        );
        assert!(k.send(&cdb::send_opc(), &[]).is_some(), "{name}");
    }
    // No disc: READ DISC INFORMATION fails, the module answers EIO.
    let mut k = Kernel::new(None);
    assert_eq!(
        k.read(&cdb::get_configuration(8), 8)
            .as_deref()
            .map(mmc::current_profile),
        Some(0)
    );
    assert!(k
        .read(&cdb::read_disc_information(), DiscInfo::LEN)
        .is_none());
}

/// One set of answers to mutate: what the module and `pktctl` ask.
#[derive(Clone, Debug, Default)]
struct Answers {
    config: Vec<u8>,
    profiles: Vec<u8>,
    disc: Vec<u8>,
    track: Vec<u8>,
    page05: Vec<u8>,
    caps: Vec<u8>,
    inquiry: Vec<u8>,
    capacity: Vec<u8>,
    formats: Vec<u8>,
    sense: Vec<u8>,
}

/// The model's answers on `medium`, as long as it sent them.
fn model_answers(medium: Option<Medium>) -> Answers {
    let mut k = Kernel::new(medium);
    let mut ask = |cdb: Cdb| k.send(&cdb, &[]).unwrap_or_default();
    Answers {
        config: ask(cdb::get_configuration(8)),
        profiles: ask(cdb::get_configuration(255)),
        disc: ask(cdb::read_disc_information()),
        track: ask(cdb::read_track_information(1)),
        page05: ask(cdb::mode_sense(WriteParams::PAGE, 128)),
        caps: ask(cdb::mode_sense(Capabilities::PAGE, 255)),
        inquiry: ask(cdb::inquiry(36)),
        capacity: ask(cdb::read_capacity()),
        formats: ask(cdb::read_format_capacities(255)),
        sense: ask(cdb::request_sense(18)),
    }
}

/// A value a field is likely to break things with.
fn extreme(rng: &mut FuzzRng) -> u32 {
    const V: [u32; 12] = [
        0,
        1,
        2,
        7,
        16,
        32,
        127,
        128,
        129,
        0xffff,
        0x8000_0000,
        u32::MAX,
    ];
    match rng.below(3) {
        0 => rng.next() as u32,
        _ => V[rng.below(V.len() as u64) as usize],
    }
}

fn put(b: &mut Vec<u8>, at: usize, bytes: &[u8]) {
    if b.len() < at + bytes.len() {
        b.resize(at + bytes.len(), 0);
    }
    b[at..at + bytes.len()].copy_from_slice(bytes);
}

/// `b` changed as a broken or hostile drive might answer: `typical` is
/// the buffer the module reads it into.
fn mutate(rng: &mut FuzzRng, b: &mut Vec<u8>, typical: usize) {
    for _ in 0..=rng.below(3) {
        match rng.below(9) {
            0 => {}
            1 => b.truncate(rng.below(b.len() as u64 + 1) as usize),
            2 => b.resize(typical, 0), // the kernel's zero-filled buffer
            3 => {
                let more = if rng.below(40) == 0 { 70_000 } else { 600 };
                let n = rng.below(more) as usize;
                b.extend((0..n).map(|_| rng.byte()));
            }
            4 if !b.is_empty() => {
                for _ in 0..=rng.below(8) {
                    let i = rng.below(b.len() as u64) as usize;
                    b[i] = rng.byte();
                }
            }
            5 => {
                let at = rng.below(typical as u64 + 8) as usize;
                match rng.below(3) {
                    0 => put(b, at, &[extreme(rng) as u8]),
                    1 => put(b, at, &(extreme(rng) as u16).to_be_bytes()),
                    _ => put(b, at, &extreme(rng).to_be_bytes()),
                }
            }
            6 => {
                let n = rng.below(typical as u64 * 2 + 2) as usize;
                *b = (0..n).map(|_| rng.byte()).collect();
            }
            7 => b.clear(),
            _ => {
                let fill = [0x00, 0xff][rng.below(2) as usize];
                b.fill(fill);
            }
        }
    }
}

/// Field-aware changes: the profile, the track's packet size and start,
/// the mode data and block descriptor lengths, the list lengths.
fn contradict(rng: &mut FuzzRng, a: &mut Answers) {
    const PROFILES: [u16; 14] = [
        0x0000, 0x0008, 0x0009, 0x000a, 0x0010, 0x0011, 0x0012, 0x0013, 0x0014, 0x001a, 0x001b,
        0x0043, 0x0041, 0xffff,
    ];
    if rng.below(2) == 0 {
        let p = PROFILES[rng.below(PROFILES.len() as u64) as usize];
        put(&mut a.config, 6, &p.to_be_bytes());
    }
    if rng.below(2) == 0 {
        put(&mut a.track, 20, &extreme(rng).to_be_bytes());
    }
    if rng.below(3) == 0 {
        put(&mut a.track, 8, &extreme(rng).to_be_bytes());
    }
    if rng.below(3) == 0 {
        put(&mut a.track, 6, &[rng.byte()]);
    }
    if rng.below(3) == 0 {
        put(&mut a.disc, 2, &[rng.byte()]);
    }
    for page in [&mut a.page05, &mut a.caps] {
        match rng.below(4) {
            0 => put(page, 0, &(extreme(rng) as u16).to_be_bytes()),
            1 => put(page, 6, &(extreme(rng) as u16).to_be_bytes()),
            2 => put(page, 9, &[extreme(rng) as u8]),
            _ => {}
        }
    }
    if rng.below(3) == 0 {
        put(&mut a.formats, 3, &[extreme(rng) as u8]);
    }
    if rng.below(3) == 0 {
        put(&mut a.profiles, 11, &[extreme(rng) as u8]);
    }
    if rng.below(3) == 0 {
        put(&mut a.capacity, 0, &extreme(rng).to_be_bytes());
    }
}

/// What a decision must respect, whatever the answers were.
fn check_decision(d: &Result<WriteSettings, Refusal>, track: &TrackInfo, seen: &mut Seen) {
    let s = match d {
        Err(r) => {
            assert!(!r.reason.is_empty() && !r.advice.is_empty(), "{r:?}");
            seen.refusals += 1;
            return;
        }
        Ok(s) => s,
    };
    let frames = s.geometry.frames();
    assert!((1..=MAX_PACKET_FRAMES).contains(&frames), "{s:?}");
    let ecc = |default| {
        if (1..=MAX_PACKET_FRAMES).contains(&track.packet_size) {
            track.packet_size
        } else {
            default
        }
    };
    match s.kind {
        Kind::CdRw | Kind::DvdRw => {
            assert_eq!(
                (frames, s.geometry.start()),
                (track.packet_size, track.start)
            );
            assert!(s.program_page05 && matches!(s.block_mode, 8 | 10), "{s:?}");
            assert_eq!(s.track_mode, track.track_mode);
        }
        Kind::Mrw | Kind::DvdPlusRw | Kind::DvdRam | Kind::BdRe => {
            let want = match s.kind {
                Kind::Mrw => 32,
                Kind::BdRe => ecc(32),
                _ => ecc(16),
            };
            assert_eq!((frames, s.geometry.start()), (want, 0), "{s:?}");
            assert!(!s.program_page05 && s.block_mode == 8, "{s:?}");
        }
    }
    let p = s.write_params();
    assert_eq!(p.is_some(), s.program_page05);
    assert!(p.is_none_or(|p| p.packet_frames == frames));
    seen.kinds[s.kind as usize] += 1;
}

/// How far the fuzzer got, so that it is known to reach every branch.
#[derive(Debug, Default)]
struct Seen {
    kinds: [u32; 6],
    refusals: u32,
    pages: u32,
    speeds: u32,
    formattable: u32,
    profiles: u32,
}

/// Every parser on one set of answers.
fn check_answers(rng: &mut FuzzRng, a: &mut Answers, seen: &mut Seen) {
    let probe = ProbeAnswers {
        config: (rng.below(8) != 0).then(|| a.config.clone()),
        disc: a.disc.clone(),
        track: a.track.clone(),
    };
    let decision = decide(&probe);
    check_decision(&decision, &TrackInfo::parse(&a.track), seen);

    // Page 05: found, or refused; programmed and sent back within bounds.
    let len = a.page05.len();
    let view = ModePage::find(&a.page05, WriteParams::PAGE).map(|p| p.bytes().len());
    match ModePageMut::find(&mut a.page05, WriteParams::PAGE) {
        Ok(mut page) => {
            let n = page.bytes_mut().len();
            assert!(n >= 2 && n <= len && view == Ok(n));
            let params = match decision.ok().and_then(|s| s.write_params()) {
                Some(p) => p,
                None => WriteParams {
                    packet_frames: extreme(rng),
                    block_mode: rng.byte(),
                    track_mode: rng.byte(),
                },
            };
            params.fill(page.bytes_mut());
            assert_eq!(page.bytes_mut().len(), n);
            let (select, list) = page.into_select();
            assert!(list.len() >= 10 && list.len() <= len);
            assert_eq!(&list[..2], &[0, 0]);
            assert_eq!(select, cdb::mode_select(list.len() as u16));
            seen.pages += 1;
        }
        Err(e) => {
            assert!(!e.reason.is_empty());
            assert!(view.is_err());
        }
    }

    // Page 2A: a speed the module can send.
    if let Ok(caps) = Capabilities::find(&a.caps) {
        for v in [caps.write_speed(), caps.read_speed()]
            .into_iter()
            .flatten()
        {
            assert!((1..=0xffff).contains(&v));
            seen.speeds += 1;
        }
    }
    assert!(u16::try_from(write_speed(&a.caps)).is_ok());

    // What pktctl reads.
    let n = mmc::profiles(&a.profiles).count();
    assert!(n <= a.profiles.len().saturating_sub(12) / 4 && n <= 64);
    seen.profiles += u32::from(n > 0);
    let [vendor, product, revision] = mmc::inquiry_ids(&a.inquiry);
    assert!(vendor.len() <= 8 && product.len() <= 16 && revision.len() <= 4);
    let _ = mmc::capacity_blocks(&a.capacity);
    let formats = FormatCapacities::new(&a.formats);
    let _ = formats.formatted();
    for kind in [0x00, 0x10, 0x15, 0x24, 0x26, 0x30, rng.byte() & 0x3f] {
        if formats.formattable(kind).is_some() {
            assert!(a.formats.len() >= 20);
            seen.formattable += 1;
        }
    }
    let sense = Sense::parse(&a.sense);
    assert!(sense.key <= 0x0f);
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[test]
fn every_answer_parser_takes_any_bytes() {
    let seed = env_u64("PKTCORE_FUZZ_SEED").unwrap_or(0x6d6d_632d_6675_7a7a);
    let cases = env_u64("PKTCORE_FUZZ_CASES").unwrap_or(20_000);
    let only = env_u64("PKTCORE_FUZZ_CASE");
    let mut bases: Vec<Answers> = PRESETS
        .iter()
        .map(|p| model_answers(Some(p.medium(Some(65_536)))))
        .collect();
    bases.push(model_answers(None));
    let start = Instant::now();
    let mut seen = Seen::default();
    for case in only.map_or(0..cases, |c| c..c + 1) {
        // Each case has its own generator: one case replays alone.
        let mut rng = FuzzRng::new(seed ^ (case + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut a = if rng.below(8) == 0 {
                Answers::default()
            } else {
                bases[rng.below(bases.len() as u64) as usize].clone()
            };
            for (b, typical) in [
                (&mut a.config, 8),
                (&mut a.profiles, 255),
                (&mut a.disc, DiscInfo::LEN),
                (&mut a.track, TrackInfo::LEN),
                (&mut a.page05, 128),
                (&mut a.caps, 255),
                (&mut a.inquiry, 36),
                (&mut a.capacity, 8),
                (&mut a.formats, 255),
                (&mut a.sense, 18),
            ] {
                if rng.below(3) == 0 {
                    mutate(&mut rng, b, typical);
                }
            }
            if rng.below(2) == 0 {
                contradict(&mut rng, &mut a);
            }
            check_answers(&mut rng, &mut a, &mut seen);
        }));
        if let Err(e) = run {
            eprintln!("failed: PKTCORE_FUZZ_SEED={seed} PKTCORE_FUZZ_CASE={case}");
            std::panic::resume_unwind(e);
        }
    }
    eprintln!("{cases} cases in {:.0?}: {seen:?}", start.elapsed());
    if only.is_none() && cases >= 10_000 {
        // The fuzzer reaches every decision and every parser's success.
        assert!(seen.kinds.iter().all(|&n| n > 0), "{seen:?}");
        assert!(
            seen.refusals > 0 && seen.pages > 0 && seen.speeds > 0,
            "{seen:?}"
        );
        assert!(seen.formattable > 0 && seen.profiles > 0, "{seen:?}");
    }
}
