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

/// ccx available, or a loud skip (outside CI) / a failure (in CI) of the
/// test named `test`.
pub fn available(test: &str) -> bool {
    if ccx().is_some() {
        return true;
    }
    if peer_required() {
        panic!("{test}: CalculiX (ccx) is required in CI but not installed; validation/setup.sh installs it");
    }
    eprintln!("\n*** SKIPPED {test}: CalculiX (ccx) is not installed. Run validation/setup.sh to enable this cross-check. ***\n");
    false
}

/// A fresh scratch folder for the test named `name` (under the system's
/// temporary folder, one per process).
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pkgstress-ccx-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder writable");
    dir
}

/// Results read from a ccx `.dat` file, per step (in order).
#[derive(Debug, Default, Clone)]
pub struct DatResults {
    /// Displacements by node number, mm.
    pub displacements: Vec<BTreeMap<u64, [f64; 3]>>,
    /// Stresses by (element number, integration point), Voigt `[xx,yy,zz,xy,yz,xz]`, MPa.
    pub stresses: Vec<BTreeMap<(u64, usize), [f64; 6]>>,
    /// Equivalent plastic strains by (element number, integration point),
    /// where the deck asks for them (`PEEQ`).
    pub peeq: Vec<BTreeMap<(u64, usize), f64>>,
    /// The total time of each displacement block, s (a block per printed
    /// increment: one per step for a linear deck, one per increment for a
    /// path-dependent one).
    pub times: Vec<f64>,
}

impl DatResults {
    /// Displacements (mm) of step `step` in the order of `node_ids` (a
    /// mesh's node numbers); every one must be printed (our decks print all).
    pub fn displacements_in_order(&self, step: usize, node_ids: &[u64]) -> Vec<[f64; 3]> {
        node_ids
            .iter()
            .map(|id| self.displacements[step][id])
            .collect()
    }

    /// The index of the block printed at each of `ends` (total times, s):
    /// the step ends of a deck whose increments are all printed. `None`
    /// when a time was not printed.
    pub fn blocks_at(&self, ends: &[f64]) -> Option<Vec<usize>> {
        ends.iter()
            .map(|&t| {
                self.times
                    .iter()
                    .rposition(|&b| (b - t).abs() <= 1e-6 * t.abs().max(1.0))
            })
            .collect()
    }
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
        Peeq,
    }
    let mut block = Block::None;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("displacements") {
            block = Block::Disp;
            res.displacements.push(BTreeMap::new());
            let time = t.rsplit("time").next().unwrap_or("").trim();
            res.times.push(time.parse().unwrap_or(f64::NAN));
            continue;
        }
        if t.starts_with("stresses") {
            block = Block::Stress;
            res.stresses.push(BTreeMap::new());
            continue;
        }
        if t.starts_with("equivalent plastic strain") {
            block = Block::Peeq;
            res.peeq.push(BTreeMap::new());
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
            Block::Peeq if f.len() == 3 => {
                let id: u64 = f[0]
                    .parse()
                    .map_err(|_| format!("bad element '{}'", f[0]))?;
                let ip: usize = f[1].parse().map_err(|_| format!("bad point '{}'", f[1]))?;
                res.peeq.last_mut().unwrap().insert((id, ip), num(f[2])?);
            }
            _ => {
                block = if f.len() == 4 || f.len() == 8 || (block == Block::Peeq && f.len() == 3) {
                    block
                } else {
                    Block::None
                }
            }
        }
    }
    Ok(res)
}

/// A shipped case and CalculiX on the identical deck: pkgstress's summary
/// of its solution and the same summary of ccx's displacements and
/// integration-point stresses, with each warpage's resolution (µm): ccx
/// prints 7 significant digits of u_z, so a warpage is resolved to 1e-6 of
/// the larger of itself and the face's largest |u_z|.
pub struct CaseComparison {
    pub ours: cases::summary::Summary,
    pub theirs: cases::summary::Summary,
    pub warpage_resolution_um: BTreeMap<String, f64>,
    pub dof: usize,
}

/// Writes `case`'s single-step model as `export-inp` does, runs it through
/// ccx in a scratch folder and pkgstress on the deck read back.
pub fn compare_case(case: &cases::Case) -> Result<CaseComparison, CalculixError> {
    use solver::analysis::StaticAnalysis;
    use solver::linear::SolverChoice;
    let failed = |message: String| CalculixError::Failed {
        deck: case.file.clone().into(),
        message,
    };
    let mut model = case.model().map_err(|e| failed(e.to_string()))?;
    // one static step: a viscoelastic material responds with its
    // instantaneous moduli, which is what its elastic constants are, so the
    // deck CalculiX reads (it has no *VISCOELASTIC) drops the Prony series
    for m in &mut model.materials {
        m.viscoelastic = None;
    }
    let dir = std::env::temp_dir().join(format!(
        "pkgstress-case-ccx-{}-{}",
        std::process::id(),
        case.name
    ));
    std::fs::create_dir_all(&dir).map_err(|e| failed(e.to_string()))?;
    let deck = dir.join(format!("{}.inp", case.name));
    let mut f =
        std::io::BufWriter::new(std::fs::File::create(&deck).map_err(|e| failed(e.to_string()))?);
    solver::io::deck_writer::write_deck(&model, &mut f).map_err(|e| failed(e.to_string()))?;
    drop(f);
    let ccx = run(&deck, 2)?;
    let read = solver::io::deck::read_deck(&deck)
        .map_err(|e| failed(e.to_string()))?
        .model;
    let r = StaticAnalysis::new(&read, SolverChoice::Direct)
        .solve_step(&read.steps[0])
        .map_err(|e| failed(e.to_string()))?;
    let ours = cases::summary::Summary::new(case, &read, &r);
    let mut theirs_r = r.clone();
    for (v, id) in read.mesh.node_ids.iter().enumerate() {
        theirs_r.displacement[v] = ccx.displacements[0][id];
    }
    for (cell, b, c) in read.mesh.cells() {
        let id = read.mesh.blocks[b].cell_ids[c];
        let start = theirs_r.stress.offsets[cell];
        for q in 0..theirs_r.stress.cell(cell).len() {
            theirs_r.stress.data[start + q] = ccx.stresses[0][&(id, q + 1)];
        }
    }
    let theirs = cases::summary::Summary::new(case, &read, &theirs_r);
    let mut warpage_resolution_um = BTreeMap::new();
    for (face, t) in &theirs.warpage_um {
        let (part, side) = face.rsplit_once('.').unwrap_or((face, "top"));
        let set = &read.mesh.node_sets[&format!(
            "{}_{}",
            part.to_ascii_uppercase(),
            side.to_ascii_uppercase()
        )];
        let uz_max = set
            .iter()
            .map(|&v| theirs_r.displacement[v][2].abs())
            .fold(0.0, f64::max)
            * 1e3;
        warpage_resolution_um.insert(face.clone(), 1e-6 * t.abs().max(uz_max));
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(CaseComparison {
        ours,
        theirs,
        warpage_resolution_um,
        dof: r.num_equations,
    })
}

/// One face at one recipe state: pkgstress's and CalculiX's warpage and
/// ccx's print resolution for it (µm).
pub struct StateWarpage {
    pub time: f64,
    pub step: String,
    pub face: String,
    pub ours: f64,
    pub theirs: f64,
    pub resolution: f64,
}

/// A case's recipe and CalculiX state by state (see [`compare_recipe`]).
pub struct RecipeComparison {
    pub warpage: Vec<StateWarpage>,
    /// Largest difference of any stress component at any integration
    /// point of any active cell at the final state, and the largest
    /// component there, MPa.
    pub final_stress_difference: f64,
    pub final_stress_peak: f64,
    pub states: usize,
    pub dof: usize,
    /// Whether a birth at a gel point and a bond occurred.
    pub gelled: bool,
    pub bonded: bool,
}

/// Runs `case`'s recipe, exports its states as `export-inp` does (a static
/// step per state with `*TEMPERATURE`, `*MODEL CHANGE` for births,
/// removals and bonds), runs the deck through ccx and compares the warpage
/// of `faces` at every state and the final stresses.
pub fn compare_recipe(
    case: &cases::Case,
    faces: &[&str],
) -> Result<RecipeComparison, CalculixError> {
    use cases::recipe::{recipe_deck_model, run_recipe};
    use solver::linear::SolverChoice;
    let failed = |message: String| CalculixError::Failed {
        deck: case.file.clone().into(),
        message,
    };
    let recipe = case
        .process
        .clone()
        .ok_or_else(|| failed("the case has no recipe".into()))?;
    let mut model = case.model().map_err(|e| failed(e.to_string()))?;
    let (outputs, _) = run_recipe(case, &recipe, &mut model, SolverChoice::Direct, |_| {})
        .map_err(|e| failed(e.to_string()))?;
    let exported =
        recipe_deck_model(case, &recipe, &model, &outputs).map_err(|e| failed(e.to_string()))?;
    let (deck_model, changes) = (&exported.model, &exported.changes);
    let dir = std::env::temp_dir().join(format!(
        "pkgstress-recipe-ccx-{}-{}",
        case.name,
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| failed(e.to_string()))?;
    let deck = dir.join("recipe.inp");
    let mut f =
        std::io::BufWriter::new(std::fs::File::create(&deck).map_err(|e| failed(e.to_string()))?);
    solver::io::deck_writer::write_deck_with_changes(deck_model, changes, &mut f)
        .map_err(|e| failed(e.to_string()))?;
    drop(f);
    let ccx = run(&deck, 2)?;
    if ccx.displacements.len() != deck_model.steps.len() {
        return Err(failed(format!(
            "ccx printed {} increments for {} steps",
            ccx.displacements.len(),
            deck_model.steps.len()
        )));
    }
    // the ccx step of each state (birth steps are extra)
    let state_steps: Vec<usize> = deck_model
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.name.starts_with("birth-"))
        .map(|(i, _)| i)
        .collect();
    let warpage = state_warpage(&model, &outputs, &ccx, &state_steps, faces);
    // final stresses at every point of every active cell (a bonded cell's
    // stresses are its latest copy's in the deck)
    let last = outputs.last().ok_or_else(|| failed("no states".into()))?;
    let k = *state_steps
        .last()
        .ok_or_else(|| failed("no steps".into()))?;
    let mesh = &model.mesh;
    let mut stands_for = vec![None; mesh.num_cells()];
    for (d, &c) in exported.origin.iter().enumerate() {
        stands_for[c] = Some(d);
    }
    let deck_ids: Vec<u64> = deck_model
        .mesh
        .blocks
        .iter()
        .flat_map(|b| b.cell_ids.iter().copied())
        .collect();
    let (mut diff, mut peak) = (0.0f64, 0.0f64);
    for cell in (0..mesh.num_cells()).filter(|&c| last.active[c]) {
        let id = stands_for[cell].map(|d| deck_ids[d]).unwrap_or_default();
        for (q, s) in last.result.stress.cell(cell).iter().enumerate() {
            let t = ccx.stresses[k]
                .get(&(id, q + 1))
                .ok_or_else(|| failed(format!("ccx printed no stress for element {id}")))?;
            for i in 0..6 {
                diff = diff.max((s[i] - t[i]).abs());
                peak = peak.max(t[i].abs());
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(RecipeComparison {
        warpage,
        final_stress_difference: diff,
        final_stress_peak: peak,
        states: outputs.len(),
        dof: last.result.num_equations,
        gelled: outputs.iter().any(|o| o.event.starts_with("gel")),
        bonded: outputs.iter().any(|o| !o.bonded.is_empty()),
    })
}

/// The warpage of every face of `faces` at every state, pkgstress's
/// against CalculiX's (`state_steps`: the ccx step of each state).
fn state_warpage(
    model: &solver::model::Model,
    outputs: &[cases::recipe::RecipeOutput],
    ccx: &DatResults,
    state_steps: &[usize],
    faces: &[&str],
) -> Vec<StateWarpage> {
    let mesh = &model.mesh;
    let mut warpage = Vec::new();
    for face in faces {
        let (part, side) = face.split_once('.').unwrap_or((face, "top"));
        let set = &mesh.node_sets[&format!("{}_{}", part.to_uppercase(), side.to_uppercase())];
        for (o, &k) in outputs.iter().zip(state_steps) {
            let uz = |v: usize| ccx.displacements[k][&mesh.node_ids[v]][2];
            let (lo, hi) = set
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                    (a.min(uz(v)), b.max(uz(v)))
                });
            let theirs = (hi - lo) * 1e3;
            let scale = set.iter().map(|&v| uz(v).abs()).fold(0.0, f64::max) * 1e3;
            warpage.push(StateWarpage {
                time: o.time,
                step: o.step.clone(),
                face: face.to_string(),
                ours: o.summary.warpage_um[*face],
                theirs,
                // ccx prints 7 significant digits
                resolution: 1e-6 * scale.max(theirs.abs()) + 1e-9,
            });
        }
    }
    warpage
}
