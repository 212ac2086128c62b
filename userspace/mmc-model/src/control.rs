//! The control channel: one-line text commands that act on the drive as a
//! person (or a broken drive) would, and report what it counted.
//!
//! ```text
//! eject                      open the tray and take the disc out (the kernel sees a removal)
//! eject-request              press the eject button (the kernel is asked)
//! insert                     put that disc back in and close the tray
//! change PRESET [BLOCKS]     put another, fresh disc in ("none" leaves the drive empty)
//! flush                      write the cache to the medium (a drive idling before power-off)
//! power-cut                  lose the write cache, reset the drive
//! unit-attention             the next command sees 6/28/00
//! write-protect on|off       the disc's write protection
//! fault write LBA[+COUNT] [times N]   writes there fail (3/0C/00), sticky unless "times"
//! fault read LBA[+COUNT] [times N]    reads there fail (3/11/00)
//! fault not-ready [times N]  medium access fails with 2/04/00
//! fault slow MS [times N]    every command (or the next N) takes MS longer, also in real time
//! fault clear                remove every fault
//! counters                   the counters as JSON
//! reset-counters             zero them
//! status                     the drive and disc state as JSON
//! ```

use crate::counters::Counters;
use crate::drive::Drive;
use crate::faults::{Fault, FaultKind};
use crate::media::{MediumState, Preset};

fn number(s: &str) -> Result<u32, String> {
    let parsed = if let Some(hex) = s.strip_prefix("0x") {
        u32::from_str_radix(hex, 16)
    } else {
        s.parse()
    };
    parsed.map_err(|_| format!("not a number: '{s}'"))
}

/// `LBA`, `LBA+COUNT` or `START-END` (inclusive) as a half-open range.
fn range(s: &str) -> Result<(u32, u32), String> {
    if let Some((a, n)) = s.split_once('+') {
        let a = number(a)?;
        Ok((a, a.saturating_add(number(n)?)))
    } else if let Some((a, b)) = s.split_once('-') {
        Ok((number(a)?, number(b)?.saturating_add(1)))
    } else {
        let a = number(s)?;
        Ok((a, a.saturating_add(1)))
    }
}

/// `times N` at the end of a fault command.
fn times(words: &[&str]) -> Result<Option<u32>, String> {
    match words {
        [] => Ok(None),
        ["times", n] => Ok(Some(number(n)?)),
        _ => Err(format!("unexpected '{}'", words.join(" "))),
    }
}

impl Drive {
    /// Carries out one control line; the answer on success, else why not.
    pub fn control(&mut self, line: &str) -> Result<String, String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["eject"] => self.eject(),
            ["eject-request"] => self.eject_request(),
            ["insert"] => {
                if self.medium.is_none() && self.removed.is_none() {
                    return Err("no disc to insert: use 'change PRESET'".into());
                }
                self.insert()
            }
            ["change", name, rest @ ..] => {
                let medium = if *name == "none" {
                    None
                } else {
                    let preset =
                        Preset::find(name).ok_or_else(|| format!("unknown medium '{name}'"))?;
                    let blocks = match rest {
                        [] => None,
                        [b] => Some(number(b)?),
                        _ => return Err("usage: change PRESET [BLOCKS]".into()),
                    };
                    Some(preset.medium(blocks))
                };
                self.change(medium)
                    .map_err(|e| format!("cannot erase the medium: {e}"))?;
            }
            ["flush"] => self.flush_cache().map_err(|s| {
                format!(
                    "flush failed: sense {:x}/{:02x}/{:02x}",
                    s.key, s.asc, s.ascq
                )
            })?,
            ["power-cut"] => self.power_cut(),
            ["unit-attention"] => self.raise_unit_attention(),
            ["write-protect", on] => {
                let on = match *on {
                    "on" => true,
                    "off" => false,
                    _ => return Err("usage: write-protect on|off".into()),
                };
                match self.medium.as_mut() {
                    Some(m) => {
                        m.write_protected = on;
                        self.medium_changed = true;
                    }
                    None => return Err("no disc".into()),
                }
            }
            ["fault", "clear"] => self.clear_faults(),
            ["fault", kind @ ("write" | "read"), at, rest @ ..] => {
                let (start, end) = range(at)?;
                let kind = if *kind == "write" {
                    FaultKind::WriteError
                } else {
                    FaultKind::ReadError
                };
                self.inject(Fault {
                    kind,
                    start,
                    end,
                    remaining: times(rest)?,
                });
            }
            ["fault", "not-ready", rest @ ..] => {
                self.inject(Fault {
                    kind: FaultKind::NotReady,
                    start: 0,
                    end: u32::MAX,
                    remaining: times(rest)?,
                });
            }
            ["fault", "slow", ms, rest @ ..] => {
                self.inject(Fault {
                    kind: FaultKind::Slow { ms: number(ms)? },
                    start: 0,
                    end: u32::MAX,
                    remaining: times(rest)?,
                });
            }
            ["counters"] => return Ok(self.counters_json()),
            ["reset-counters"] => {
                self.counters = Counters {
                    clock_at_reset: self.timing.now,
                    ..Default::default()
                }
            }
            ["status"] => return Ok(self.status_json()),
            _ => return Err(format!("unknown control command '{line}'")),
        }
        Ok("ok".into())
    }

    /// The drive and disc state as JSON.
    pub fn status_json(&self) -> String {
        let medium = match self.medium() {
            None => "null".to_string(),
            Some(m) => {
                let state = match m.state {
                    MediumState::Blank => "blank".to_string(),
                    MediumState::Formatted { packet } => {
                        format!("formatted, {packet}-block packets")
                    }
                    MediumState::Mrw { bg_status } => {
                        format!("mrw, background format status {bg_status}")
                    }
                    MediumState::Appendable { next } => format!("appendable at {next}"),
                };
                format!(
                    "{{\"kind\":\"{:?}\",\"profile\":\"0x{:04x}\",\"state\":\"{state}\",\"raw_blocks\":{},\
                     \"user_blocks\":{},\"write_protected\":{},\"dirty\":{}}}",
                    m.kind,
                    m.profile(),
                    m.raw_blocks,
                    m.user_blocks(),
                    m.write_protected,
                    m.dirty
                )
            }
        };
        format!(
            "{{\"loaded\":{},\"tray_open\":{},\"locked\":{},\"busy\":{},\"cached_blocks\":{},\
             \"write_cache\":{},\"read_speed_kBps\":{},\"write_speed_kBps\":{},\"medium\":{medium}}}",
            self.loaded,
            self.tray_open,
            self.prevent,
            self.busy.is_some(),
            self.cache.len(),
            self.mode.wce,
            self.read_speed,
            self.write_speed
        )
    }
}
