//! Layered packages against closed forms: the Timoshenko bimetal, Stoney's
//! film on a substrate, the three-layer curvature (Hsueh).

use super::entry::{solve, Entry};
use mesher::structured::{BoxPart, Density};
use mesher::CellKind;
use validation::models::{self, bilayer, interface_curvature, layered_model};

/// Timoshenko (1925), "Analysis of bi-metal thermostats", J. Opt. Soc.
/// Am. 11, 233: curvature of a bimetal strip (ν = 0: the beam of the formula).
pub(crate) fn timoshenko() -> Vec<Entry> {
    let (t1, t2): (f64, f64) = (0.3, 0.2);
    let (e1, e2) = (200e3, 70e3);
    let (a1, a2) = (5e-6, 23e-6);
    let dt = 100.0;
    let kappa = models::timoshenko_curvature((t1, t2), (e1, e2), (a2 - a1) * dt);
    [CellKind::Hex20R, CellKind::Hex8I]
        .into_iter()
        .map(|kind| {
            let model = bilayer(
                kind,
                (t1, t2),
                materials::Material::isotropic("TOP", e1, 0.0, a1),
                materials::Material::isotropic("BOTTOM", e2, 0.0, a2),
                20.0,
                20.0 + dt,
            );
            let (r, secs) = solve(&model);
            Entry::new(
                &format!("Timoshenko bimetal strip, {}", kind.abaqus_name()),
                "interface curvature",
                "1/mm",
                interface_curvature(&model, &r, t2),
                kappa,
                Some(0.01),
                "Timoshenko, J. Opt. Soc. Am. 11 (1925) 233",
                "1 %: two elements through each layer; the 20 x 1 mm strip's free ends relax within a few thicknesses, the curvature is fitted over the middle half",
                r.num_equations,
                secs,
            )
        })
        .collect()
}

/// Stoney (1909), Proc. R. Soc. A 82, 172, with the biaxial modulus of the
/// substrate: a thin film on a thick square plate cooled by ΔT bends to
/// `κ = 6 E_f' ε h_f / (E_s' h_s²)`, `E' = E/(1 − ν)`, ε the film's
/// mismatch strain (Freund & Suresh, Thin Film Materials, 2003, eq. 2.7).
pub(crate) fn stoney() -> Entry {
    let (hs, hf) = (0.5, 0.002); // mm
    let (es, nus, als) = (130e3, 0.28, 2.6e-6);
    let (ef, nuf, alf) = (70e3, 0.35, 23e-6);
    let dt = -100.0;
    // the film's misfit strain: cooled, it would shrink more than the
    // substrate lets it: tensile, and the plate bends concave on its side
    let mismatch = (als - alf) * dt;
    let kappa = 6.0 * ef / (1.0 - nuf) * mismatch * hf / (es / (1.0 - nus) * hs * hs);
    let side = 8.0;
    let parts = [
        (
            BoxPart {
                name: "film".into(),
                min: [0.0, 0.0, hs],
                max: [side, side, hs + hf],
            },
            materials::Material::isotropic("FILM", ef, nuf, alf),
        ),
        (
            BoxPart {
                name: "substrate".into(),
                min: [0.0, 0.0, 0.0],
                max: [side, side, hs],
            },
            materials::Material::isotropic("SUBSTRATE", es, nus, als),
        ),
    ];
    let model = layered_model(
        &parts,
        &Density {
            size: [0.25, 0.25, 0.25],
            min_divisions: 2,
        },
        CellKind::Hex20R,
        125.0,
        125.0 + dt,
    );
    let (r, secs) = solve(&model);
    // curvature along the centre line y = side/2 of the interface, over the
    // middle 40 % (the free edges relax within a few substrate thicknesses)
    let measured = models::line_curvature(&model, &r, [side / 2.0, hs], side / 2.0, 0.2 * side);
    let ratio = ef / (1.0 - nuf) * hf / (es / (1.0 - nus) * hs);
    Entry::new(
        "Stoney: 2 µm film on a 0.5 mm plate, C3D20R",
        "curvature at the plate centre",
        "1/mm",
        measured,
        kappa,
        Some(0.015),
        "Stoney, Proc. R. Soc. A 82 (1909) 172; biaxial form: Freund & Suresh, Thin Film Materials (2003), eq. 2.7",
        &format!("1.5 %: Stoney neglects the film's own stiffness and the neutral-axis shift, a relative error of about 4 E_f' h_f/(E_s' h_s) = {:.2} % here, plus the discretisation", 400.0 * ratio),
        r.num_equations,
        secs,
    )
}

/// Hsueh's closed form for an elastic multilayer beam (C.-H. Hsueh,
/// "Thermal stresses in elastic multilayer systems", Thin Solid Films 418
/// (2002) 182, eqs. 5-7): layers from the bottom `(t, E, α)`, uniform
/// strain `c`, bending axis `t_b` and curvature `1/r`; returns the
/// deflection's `w''` (1/mm, z up from the bottom layer), the orientation
/// pinned by the two-layer reduction to Timoshenko's formula.
pub(crate) fn hsueh_curvature(layers: &[(f64, f64, f64)], dt: f64) -> f64 {
    let et: f64 = layers.iter().map(|l| l.1 * l.0).sum();
    let c = layers.iter().map(|l| l.1 * l.0 * l.2 * dt).sum::<f64>() / et;
    let mut h = 0.0;
    let (mut tb, mut num, mut den) = (0.0, 0.0, 0.0);
    let mut below = Vec::new();
    for &(t, e, _) in layers {
        tb += e * t * (2.0 * h + t);
        below.push(h);
        h += t;
    }
    tb /= 2.0 * et;
    for (&(t, e, a), &h0) in layers.iter().zip(&below) {
        num += e * t * (c - a * dt) * (2.0 * h0 + t);
        den += e * t * (6.0 * h0 * h0 + 6.0 * h0 * t + 2.0 * t * t - 3.0 * tb * (2.0 * h0 + t));
    }
    3.0 * num / den
}

/// A silicon / ACF / glass strip (ν = 0, 20 x 1 mm) cooled 180 → 25 °C
/// against Hsueh's multilayer beam; and Hsueh's formula against
/// Timoshenko's for two layers (the closed forms agree).
pub(crate) fn three_layer() -> Vec<Entry> {
    // Timoshenko's two-layer case, bottom first
    let two = hsueh_curvature(&[(0.2, 70e3, 23e-6), (0.3, 200e3, 5e-6)], 100.0);
    let timo = models::timoshenko_curvature((0.3, 0.2), (200e3, 70e3), (23e-6 - 5e-6) * 100.0);
    let stack = [
        ("chip", 0.3, 130e3, 2.6e-6),
        ("acf", 0.03, 2.5e3, 60e-6),
        ("glass", 0.5, 73.6e3, 3.2e-6),
    ];
    let parts = models::strip_stack(&stack, 20.0);
    let model = layered_model(
        &parts,
        &Density {
            size: [0.25, 0.5, 1.0],
            min_divisions: 2,
        },
        CellKind::Hex20R,
        180.0,
        25.0,
    );
    let (r, secs) = solve(&model);
    let measured = models::line_curvature(&model, &r, [0.5, 0.0], 10.0, 5.0);
    let layers: Vec<(f64, f64, f64)> = stack.iter().map(|&(_, t, e, a)| (t, e, a)).collect();
    vec![
        Entry::new(
            "Hsueh's multilayer formula, two layers",
            "curvature (closed form)",
            "1/mm",
            two,
            timo,
            Some(1e-9),
            "Timoshenko, J. Opt. Soc. Am. 11 (1925) 233",
            "round-off: the n-layer closed form must reduce to the bimetal one",
            0,
            0.0,
        ),
        Entry::new(
            "Si 0.3 / ACF 0.03 / glass 0.5 mm strip, 180 → 25 °C, C3D20R",
            "curvature of the chip's bottom",
            "1/mm",
            measured,
            hsueh_curvature(&layers, 25.0 - 180.0),
            Some(0.01),
            "Hsueh, Thin Solid Films 418 (2002) 182, eqs. 5-7 (multilayer beam, plane sections)",
            "1 %: the ACF's shear lag (≈1 mm) stays near the strip's ends; the curvature is fitted over the middle half",
            r.num_equations,
            secs,
        ),
    ]
}
