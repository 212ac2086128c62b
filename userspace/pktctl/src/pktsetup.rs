//! `pktsetup` compatibility: pktctl invoked as `pktsetup` takes udftools'
//! command line and exit codes.
//!
//! ```text
//! pktsetup [-i] [NAME] DEVICE     map DEVICE (/dev/srN or MAJ:MIN)
//! pktsetup [-i] -d NAME|MAJ:MIN   remove a mapping
//! pktsetup -s                     list the mappings
//! ```
//! `-i` ignores "already mapped" and "not mapped".  Exit status 0 on
//! success, 1 on failure (with a message on stderr).

use crate::control;
use std::process::ExitCode;

/// What a pktsetup command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// Map a drive, optionally naming the node.
    Setup {
        name: Option<String>,
        device: String,
        ignore: bool,
    },
    /// Remove a mapping.
    Teardown { target: String, ignore: bool },
    /// List the mappings.
    Status,
}

/// Parses pktsetup's arguments.
pub fn parse(args: &[String]) -> Result<Action, String> {
    let mut ignore = false;
    let mut delete = false;
    let mut show = false;
    let mut rest = Vec::new();
    for a in args {
        match a.as_str() {
            "-i" => ignore = true,
            "-d" => delete = true,
            "-s" => show = true,
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("unknown option '{s}'")),
            s => rest.push(s.to_string()),
        }
    }
    match (show, delete, rest.as_slice()) {
        (true, false, []) => Ok(Action::Status),
        (false, true, [target]) => Ok(Action::Teardown {
            target: target.clone(),
            ignore,
        }),
        (false, false, [device]) => Ok(Action::Setup {
            name: None,
            device: device.clone(),
            ignore,
        }),
        (false, false, [name, device]) => Ok(Action::Setup {
            name: Some(name.clone()),
            device: device.clone(),
            ignore,
        }),
        _ => Err(
            "usage: pktsetup [-i] [dev_name] device | pktsetup [-i] -d dev_name | pktsetup -s"
                .into(),
        ),
    }
}

/// Runs pktsetup's command line.
pub fn main(args: &[String]) -> ExitCode {
    let result = match parse(args) {
        Err(usage) => {
            eprintln!("pktsetup: {usage}");
            return ExitCode::FAILURE;
        }
        Ok(Action::Status) => control::status().map(|list| {
            for (i, p, c) in list {
                println!(
                    "{i:2} : {}:{} -> {}:{}",
                    p.major(),
                    p.minor(),
                    c.major(),
                    c.minor()
                );
            }
        }),
        Ok(Action::Setup {
            name,
            device,
            ignore,
        }) => control::device_number(&device)
            .and_then(|cd| control::setup(name.as_deref(), cd, ignore))
            .map(|_| ()),
        Ok(Action::Teardown { target, ignore }) => control::teardown(&target, ignore),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pktsetup: Error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(a: &[&str]) -> Result<Action, String> {
        parse(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn pktsetup_command_lines() {
        assert_eq!(p(&["-s"]), Ok(Action::Status));
        assert_eq!(
            p(&["cdrw", "/dev/sr0"]),
            Ok(Action::Setup {
                name: Some("cdrw".into()),
                device: "/dev/sr0".into(),
                ignore: false
            })
        );
        assert_eq!(
            p(&["-i", "11:0"]),
            Ok(Action::Setup {
                name: None,
                device: "11:0".into(),
                ignore: true
            })
        );
        assert_eq!(
            p(&["-d", "cdrw"]),
            Ok(Action::Teardown {
                target: "cdrw".into(),
                ignore: false
            })
        );
        assert_eq!(
            p(&["-i", "-d", "11:0"]),
            Ok(Action::Teardown {
                target: "11:0".into(),
                ignore: true
            })
        );
        assert!(p(&[]).is_err());
        assert!(p(&["-x"]).is_err());
        assert!(p(&["-s", "extra"]).is_err());
    }
}
