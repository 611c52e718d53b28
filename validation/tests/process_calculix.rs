//! The bonding recipe against CalculiX, state by state: pcb_acf's recipe
//! (ACF cells born at their gel point during the hold, the filter born after
//! its oven cure, head force carried by the stage) is run by pkgstress, then
//! exported as `export-inp` writes it — a static step per state with its
//! nodal temperatures, `*MODEL CHANGE, ADD=STRAIN FREE` in a step of its own
//! at the birth state — and run through `ccx`. Warpage of the faces present
//! from the start agrees at every state to 1e-6 of the face's largest |u_z|
//! (ccx prints 7 digits; the issue asks 1e-4), and the final stresses at
//! every integration point of every active cell — born ones included — to
//! 1e-5 of the largest. (The reported displacement of a face born during the
//! recipe differs by where its newborn nodes are placed at birth: pkgstress
//! extends the deformed shape elastically, CalculiX leaves them where they
//! were; stresses depend only on increments after birth in both.) Chemical
//! shrinkage, which a deck cannot carry, is switched off.
//!
//! cog_flipchip's recipe the same way: its Au bumps are bonded in the hot,
//! pressed state (made strain-free where they stand: in the deck, a copy of
//! the bump elements added strain-free there while the originals are
//! removed) and its underfill born after its oven cure.
//!
//! Outside CI a missing ccx skips loudly; in CI it fails.

use cases::process::{recipe_deck_model, run_recipe};
use cases::Case;
use solver::io::deck_writer::write_deck_with_changes;
use solver::linear::SolverChoice;
use std::path::PathBuf;
use validation::calculix;

#[test]
fn the_pcb_acf_recipe_matches_calculix_state_by_state() {
    compare(
        "pcb_acf",
        &["process.cure.acf.shrinkage=0", "mesh.size=\"1.2 mm\""],
        &["chip.bottom", "pcb.top"],
        |o| o.event.starts_with("gel"),
    );
}

#[test]
fn the_cog_flipchip_recipe_with_its_bond_matches_calculix_state_by_state() {
    compare(
        "cog_flipchip",
        &["mesh.size=\"1.0 mm\""],
        &["chip.bottom", "glass.top"],
        |o| !o.bonded.is_empty(),
    );
}

fn compare(
    name: &str,
    extra: &[&str],
    faces: &[&str],
    expect: impl Fn(&cases::process::RecipeOutput) -> bool,
) {
    if calculix::ccx().is_none() {
        if calculix::peer_required() {
            panic!("CalculiX (ccx) is required in CI; validation/setup.sh installs it");
        }
        eprintln!("\n*** SKIPPED recipe vs CalculiX: ccx is not installed (run validation/setup.sh). ***\n");
        return;
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../cases/{name}.toml"));
    let overrides: Vec<String> = ["mesh.element=c3d8", "mesh.layers=1", "mesh.across_bumps=1"]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect();
    let case = Case::from_file_with(&path, &overrides).unwrap_or_else(|e| panic!("{e}"));
    let recipe = case.process.clone().unwrap();
    let mut model = case.model().unwrap();
    let (outputs, _) =
        run_recipe(&case, &recipe, &mut model, SolverChoice::Direct, |_| {}).unwrap();
    assert!(
        outputs.iter().any(expect),
        "{name}: the event under test happens"
    );
    let exported = recipe_deck_model(&case, &recipe, &model, &outputs).unwrap();
    let (deck_model, changes) = (&exported.model, &exported.changes);
    let dir = std::env::temp_dir().join(format!(
        "pkgstress-recipe-ccx-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let deck = dir.join("recipe.inp");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&deck).unwrap());
    write_deck_with_changes(deck_model, changes, &mut f).unwrap();
    drop(f);
    let ccx = calculix::run(&deck, 2).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ccx.displacements.len(),
        deck_model.steps.len(),
        "one printed increment per step"
    );
    // the ccx step of each state (birth steps are extra)
    let state_steps: Vec<usize> = deck_model
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.name.starts_with("birth-"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(state_steps.len(), outputs.len());
    let mesh = &model.mesh;
    for face in faces {
        let (part, side) = face.split_once('.').unwrap();
        let set = &mesh.node_sets[&format!("{}_{}", part.to_uppercase(), side.to_uppercase())];
        for (o, &k) in outputs.iter().zip(&state_steps) {
            let uz = |v: usize| ccx.displacements[k][&mesh.node_ids[v]][2];
            let (lo, hi) = set
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                    (a.min(uz(v)), b.max(uz(v)))
                });
            let theirs = (hi - lo) * 1e3;
            let ours = o.summary.warpage_um[*face];
            let scale = set.iter().map(|&v| uz(v).abs()).fold(0.0, f64::max) * 1e3;
            let tol = 1e-6 * scale.max(theirs.abs()) + 1e-9;
            eprintln!(
                "{face} at {:>7.1} s ({}): pkgstress {ours:.7} um, CalculiX {theirs:.7} um",
                o.time, o.step
            );
            assert!(
                (ours - theirs).abs() <= tol,
                "{face} at {} s: {ours} vs {theirs}",
                o.time
            );
        }
    }
    // final stresses at every point of every active cell (a bonded cell's
    // stresses are its copy's in the deck)
    let last = outputs.last().unwrap();
    let k = *state_steps.last().unwrap();
    let deck_mesh = &deck_model.mesh;
    let mut stands_for = vec![None; mesh.num_cells()];
    for (d, &c) in exported.origin.iter().enumerate() {
        stands_for[c] = Some(d); // the latest copy
    }
    let deck_ids: Vec<u64> = deck_mesh
        .blocks
        .iter()
        .flat_map(|b| b.cell_ids.iter().copied())
        .collect();
    let (mut diff, mut peak) = (0.0f64, 0.0f64);
    for cell in 0..mesh.num_cells() {
        if !last.active[cell] {
            continue;
        }
        let id = deck_ids[stands_for[cell].unwrap()];
        for (q, s) in last.result.stress.cell(cell).iter().enumerate() {
            let t = ccx.stresses[k][&(id, q + 1)];
            for i in 0..6 {
                diff = diff.max((s[i] - t[i]).abs());
                peak = peak.max(t[i].abs());
            }
        }
    }
    eprintln!("{name}: final stresses: largest difference {diff:.3e} MPa of {peak:.3} MPa");
    assert!(diff <= 1e-5 * peak, "{name}: {diff} of {peak}");
    let _ = std::fs::remove_dir_all(&dir);
}
