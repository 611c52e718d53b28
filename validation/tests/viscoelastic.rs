//! Viscoelasticity through the whole analysis (steps in time, increments,
//! history, the time–temperature shift) against the hereditary integral in
//! closed form, on a block in uniaxial strain; and the deck subset
//! (`*ELASTIC, MODULI=`, `*VISCOELASTIC`, `*TRS`, `*VISCO`) written and read
//! back to the same answers.
//!
//! The block `[0,1]³` is held in its normal direction on all six faces but
//! the top, whose normal displacement is prescribed: the strain is the
//! uniaxial `ε_zz = u/1 mm` everywhere, whatever the material, so the stress
//! follows from the strain history alone. With the mechanical strain split
//! into its deviatoric part `e` and trace `θ` (a thermal strain is purely
//! volumetric), `σ_zz = 2∫G de_zz + ∫K dθ` and `σ_xx = 2∫G de_xx + ∫K dθ`,
//! `e_zz = 2ε/3`, `e_xx = −ε/3`, `θ = ε − 3α ΔT`. The recursive update is
//! exact for strains linear in reduced time over an increment, which every
//! step below keeps (a jump, a constant-rate ramp, a hold), so the tolerance
//! is round-off: 1e-9 of the largest stress, set before the run.

use materials::viscoelastic::{PronyTerm, Shift, Viscoelasticity};
use materials::Material;
use mesher::structured::{mesh_boxes, BoxPart, Density};
use mesher::CellKind;
use solver::analysis::{NewtonControls, StaticAnalysis};
use solver::io::deck::parse_deck;
use solver::io::deck_writer::write_deck;
use solver::linear::SolverChoice;
use solver::model::{Increments, Model, Step};
use std::collections::BTreeMap;

const E0: f64 = 3000.0;
const NU0: f64 = 0.35;
const ALPHA: f64 = 6e-5;
const TERMS: [(f64, f64, f64); 3] = [(0.4, 0.15, 0.3), (0.3, 0.1, 4.0), (0.2, 0.05, 60.0)];
const WLF: Shift = Shift::Wlf {
    reference: 130.0,
    c1: 17.44,
    c2: 51.6,
};

fn g0() -> f64 {
    E0 / (2.0 * (1.0 + NU0))
}
fn k0() -> f64 {
    E0 / (3.0 * (1.0 - 2.0 * NU0))
}

/// `G(ξ)`, `K(ξ)` and their integrals `∫₀^ξ`, written out from the series.
fn moduli(xi: f64) -> [f64; 4] {
    let (mut g, mut k) = (1.0, 1.0);
    let (mut ig, mut ik) = (xi, xi);
    for (gi, ki, tau) in TERMS {
        g -= gi * (1.0 - (-xi / tau).exp());
        k -= ki * (1.0 - (-xi / tau).exp());
        ig -= gi * (xi - tau * (1.0 - (-xi / tau).exp()));
        ik -= ki * (xi - tau * (1.0 - (-xi / tau).exp()));
    }
    [g0() * g, k0() * k, g0() * ig, k0() * ik]
}

/// The block at a constant temperature `temp` (stress-free at 130 °C) and
/// its steps: to `temp` and a top displacement of 1 µm at once (`*STATIC`),
/// a hold of 5 s (`*VISCO`, 10 increments), a ramp to 3 µm over 10 s
/// (`*VISCO`, 7 increments), a hold of 40 s (`*VISCO`, 4 increments).
fn block(kind: CellKind, temp: f64) -> Model {
    let parts = [BoxPart {
        name: "adhesive".into(),
        min: [0.0; 3],
        max: [1.0; 3],
    }];
    let density = Density {
        size: [0.5; 3],
        min_divisions: 1,
    };
    let mesh = mesh_boxes(&parts, &density, kind).unwrap();
    let mut material = Material::isotropic("epoxy", E0, NU0, ALPHA);
    let terms = TERMS
        .iter()
        .map(|&(shear, bulk, time)| PronyTerm { shear, bulk, time })
        .collect();
    material.viscoelastic = Some(Viscoelasticity::new(terms, WLF).unwrap());
    let n = mesh.num_nodes();
    let step = |name: &str, time: f64, top: f64, n_inc: usize, visco: bool| {
        let mut bc = BTreeMap::new();
        for (v, x) in mesh.coordinates.iter().enumerate() {
            for d in 0..3 {
                if x[d].abs() < 1e-9 || d < 2 && (x[d] - 1.0).abs() < 1e-9 {
                    bc.insert((v, d), 0.0);
                }
            }
            if (x[2] - 1.0).abs() < 1e-9 {
                bc.insert((v, 2), top);
            }
        }
        Step {
            name: name.into(),
            time,
            constraints: bc,
            loads: BTreeMap::new(),
            temperature: vec![temp; n],
            increments: Increments {
                initial: 1.0 / n_inc as f64,
                min: 1e-5,
                max: 1.0,
                fixed: true,
            },
            visco,
        }
    };
    Model {
        cell_material: vec![0; mesh.num_cells()],
        materials: vec![material],
        thermal: Vec::new(),
        initial_temperature: vec![130.0; n],
        part_stress_free_temperature: Vec::new(),
        steps: vec![
            step("load", 1.0, 1e-3, 1, false),
            step("hold", 6.0, 1e-3, 10, true),
            step("ramp", 16.0, 3e-3, 7, true),
            step("relax", 56.0, 3e-3, 4, true),
        ],
        mesh,
    }
}

/// `[σ_xx, σ_zz]` in closed form at real time `t` after the load (the
/// static first step takes no time), at `temp`: a jump of ε₁ = 1e-3 and of
/// the thermal strain at 0, a ramp of rate 2e-4/s from 5 s to 15 s.
fn closed_form(t: f64, temp: f64) -> [f64; 2] {
    let rate = WLF.rate(temp);
    let xi = |s: f64| s * rate;
    let eth = ALPHA * (temp - 130.0);
    let [g, k, ..] = moduli(xi(t));
    // the jump: Δe_zz = 2ε₁/3, Δe_xx = −ε₁/3, Δθ = ε₁ − 3ε_th
    let e1 = 1e-3;
    let mut zz = 2.0 * g * 2.0 * e1 / 3.0 + k * (e1 - 3.0 * eth);
    let mut xx = -2.0 * g * e1 / 3.0 + k * (e1 - 3.0 * eth);
    // the ramp in strain rate r over real time = r/rate over reduced time:
    // ∫ M(ξ(t) − ξ(s)) r ds = (r/rate) [I(ξ(t) − ξ(a)) − I(ξ(t) − ξ(b))]
    let (a, b, r) = (5.0, 15.0, 2e-4);
    if t > a {
        let [.., ig1, ik1] = moduli(xi(t) - xi(a));
        let [.., ig2, ik2] = moduli((xi(t) - xi(b)).max(0.0));
        let (ig, ik) = ((ig1 - ig2) * r / rate, (ik1 - ik2) * r / rate);
        zz += 2.0 * ig * 2.0 / 3.0 + ik;
        xx += -2.0 * ig / 3.0 + ik;
    }
    [xx, zz]
}

fn check_block(kind: CellKind, temp: f64, model: &Model) {
    let mut a = StaticAnalysis::new(model, SolverChoice::Direct);
    a.set_newton_controls(NewtonControls::TIGHT);
    let scale = E0 * 3e-3;
    for step in &model.steps {
        let r = a.solve_step(step).unwrap();
        let exact = closed_form(step.time - 1.0, temp);
        for s in &r.stress.data {
            for (got, want, what) in [
                (s[0], exact[0], "xx"),
                (s[1], exact[0], "yy"),
                (s[2], exact[1], "zz"),
            ] {
                assert!(
                    (got - want).abs() <= 1e-9 * scale,
                    "{kind:?} at {temp} C, {}: σ{what} {got} against {want}",
                    step.name
                );
            }
            for k in 3..6 {
                assert!(s[k].abs() <= 1e-9 * scale, "{kind:?}: τ[{k}] = {}", s[k]);
            }
        }
    }
}

/// At the shift's reference temperature and 5 K above it (where reduced
/// time runs 1/a_T = 10^(17.44·5/56.6) ≈ 35 times faster, with a thermal
/// strain), every cell kind.
#[test]
fn block_in_uniaxial_strain_relaxes_along_the_hereditary_integral() {
    for kind in [
        CellKind::Hex8,
        CellKind::Hex8I,
        CellKind::Hex20,
        CellKind::Hex20R,
    ] {
        for temp in [130.0, 135.0] {
            check_block(kind, temp, &block(kind, temp));
        }
    }
}

/// The deck `export-inp` writes for the same model (`*ELASTIC,
/// MODULI=INSTANTANEOUS`, `*VISCOELASTIC`, `*TRS`, `*STATIC`, `*VISCO`)
/// reads back to a model with the same answers; and long-term moduli
/// (`*ELASTIC` without `MODULI`, Abaqus's default) are converted to the
/// same instantaneous ones.
#[test]
fn viscoelastic_deck_reads_back_to_the_same_answers() {
    let model = block(CellKind::Hex20R, 135.0);
    let mut text = Vec::new();
    write_deck(&model, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    for card in [
        "MODULI=INSTANTANEOUS",
        "*VISCOELASTIC, TIME=PRONY",
        "*TRS, DEFINITION=WLF",
        "*VISCO\n",
    ] {
        assert!(text.contains(card), "{card} missing");
    }
    let back = parse_deck(&text, std::path::Path::new("block.inp"))
        .unwrap()
        .model;
    assert!(back.steps.iter().skip(1).all(|s| s.visco) && !back.steps[0].visco);
    check_block(CellKind::Hex20R, 135.0, &back);
    // the long-term constants of the same material
    let (sg, sk): (f64, f64) = (
        TERMS.iter().map(|t| t.0).sum(),
        TERMS.iter().map(|t| t.1).sum(),
    );
    let (g_inf, k_inf) = (g0() * (1.0 - sg), k0() * (1.0 - sk));
    let e_inf = 9.0 * k_inf * g_inf / (3.0 * k_inf + g_inf);
    let nu_inf = (3.0 * k_inf - 2.0 * g_inf) / (2.0 * (3.0 * k_inf + g_inf));
    let start = text.find("*ELASTIC").unwrap();
    let end = start + text[start..].find("\n*").unwrap();
    let long_term = format!("*ELASTIC, TYPE=ISO\n{e_inf:.15e}, {nu_inf:.15e}");
    let text = format!("{}{}{}", &text[..start], long_term, &text[end..]);
    let back = parse_deck(&text, std::path::Path::new("block.inp"))
        .unwrap()
        .model;
    check_block(CellKind::Hex20R, 135.0, &back);
}
