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
//! shrinkage, which a deck cannot carry, is switched off. Outside CI a
//! missing ccx skips loudly; in CI it fails.

use cases::process::{recipe_deck_model, run_recipe};
use cases::Case;
use solver::io::deck_writer::write_deck_with_changes;
use solver::linear::SolverChoice;
use std::path::PathBuf;
use validation::calculix;

#[test]
fn the_pcb_acf_recipe_matches_calculix_state_by_state() {
    if calculix::ccx().is_none() {
        if calculix::peer_required() {
            panic!("CalculiX (ccx) is required in CI; validation/setup.sh installs it");
        }
        eprintln!("\n*** SKIPPED recipe vs CalculiX: ccx is not installed (run validation/setup.sh). ***\n");
        return;
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cases/pcb_acf.toml");
    let overrides: Vec<String> = [
        "process.cure.acf.shrinkage=0",
        "mesh.element=c3d8",
        "mesh.layers=1",
        "mesh.across_bumps=1",
        "mesh.size=\"1.2 mm\"",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let case = Case::from_file_with(&path, &overrides).unwrap_or_else(|e| panic!("{e}"));
    let recipe = case.process.clone().unwrap();
    let mut model = case.model().unwrap();
    let (outputs, _) =
        run_recipe(&case, &recipe, &mut model, SolverChoice::Direct, |_| {}).unwrap();
    assert!(outputs.iter().any(|o| o.event.starts_with("gel")));
    let (deck_model, changes) = recipe_deck_model(&case, &recipe, &model, &outputs).unwrap();
    let dir = std::env::temp_dir().join(format!("pkgstress-recipe-ccx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let deck = dir.join("recipe.inp");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&deck).unwrap());
    write_deck_with_changes(&deck_model, &changes, &mut f).unwrap();
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
    for face in ["chip.bottom", "pcb.top"] {
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
            let ours = o.summary.warpage_um[face];
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
    // final stresses at every point of every active cell
    let last = outputs.last().unwrap();
    let k = *state_steps.last().unwrap();
    let (mut diff, mut peak) = (0.0f64, 0.0f64);
    for (cell, b, c) in mesh.cells() {
        if !last.active[cell] {
            continue;
        }
        let id = mesh.blocks[b].cell_ids[c];
        for (q, s) in last.result.stress.cell(cell).iter().enumerate() {
            let t = ccx.stresses[k][&(id, q + 1)];
            for i in 0..6 {
                diff = diff.max((s[i] - t[i]).abs());
                peak = peak.max(t[i].abs());
            }
        }
    }
    eprintln!("final stresses: largest difference {diff:.3e} MPa of {peak:.3} MPa");
    assert!(diff <= 1e-5 * peak);
    let _ = std::fs::remove_dir_all(&dir);
}
