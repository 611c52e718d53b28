//! The bonding recipe: thermal conduction driving the thermo-elastic
//! solution step by step, with parts born and removed.

use cases::process::run_recipe;
use cases::summary::Summary;
use cases::Case;
use mesher::CellKind;
use solver::analysis::StaticAnalysis;
use solver::linear::SolverChoice;
use std::path::PathBuf;

fn quick_case(name: &str, extra: &str) -> Case {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../cases/{name}.toml"));
    let text = std::fs::read_to_string(&path).unwrap() + extra;
    let mut case = Case::from_toml(&text, &path.display().to_string(), path.parent())
        .unwrap_or_else(|e| panic!("{e}"));
    case.controls.kind = CellKind::Hex8I;
    case.controls.layers = 1;
    case.controls.across_prisms = 1;
    case.controls.size *= 2.0;
    case
}

/// A recipe without gradients — placed at 180 °C, then a steady hold with
/// every face convecting to 25 °C air, which settles at a uniform 25 °C —
/// equals the single-step thermo-elastic answer (stress-free at 180 °C,
/// cooled to 25 °C) to 1e-8.
#[test]
fn a_uniform_recipe_equals_the_single_step_answer() {
    let recipe = r#"
[process]
start = "180 C"
[[process.step]]
name = "cool"
duration = "1 h"
steady = true
ambient = "25 C"
film = "10 W/(m^2 K)"
"#;
    let case = quick_case("cog_flipchip", recipe);
    let mut model = case.model().unwrap();
    let single = StaticAnalysis::new(&model, SolverChoice::Direct)
        .solve_step(&model.steps[0])
        .unwrap();
    let reference = Summary::new(&case, &model, &single);
    let out = run_recipe(
        &case,
        case.process.as_ref().unwrap(),
        &mut model,
        SolverChoice::Direct,
        |_| {},
    )
    .unwrap();
    let last = &out.last().unwrap().summary;
    let spread = out[0]
        .result
        .temperature
        .iter()
        .fold(0.0f64, |m, t| m.max((t - 25.0).abs()));
    assert!(
        spread < 1e-9,
        "the hold settles at 25 C (max deviation {spread:e})"
    );
    for (face, w) in &reference.warpage_um {
        let r = last.warpage_um[face];
        eprintln!("{face}: recipe {r:.9} um, single step {w:.9} um");
        assert!((r - w).abs() <= 1e-8 * w.abs(), "{face}: {r} vs {w}");
    }
    let (a, b) = (
        last.bumps.as_ref().unwrap(),
        reference.bumps.as_ref().unwrap(),
    );
    assert!((a.von_mises_max - b.von_mises_max).abs() <= 1e-8 * b.von_mises_max);
}

/// The shipped pcb_acf recipe: the ACF carries no stress until it is born
/// at the end of the hold, and the filter none until its oven cure; after
/// the final cool-down everything is back near 25 °C, and the bonded ACF
/// and the attached filter are stressed.
#[test]
fn the_pcb_acf_recipe_births_the_acf_and_the_filter() {
    let case = quick_case("pcb_acf", "");
    let recipe = case.process.clone().expect("pcb_acf has a recipe");
    let mut model = case.model().unwrap();
    let out = run_recipe(&case, &recipe, &mut model, SolverChoice::Direct, |_| {}).unwrap();
    assert_eq!(out.len(), recipe.steps.len());
    let part_cells = |name: &str| -> Vec<usize> {
        let p = model
            .mesh
            .part_names
            .iter()
            .position(|q| q == name)
            .unwrap();
        (0..model.mesh.num_cells())
            .filter(|&c| model.mesh.cell_part[c] == p)
            .collect()
    };
    let peak = |o: &cases::process::RecipeOutput, cells: &[usize]| {
        cells
            .iter()
            .flat_map(|&c| {
                o.result
                    .stress
                    .cell(c)
                    .iter()
                    .flat_map(|s| s.iter().map(|v| v.abs()))
            })
            .fold(0.0, f64::max)
    };
    let (acf, filter) = (part_cells("acf"), part_cells("filter"));
    let by_name = |n: &str| out.iter().find(|o| o.step == n).unwrap();
    assert_eq!(
        peak(by_name("heat"), &acf),
        0.0,
        "no ACF stress before the cure"
    );
    assert_eq!(
        peak(by_name("hold"), &acf),
        0.0,
        "born strain-free at the end of the hold"
    );
    assert!(
        peak(by_name("cool"), &acf) > 1.0,
        "the cured ACF is loaded by the cool-down"
    );
    assert_eq!(peak(by_name("cool"), &filter), 0.0, "no filter yet");
    assert!(
        peak(by_name("final-cool"), &filter) > 0.01,
        "the filter, attached at 100 C, is loaded at 25 C"
    );
    // the hold is hot at the head and near the stage temperature at the stage
    let hold = by_name("hold");
    let hi = hold
        .result
        .temperature
        .iter()
        .fold(f64::NEG_INFINITY, |m, &t| m.max(t));
    assert!((hi - 200.0).abs() < 1e-9);
    let last = out.last().unwrap();
    assert!(last
        .result
        .temperature
        .iter()
        .all(|t| (t - 25.0).abs() < 1e-6));
}

/// Equilibrium under the head: at the end of pcb_acf's hold the ACF is not
/// yet born and the colour-filter polymer's top is free, so the bumps alone
/// carry the head's 30 N from the die to the board. Their volume-mean σzz
/// is therefore exactly −F/A (A their cross-section; a quarter model carries
/// a quarter of both), and exactly zero without the force (thermal stresses
/// balance themselves). Tolerance 1e-6 of F/A.
#[test]
fn the_bumps_carry_the_head_force() {
    let case = quick_case("pcb_acf", "");
    let with = case.process.clone().unwrap();
    let mut without = with.clone();
    without.steps.iter_mut().for_each(|s| s.pressure = None);
    let mean_szz = |recipe: &cases::process::Recipe| {
        let mut model = case.model().unwrap();
        let out = run_recipe(&case, recipe, &mut model, SolverChoice::Direct, |_| {}).unwrap();
        let hold = out.into_iter().find(|o| o.step == "hold").unwrap();
        let bumps = model
            .mesh
            .part_names
            .iter()
            .position(|p| p == "bumps")
            .unwrap();
        let (mut volume, mut integral) = (0.0, 0.0);
        for (cell, b, c) in model.mesh.cells() {
            if model.mesh.cell_part[cell] != bumps {
                continue;
            }
            let block = &model.mesh.blocks[b];
            let mut v = solver::values::CellValues::new(block.kind);
            let x: Vec<[f64; 3]> = block
                .cell(c)
                .iter()
                .map(|&n| model.mesh.coordinates[n])
                .collect();
            v.reinit(&x).unwrap();
            for (q, s) in hold.result.stress.cell(cell).iter().enumerate() {
                volume += v.detj_w(q);
                integral += v.detj_w(q) * s[2];
            }
        }
        (integral / volume, volume / 0.020) // bumps are 20 um tall prisms
    };
    let (pressed, area) = mean_szz(&with);
    let (free, _) = mean_szz(&without);
    let expected = -(30.0 / 4.0) / area;
    eprintln!("bump mean σzz at the end of the hold: {pressed:.4} MPa (−F/A = {expected:.4} MPa), {free:.2e} MPa without the force");
    assert!((pressed - expected).abs() <= 1e-6 * expected.abs());
    assert!(free.abs() <= 1e-6 * expected.abs());
}
