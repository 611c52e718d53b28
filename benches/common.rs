//! What the benchmarks share: the child-process measurement (wall time and
//! peak RSS from `wait4`) and the writer of their own section of
//! RESULTS.md (several benchmarks write it: each owns one `## ` section, the
//! cog_block table the part before the first one, and replaces only that).

#![allow(dead_code)] // each binary uses part of this module

use anyhow::{bail, Result};
use std::process::Command;
use std::time::Instant;

/// Wall time (s), peak RSS (bytes) and standard output of a child process,
/// which must exit with status 0.
pub fn measure(cmd: &mut Command) -> Result<(f64, u64, String)> {
    let start = Instant::now();
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let (stdout, stderr) = (child.stdout, child.stderr);
    let read = |p: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut o) = p {
                let _ = o.read_to_string(&mut s);
            }
            s
        })
    };
    let out_thread = read(stdout.map(|o| Box::new(o) as Box<dyn std::io::Read + Send>));
    let err_thread = read(stderr.map(|o| Box::new(o) as Box<dyn std::io::Read + Send>));
    // SAFETY: waiting for the child we spawned; pointers are valid for the call.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed().as_secs_f64();
    let out = out_thread.join().unwrap_or_default();
    let err = err_thread.join().unwrap_or_default();
    if r < 0 || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("{cmd:?} failed (status {status}): {out}{err}");
    }
    Ok((wall, usage.ru_maxrss as u64 * 1024, out))
}

/// CalculiX on `deck` (in `work`, written there as `peer.inp`): wall time,
/// peak RSS and the warpage (µm) of `face` (`part.side`) at the end of the
/// run (the .dat file's last block).
pub fn run_ccx_warpage(
    deck: &std::path::Path,
    face: &str,
    work: &std::path::Path,
) -> Result<(f64, u64, f64)> {
    use anyhow::Context;
    let ccx = validation::calculix::ccx().context("ccx")?;
    let (wall, rss, _) = measure(
        Command::new(ccx)
            .args(["-i", "peer"])
            .current_dir(work)
            .env("OMP_NUM_THREADS", "2")
            .env("CCX_NPROC_EQUATION_SOLVER", "2"),
    )?;
    let dat = validation::calculix::parse_dat(&std::fs::read_to_string(work.join("peer.dat"))?)
        .map_err(anyhow::Error::msg)?;
    let model = solver::io::deck::read_deck(deck)?.model;
    let (part, side) = face.rsplit_once('.').context("face name part.side")?;
    let set = &model.mesh.node_sets[&format!(
        "{}_{}",
        part.to_ascii_uppercase(),
        side.to_ascii_uppercase()
    )];
    let last = dat
        .displacements
        .len()
        .checked_sub(1)
        .context("no .dat block")?;
    let u = dat.displacements_in_order(last, &model.mesh.node_ids);
    Ok((wall, rss, validation::models::warpage(&u, set) * 1e3))
}

/// Bytes in GiB.
pub fn gib(b: u64) -> f64 {
    b as f64 / 1073741824.0
}

/// Replaces (or appends) the section headed `heading` of the repository's
/// `benches/RESULTS.md` under `root` by `body` and says so on stderr.
pub fn write_section(root: &std::path::Path, heading: &str, body: &str) -> Result<()> {
    let path = root.join("benches/RESULTS.md");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, replace_section(&text, heading, body))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// `text` with the section headed `heading` (a `## ` line) replaced by
/// `body` (which starts with that heading), or appended when absent.
pub fn replace_section(text: &str, heading: &str, body: &str) -> String {
    let marker = format!("\n{heading}\n");
    let body = body.trim_end();
    match text.find(&marker) {
        Some(start) => {
            let after = start + marker.len();
            let end = text[after..]
                .find("\n## ")
                .map_or(text.len(), |k| after + k);
            let head = text[..start].trim_end_matches('\n');
            format!("{head}\n\n{body}\n{}", &text[end..])
        }
        None => format!("{}\n\n{body}\n", text.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_only_its_section() {
        let t = "# R\n\ntable\n\n## A\n\na1\n\n## B\n\nb1\n";
        let r = super::replace_section(t, "## A", "## A\n\na2");
        assert_eq!(r, "# R\n\ntable\n\n## A\n\na2\n\n## B\n\nb1\n");
        let r = super::replace_section(t, "## C", "## C\n\nc");
        assert!(r.ends_with("## B\n\nb1\n\n## C\n\nc\n"));
    }
}
