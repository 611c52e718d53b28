//! Running CalculiX (`ccx`) on a deck and reading its `.dat` output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum CalculixError {
    #[error("CalculiX (ccx) is not installed: run validation/setup.sh")]
    Missing,
    #[error("ccx failed on {deck}: {message}")]
    Failed { deck: PathBuf, message: String },
    #[error("cannot read {file}: {message}")]
    Output { file: PathBuf, message: String },
}

/// The ccx executable, if installed.
pub fn ccx() -> Option<PathBuf> {
    for name in ["ccx", "ccx_2.20", "ccx_2.21", "ccx_2.19"] {
        if let Ok(out) = Command::new("which").arg(name).output() {
            if out.status.success() {
                return Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
            }
        }
    }
    None
}

/// Whether a missing peer must fail the run (in CI) instead of skipping.
pub fn peer_required() -> bool {
    std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
}

/// Results read from a ccx `.dat` file, per step (in order).
#[derive(Debug, Default, Clone)]
pub struct DatResults {
    /// Displacements by node number, mm.
    pub displacements: Vec<BTreeMap<u64, [f64; 3]>>,
    /// Stresses by (element number, integration point), Voigt `[xx,yy,zz,xy,yz,xz]`, MPa.
    pub stresses: Vec<BTreeMap<(u64, usize), [f64; 6]>>,
}

/// Runs ccx on `deck` (a `.inp` file) with `threads` threads and parses the `.dat`.
pub fn run(deck: &Path, threads: usize) -> Result<DatResults, CalculixError> {
    let exe = ccx().ok_or(CalculixError::Missing)?;
    let dir = deck.parent().unwrap_or(Path::new("."));
    let stem = deck.file_stem().and_then(|s| s.to_str()).unwrap_or("deck");
    let out = Command::new(exe)
        .arg("-i")
        .arg(stem)
        .current_dir(dir)
        .env("OMP_NUM_THREADS", threads.to_string())
        .env("CCX_NPROC_EQUATION_SOLVER", threads.to_string())
        .output()
        .map_err(|e| CalculixError::Failed {
            deck: deck.into(),
            message: e.to_string(),
        })?;
    let log = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || log.contains("*ERROR") {
        let tail: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("ERROR"))
            .take(5)
            .collect();
        return Err(CalculixError::Failed {
            deck: deck.into(),
            message: tail.join(" | "),
        });
    }
    let dat = dir.join(format!("{stem}.dat"));
    let text = std::fs::read_to_string(&dat).map_err(|e| CalculixError::Output {
        file: dat.clone(),
        message: e.to_string(),
    })?;
    parse_dat(&text).map_err(|message| CalculixError::Output { file: dat, message })
}

/// Parses displacement and stress blocks of a `.dat` file.
pub fn parse_dat(text: &str) -> Result<DatResults, String> {
    let mut res = DatResults::default();
    #[derive(PartialEq)]
    enum Block {
        None,
        Disp,
        Stress,
    }
    let mut block = Block::None;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("displacements") {
            block = Block::Disp;
            res.displacements.push(BTreeMap::new());
            continue;
        }
        if t.starts_with("stresses") {
            block = Block::Stress;
            res.stresses.push(BTreeMap::new());
            continue;
        }
        if t.is_empty() {
            continue;
        }
        let f: Vec<&str> = t.split_whitespace().collect();
        let num = |s: &str| {
            s.parse::<f64>()
                .map_err(|_| format!("bad number '{s}' in line '{t}'"))
        };
        match block {
            Block::Disp if f.len() == 4 => {
                let id: u64 = f[0].parse().map_err(|_| format!("bad node '{}'", f[0]))?;
                res.displacements
                    .last_mut()
                    .unwrap()
                    .insert(id, [num(f[1])?, num(f[2])?, num(f[3])?]);
            }
            Block::Stress if f.len() == 8 => {
                let id: u64 = f[0]
                    .parse()
                    .map_err(|_| format!("bad element '{}'", f[0]))?;
                let ip: usize = f[1].parse().map_err(|_| format!("bad point '{}'", f[1]))?;
                // ccx order: sxx syy szz sxy sxz syz -> ours: xx yy zz xy yz xz
                let s = [
                    num(f[2])?,
                    num(f[3])?,
                    num(f[4])?,
                    num(f[5])?,
                    num(f[7])?,
                    num(f[6])?,
                ];
                res.stresses.last_mut().unwrap().insert((id, ip), s);
            }
            _ => {
                block = if f.len() == 4 || f.len() == 8 {
                    block
                } else {
                    Block::None
                }
            }
        }
    }
    Ok(res)
}
