//! `pktctl check`, `info` and `format` against the drive model: on every
//! medium the model offers, what pktctl reads (through `pktcore::mmc`),
//! concludes and sends, as it does through SG_IO on a real drive.

use mmc_model::{Drive, DriveConfig, Medium, MemStore, Status, PRESETS};
use pktcore::mmc::Cdb;
use pktctl::disc::{self, Step};
use pktctl::sg::{Dir, Mmc, ScsiError, Sense};
use std::cell::RefCell;

/// The model behind pktctl's [`Mmc`], as SG_IO has it: the data-in as
/// long as the drive sent it, the sense of a CHECK CONDITION.
struct Model(RefCell<Drive>);

impl Model {
    fn new(medium: Option<Medium>) -> Self {
        let m = Model(RefCell::new(Drive::new(
            DriveConfig::default(),
            medium,
            Box::new(MemStore::new()),
        )));
        let _ = m.test_unit_ready(); // power-on unit attention
        m
    }
}

impl Mmc for Model {
    fn command(
        &self,
        cdb: &Cdb,
        buf: &mut [u8],
        dir: Dir,
        _timeout_ms: u32,
    ) -> Result<usize, ScsiError> {
        let out = if dir == Dir::Out { &buf[..] } else { &[] };
        let c = self.0.borrow_mut().execute(cdb.bytes(), out);
        if c.status != Status::Good {
            let sense = c.sense.map(|s| s.to_bytes()).unwrap_or_default();
            return Err(ScsiError::Check(Sense::parse(&sense)));
        }
        if dir != Dir::In {
            return Ok(buf.len());
        }
        let n = c.data_in.len().min(buf.len());
        buf[..n].copy_from_slice(&c.data_in[..n]);
        Ok(n)
    }
}

/// `pktctl check`'s verdict on each medium: how it is written, or why not.
fn expected(preset: &str) -> Result<&'static str, &'static str> {
    match preset {
        "cdrw-blank" => Err("the CD-RW is blank"),
        "cdrw" => Ok("CD-RW: fixed packets of 32 blocks (64 KiB), Mode 2"),
        "cdrw-mrw" => Ok("CD-RW: random-access packets of 32 blocks (64 KiB), Mode 1"),
        "dvdrw-seq" => Err("the DVD-RW is in sequential recording mode"),
        "dvdrw" => Ok("DVD-RW (restricted overwrite): fixed packets of 16 blocks (32 KiB), Mode 1"),
        "dvd+rw-blank" => Err("the DVD+RW is not formatted"),
        "dvd+rw" => Ok("DVD+RW: random-access packets of 16 blocks (32 KiB), Mode 1"),
        "dvdram" => Ok("DVD-RAM: random-access packets of 16 blocks (32 KiB), Mode 1"),
        "bdre-blank" => Err("the BD-RE is not formatted"),
        "bdre" => Ok("BD-RE: random-access packets of 32 blocks (64 KiB), Mode 1"),
        "cdr" | "dvdr" => Err("the disc is write-once"),
        other => panic!("no expectation for the model's medium {other}: add one"),
    }
}

#[test]
fn check_and_info_on_every_medium() {
    for preset in PRESETS {
        let name = preset.name;
        let medium = preset.medium(None);
        let f = disc::facts(&Model::new(Some(medium.clone()))).unwrap();
        assert_eq!(
            (f.vendor.as_str(), f.product.as_str(), f.revision.as_str()),
            ("PKTCDVD", "Emulated RW Dr.", "1.00")
        );
        assert_eq!(f.profile, medium.profile(), "{name}");
        assert_eq!(f.profiles.len(), 12, "{name}");
        assert!(f.profiles.contains(&f.profile), "{name}");
        let rated_write = medium.kind.rated_speeds().1;
        assert_eq!(f.speeds, (Some(48 * 176), Some(rated_write)), "{name}");
        let verdict = match disc::verdict(&f) {
            Ok(how) => Ok(how),
            Err((why, todo)) => {
                assert!(!todo.is_empty(), "{name}");
                Err(why)
            }
        };
        let want = expected(name).map(str::to_string).map_err(str::to_string);
        assert_eq!(verdict, want, "{name}");
        let t = f.track.unwrap();
        if medium.is_overwritable() {
            assert_eq!(f.capacity, Some(medium.user_blocks()), "{name}");
            assert_eq!(
                (f.formatted, f.free_blocks),
                (Some(true), Some(0)),
                "{name}"
            );
            assert_eq!(
                t.packet_size,
                medium.fixed_packet().unwrap_or(t.packet_size)
            );
        } else {
            assert_eq!(f.formatted, Some(false), "{name}");
            assert_eq!(f.free_blocks, Some(medium.raw_blocks), "{name}");
        }
        let j = disc::to_json(&f);
        assert_eq!(
            j["medium"]["packet_writing"]["possible"],
            expected(name).is_ok(),
            "{name}"
        );
    }
    let f = disc::facts(&Model::new(None)).unwrap();
    assert_eq!((f.profile, f.disc, f.track), (0, None, None));
    assert_eq!(
        disc::verdict(&f).unwrap_err().0,
        "there is no disc in the drive"
    );
    assert!(disc::to_json(&f)["medium"].is_null());
}

#[test]
fn format_makes_every_rewritable_medium_usable() {
    for preset in PRESETS {
        for (quick, mrw) in [(true, false), (false, false), (true, true)] {
            let name = preset.name;
            let medium = preset.medium(Some(65_536));
            let d = Model::new(Some(medium.clone()));
            let Some(plan) = disc::format_plan(medium.profile(), quick, mrw) else {
                assert!(medium.kind.is_write_once(), "{name}: no format");
                continue;
            };
            for step in &plan {
                disc::send(&d, step).unwrap_or_else(|e| panic!("{name}: {step:?}: {e}"));
                if !matches!(step, Step::FixedPacketParams) {
                    let done = (0..100).any(|_| d.test_unit_ready().is_ok());
                    assert!(done, "{name}: {step:?} never finished");
                }
            }
            let f = disc::facts(&d).unwrap();
            let how = disc::verdict(&f).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let cd_fixed = medium.profile() == 0x0a && !mrw;
            assert_eq!(
                how.contains("fixed packets"),
                cd_fixed || f.profile == 0x13,
                "{name}: {how}"
            );
            if cd_fixed {
                assert!(
                    how.ends_with("of 32 blocks (64 KiB), Mode 2"),
                    "{name}: {how}"
                );
            }
        }
    }
}
