//! Element birth and death (Abaqus `*MODEL CHANGE`, ANSYS EKILL/EALIVE):
//! a part added later is strain-free in the deformed configuration of its
//! birth, its stress follows only from what happens afterwards, and a part
//! removed leaves the rest as if it had never been there.

use materials::Material;
use mesher::structured::{BoxPart, Density};
use mesher::CellKind;
use solver::analysis::{CellState, StaticAnalysis, StepResult};
use solver::linear::SolverChoice;
use solver::model::{Model, Step};
use std::collections::BTreeMap;
use validation::models::layered_model;

const E: f64 = 70e3;
const ALPHA: f64 = 10e-6;

/// A 4 x 1 x 1 mm bar between rigid walls at x = 0 and x = 4 (u_x = 0),
/// free to expand sideways (rollers on y = 0 and z = 0), stress-free at 25 °C.
fn walled_bar() -> Model {
    let parts = [(
        BoxPart {
            name: "bar".into(),
            min: [0.0; 3],
            max: [4.0, 1.0, 1.0],
        },
        Material::isotropic("M", E, 0.3, ALPHA),
    )];
    let mut model = layered_model(
        &parts,
        &Density {
            size: [0.5; 3],
            min_divisions: 2,
        },
        CellKind::Hex20R,
        25.0,
        25.0,
    );
    let mut bc = BTreeMap::new();
    for (v, x) in model.mesh.coordinates.iter().enumerate() {
        if x[0].abs() < 1e-12 || (x[0] - 4.0).abs() < 1e-12 {
            bc.insert((v, 0), 0.0);
        }
        if x[1].abs() < 1e-12 {
            bc.insert((v, 1), 0.0);
        }
        if x[2].abs() < 1e-12 {
            bc.insert((v, 2), 0.0);
        }
    }
    model.steps[0].constraints = bc;
    model
}

fn at(model: &Model, t: f64) -> Step {
    Step {
        temperature: vec![t; model.mesh.num_nodes()],
        ..model.steps[0].clone()
    }
}

fn assert_uniaxial(r: &StepResult, sxx: f64, what: &str) {
    for s in &r.stress.data {
        assert!(
            (s[0] - sxx).abs() <= 1e-9 * E * ALPHA * 175.0,
            "{what}: σxx = {} vs {sxx}",
            s[0]
        );
        for k in 1..6 {
            assert!(s[k].abs() <= 1e-9 * E * ALPHA * 175.0, "{what}: {s:?}");
        }
    }
}

/// Present from the start (stress-free at 25 °C): at 200 °C the walls hold
/// it at σ = −Eα·175, back at 25 °C it is free again. Born at 200 °C: no
/// stress at birth, and σ = −Eα(25 − 200) = +Eα·175 after cooling — only
/// what happened after its birth counts.
#[test]
fn a_bar_born_hot_between_walls_carries_the_cooling_stress_only() {
    let model = walled_bar();
    let sigma = E * ALPHA * 175.0;
    // present from the start
    let mut a = StaticAnalysis::new(&model, SolverChoice::Direct);
    assert_uniaxial(
        &a.solve_step(&at(&model, 200.0)).unwrap(),
        -sigma,
        "present, 200 C",
    );
    assert_uniaxial(
        &a.solve_step(&at(&model, 25.0)).unwrap(),
        0.0,
        "present, back at 25 C",
    );
    // born at 200 C
    let mut b = StaticAnalysis::new(&model, SolverChoice::Direct);
    let mut state = CellState::all_active(&model);
    state.active.iter_mut().for_each(|x| *x = false);
    b.set_state(state);
    let hot = b.solve_step(&at(&model, 200.0)).unwrap();
    assert_eq!(hot.num_equations, 0, "nothing is there yet");
    let all: Vec<usize> = (0..model.mesh.num_cells()).collect();
    b.add(
        &all,
        &hot.displacement,
        &hot.temperature,
        &at(&model, 200.0).constraints,
    )
    .unwrap();
    assert_uniaxial(
        &b.solve_step(&at(&model, 200.0)).unwrap(),
        0.0,
        "born, at birth",
    );
    assert_uniaxial(
        &b.solve_step(&at(&model, 25.0)).unwrap(),
        sigma,
        "born, cooled",
    );
}

/// Three layers, the bottom one born at 100 °C, the model cooled to 60 °C
/// after heating to 150 °C, and the bottom layer removed: the top two end
/// exactly where they would without the third ever existing.
#[test]
fn a_part_born_and_removed_leaves_the_rest_as_without_it() {
    let parts = [
        (
            BoxPart {
                name: "glass".into(),
                min: [-2.0, -2.0, 0.4],
                max: [2.0, 2.0, 0.9],
            },
            Material::isotropic("G", 73.6e3, 0.23, 3.2e-6),
        ),
        (
            BoxPart {
                name: "adhesive".into(),
                min: [-1.5, -1.5, 0.3],
                max: [1.5, 1.5, 0.4],
            },
            Material::isotropic("A", 2.5e3, 0.35, 60e-6),
        ),
        (
            BoxPart {
                name: "chip".into(),
                min: [-1.5, -1.5, 0.0],
                max: [1.5, 1.5, 0.3],
            },
            Material::isotropic("S", 130e3, 0.28, 2.6e-6),
        ),
    ];
    let model = layered_model(
        &parts,
        &Density {
            size: [0.5, 0.5, 0.1],
            min_divisions: 2,
        },
        CellKind::Hex20R,
        25.0,
        25.0,
    );
    let chip: Vec<usize> = (0..model.mesh.num_cells())
        .filter(|&c| model.mesh.cell_part[c] == 2)
        .collect();
    let without_chip = || {
        let mut s = CellState::all_active(&model);
        chip.iter().for_each(|&c| s.active[c] = false);
        s
    };
    let mut a = StaticAnalysis::new(&model, SolverChoice::Direct);
    a.set_state(without_chip());
    let r = a.solve_step(&at(&model, 100.0)).unwrap();
    a.add(
        &chip,
        &r.displacement,
        &r.temperature,
        &at(&model, 100.0).constraints,
    )
    .unwrap();
    let r = a.solve_step(&at(&model, 150.0)).unwrap();
    assert!(
        chip.iter()
            .any(|&c| r.stress.cell(c).iter().any(|s| s[0].abs() > 1.0)),
        "the born chip is loaded at 150 C"
    );
    a.remove(&chip);
    let with_history = a.solve_step(&at(&model, 60.0)).unwrap();
    let mut fresh = StaticAnalysis::new(&model, SolverChoice::Direct);
    fresh.set_state(without_chip());
    let reference = fresh.solve_step(&at(&model, 60.0)).unwrap();
    let umax = reference
        .displacement
        .iter()
        .flatten()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let du = with_history
        .displacement
        .iter()
        .flatten()
        .zip(reference.displacement.iter().flatten())
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(
        du <= 1e-10 * umax,
        "displacements differ by {:.2e} of max |u|",
        du / umax
    );
    let smax = reference
        .stress
        .data
        .iter()
        .flatten()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let ds = with_history
        .stress
        .data
        .iter()
        .flatten()
        .zip(reference.stress.data.iter().flatten())
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(
        ds <= 1e-9 * smax,
        "stresses differ by {:.2e} of max |σ|",
        ds / smax
    );
    assert!(
        chip.iter().all(|&c| with_history
            .stress
            .cell(c)
            .iter()
            .all(|s| s.iter().all(|v| *v == 0.0))),
        "a removed part carries no stress"
    );
}

/// A glass plate heated through a gradient bows and grows; an adhesive
/// layer born under it then (its bottom nodes belonged to no part before)
/// is stress-free at birth in that deformed shape, its free face follows the
/// glass (the elastic extension places the new nodes), and the glass does
/// not move.
#[test]
fn a_newborn_part_is_stress_free_in_the_deformed_shape() {
    let parts = [
        (
            BoxPart {
                name: "glass".into(),
                min: [-2.0, -2.0, 0.1],
                max: [2.0, 2.0, 0.6],
            },
            Material::isotropic("G", 73.6e3, 0.23, 3.2e-6),
        ),
        (
            BoxPart {
                name: "adhesive".into(),
                min: [-1.5, -1.5, 0.0],
                max: [1.5, 1.5, 0.1],
            },
            Material::isotropic("A", 2.5e3, 0.35, 60e-6),
        ),
    ];
    let mut model = layered_model(
        &parts,
        &Density {
            size: [0.5, 0.5, 0.05],
            min_divisions: 2,
        },
        CellKind::Hex20R,
        25.0,
        25.0,
    );
    // a temperature gradient through the glass makes it bow
    let coords = model.mesh.coordinates.clone();
    model.steps[0].temperature = coords.iter().map(|x| 100.0 + 100.0 * x[2]).collect();
    let adhesive: Vec<usize> = (0..model.mesh.num_cells())
        .filter(|&c| model.mesh.cell_part[c] == 1)
        .collect();
    let mut a = StaticAnalysis::new(&model, SolverChoice::Direct);
    let mut s = CellState::all_active(&model);
    adhesive.iter().for_each(|&c| s.active[c] = false);
    a.set_state(s);
    let before = a.solve_step(&model.steps[0]).unwrap();
    a.add(
        &adhesive,
        &before.displacement,
        &before.temperature,
        &model.steps[0].constraints,
    )
    .unwrap();
    let after = a.solve_step(&model.steps[0]).unwrap();
    let glass_max = before
        .stress
        .data
        .iter()
        .flatten()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    for &c in &adhesive {
        for s in after.stress.cell(c) {
            assert!(
                s.iter().all(|v| v.abs() <= 1e-7 * glass_max.max(1.0)),
                "newborn stress {s:?}"
            );
        }
    }
    let umax = before
        .displacement
        .iter()
        .flatten()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    // the adhesive's bottom face (nodes of no part before the birth) follows
    // the glass it hangs from: a 0.1 mm layer moves with the glass above it
    let glass_bottom = &model.mesh.node_sets["GLASS_BOTTOM"];
    for &v in &model.mesh.node_sets["ADHESIVE_BOTTOM"] {
        let x = model.mesh.coordinates[v];
        let above = *glass_bottom
            .iter()
            .find(|&&w| {
                (model.mesh.coordinates[w][0] - x[0]).abs() < 1e-12
                    && (model.mesh.coordinates[w][1] - x[1]).abs() < 1e-12
            })
            .unwrap();
        let gap = (after.displacement[v][2] - after.displacement[above][2]).abs();
        assert!(
            gap <= 0.05 * umax,
            "adhesive bottom node {v} lags the glass by {gap:.3e} mm (max |u| {umax:.3e})"
        );
    }
    let glass_nodes = &model.mesh.node_sets["GLASS_TOP"];
    for &v in glass_nodes {
        for d in 0..3 {
            assert!((after.displacement[v][d] - before.displacement[v][d]).abs() <= 1e-9 * umax);
        }
    }
}

/// A bond forming in a stressed state (a thermo-compression bond, or an
/// adhesive re-hardened after a re-heat): the walled bar, present from
/// 25 °C, is heated to 200 °C (σ = −Eα·175), bonded there — made
/// strain-free where it stands — and cooled back to 25 °C. It now carries
/// σ = −Eα(25 − 200) = +Eα·175, exactly as if it had been born at 200 °C:
/// what it carried before the bond no longer counts. Heated back to 200 °C
/// it is stress-free again.
#[test]
fn a_bar_bonded_hot_carries_only_what_follows_the_bond() {
    let model = walled_bar();
    let sigma = E * ALPHA * 175.0;
    let mut a = StaticAnalysis::new(&model, SolverChoice::Direct);
    let hot = a.solve_step(&at(&model, 200.0)).unwrap();
    assert_uniaxial(&hot, -sigma, "before the bond, 200 C");
    let all: Vec<usize> = (0..model.mesh.num_cells()).collect();
    a.reset_strain_free(&all, &hot.displacement, &hot.temperature)
        .unwrap();
    assert_uniaxial(
        &a.solve_step(&at(&model, 200.0)).unwrap(),
        0.0,
        "bonded, at the bond",
    );
    assert_uniaxial(
        &a.solve_step(&at(&model, 25.0)).unwrap(),
        sigma,
        "bonded, cooled",
    );
    assert_uniaxial(
        &a.solve_step(&at(&model, 200.0)).unwrap(),
        0.0,
        "bonded, re-heated",
    );
}
