//! The validation suite: every reference case, its computed value, the
//! reference and its source, the tolerance decided beforehand and why, and
//! pass/fail, written to `validation/REPORT.md` and `validation/report.json`.
//!
//! ```text
//! cargo run --release -p validation            # full suite, minutes; writes validation/REPORT.md
//! cargo run --release -p validation -- --quick # the CI subset; writes target/validation/REPORT.md
//! cargo run --release -p validation -- --only suhir # one group (le11, cog-convergence, timoshenko, stoney,
//!                                               # three-layer, suhir, acf-centre, thermal, calculix, recipes); no report
//! ```
//! Exits with status 1 when any judged entry fails.

use mesher::structured::{BoxPart, Density};
use mesher::CellKind;
use serde::Serialize;
use solver::analysis::{StaticAnalysis, StepResult};
use solver::linear::SolverChoice;
use solver::model::Model;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;
use validation::convergence::observed;
use validation::le11::{le11, sigma_zz_at_a, SIGMA_ZZ_A};
use validation::models::{self, bilayer, interface_curvature, layered_model};

/// One line of the report.
#[derive(Serialize)]
struct Entry {
    case: String,
    quantity: String,
    unit: String,
    computed: f64,
    reference: f64,
    /// Relative tolerance, decided before the run; `None`: reported only
    /// (a member of a refinement series whose finest member is judged).
    tolerance: Option<f64>,
    /// The tolerance is absolute, in the entry's unit (for a reference of 0).
    absolute: bool,
    source: String,
    /// Why this tolerance (or why not judged), and notes.
    reason: String,
    dof: usize,
    seconds: f64,
    pass: Option<bool>,
}

impl Entry {
    #[allow(clippy::too_many_arguments)]
    fn new(
        case: &str,
        quantity: &str,
        unit: &str,
        computed: f64,
        reference: f64,
        tolerance: Option<f64>,
        source: &str,
        reason: &str,
        dof: usize,
        seconds: f64,
    ) -> Self {
        let pass = tolerance
            .map(|t| computed.is_finite() && (computed - reference).abs() <= t * reference.abs());
        Entry {
            case: case.into(),
            quantity: quantity.into(),
            unit: unit.into(),
            computed,
            reference,
            tolerance,
            absolute: false,
            source: source.into(),
            reason: reason.into(),
            dof,
            seconds,
            pass,
        }
    }
}

impl Entry {
    /// An entry judged by `|computed − reference| ≤ tolerance` in its unit.
    #[allow(clippy::too_many_arguments)]
    fn absolute(
        case: &str,
        quantity: &str,
        unit: &str,
        computed: f64,
        reference: f64,
        tolerance: f64,
        source: &str,
        reason: &str,
        dof: usize,
        seconds: f64,
    ) -> Self {
        let mut e = Entry::new(
            case, quantity, unit, computed, reference, None, source, reason, dof, seconds,
        );
        e.tolerance = Some(tolerance);
        e.absolute = true;
        e.pass = Some(computed.is_finite() && (computed - reference).abs() <= tolerance);
        e
    }
}

/// The bonding recipes of pcb_acf (ACF cells born at their gel points, the
/// filter after its oven cure) and cog_flipchip (the bumps bonded in the
/// hot pressed state, the underfill born after its cure) against CalculiX
/// state by state, on coarse C3D8 meshes (CalculiX's strain-free births
/// make its run nonlinear: default meshes would take many minutes).
fn calculix_recipes() -> Vec<Entry> {
    use validation::calculix;
    let mut out = Vec::new();
    if calculix::ccx().is_none() {
        if calculix::peer_required() {
            panic!("CalculiX (ccx) is required in CI; validation/setup.sh installs it");
        }
        eprintln!("\n*** SKIPPED the recipe CalculiX comparisons: ccx is not installed (run validation/setup.sh). ***\n");
        return out;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let runs: [(&str, &[&str], [&str; 2]); 2] = [
        (
            "pcb_acf",
            &["process.cure.acf.shrinkage=0", "mesh.size=\"1.2 mm\""],
            ["chip.bottom", "pcb.top"],
        ),
        (
            "cog_flipchip",
            &["mesh.size=\"1.0 mm\""],
            ["chip.bottom", "glass.top"],
        ),
    ];
    for (name, extra, faces) in runs {
        let overrides: Vec<String> = ["mesh.element=c3d8", "mesh.layers=1", "mesh.across_bumps=1"]
            .iter()
            .chain(extra.iter())
            .map(|s| s.to_string())
            .collect();
        let case =
            cases::Case::from_file_with(&root.join(format!("../cases/{name}.toml")), &overrides)
                .unwrap_or_else(|e| panic!("{e}"));
        let clock = Instant::now();
        let c = calculix::compare_recipe(&case, &faces).unwrap_or_else(|e| panic!("{name}: {e}"));
        let secs = clock.elapsed().as_secs_f64();
        let label = format!("{name} recipe ({} states, C3D8) vs CalculiX", c.states);
        let source = "CalculiX (Debian's ccx) on the exported states (*TEMPERATURE, *MODEL CHANGE)";
        let worst = c
            .warpage
            .iter()
            .map(|w| (w.ours - w.theirs).abs() / w.resolution)
            .fold(0.0, f64::max);
        out.push(Entry::absolute(
            &label,
            "warpage at every state: largest |difference| in units of ccx's print resolution",
            "—",
            worst,
            0.0,
            1.0,
            source,
            "1: within ccx's 7 printed digits (1e-6 of the larger of the warpage and the face's largest |u_z|) at every state; the issue asks 1e-4",
            c.dof,
            secs,
        ));
        out.push(Entry::absolute(
            &label,
            "final stresses: largest difference at any integration point",
            "MPa",
            c.final_stress_difference,
            0.0,
            1e-5 * c.final_stress_peak,
            source,
            &format!(
                "1e-5 of the largest stress component ({:.1} MPa): ccx prints stresses to 7 digits",
                c.final_stress_peak
            ),
            c.dof,
            secs,
        ));
    }
    out
}

fn solve(model: &Model) -> (StepResult, f64) {
    let t = Instant::now();
    let r = StaticAnalysis::new(model, SolverChoice::Direct)
        .solve_step(&model.steps[0])
        .unwrap_or_else(|e| panic!("{e}"));
    (r, t.elapsed().as_secs_f64())
}

/// Seven significant digits.
fn number(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-2 || v.abs() >= 1e6) {
        format!("{v:.6e}")
    } else {
        let digits = (6 - v.abs().log10().floor() as i32).max(0) as usize;
        format!("{v:.digits$}")
    }
}

/// A relative quantity: in % down to 0.1 %, then as a power of ten.
fn relative(r: f64) -> String {
    if r.abs() >= 1e-3 {
        format!("{:.1} %", 100.0 * r)
    } else {
        format!("{r:.1e}")
    }
}

/// The signed relative difference of `computed` from `reference`.
fn signed(computed: f64, reference: f64) -> String {
    let d = (computed - reference) / reference.abs();
    if d == 0.0 {
        "equal to all printed digits".into()
    } else if d.abs() >= 1e-3 {
        format!("{:+.2} %", 100.0 * d)
    } else {
        format!("{d:+.1e}")
    }
}

const LE11_SOURCE: &str = "NAFEMS, The Standard NAFEMS Benchmarks (TNSB rev. 3, 1990), test LE11";

/// NAFEMS LE11 on a refinement series of hex20 and tet10 meshes; the
/// finest of each series is judged.
fn le11_series(
    quick: bool,
    series: &mut Vec<String>,
    curves: &mut Vec<(String, Vec<(f64, f64)>)>,
) -> Vec<Entry> {
    // a halving series (its observed order), and in the full suite one finer
    // mesh each (the tet10 one as large as fits a few minutes here)
    let halving = [(2, 2, 4), (4, 4, 8), (8, 8, 16)];
    let mut out = Vec::new();
    for (kind, name, finer) in [
        (CellKind::Hex20, "C3D20", (16, 16, 32)),
        (CellKind::Tet10, "C3D10", (12, 12, 24)),
    ] {
        let mut levels = halving.to_vec();
        if !quick {
            levels.push(finer);
        }
        let mut values = Vec::new();
        let mut curve = Vec::new();
        for (i, &(a, b, c)) in levels.iter().enumerate() {
            let le = le11(kind, a, b, c);
            let (r, secs) = solve(&le.model);
            let s = sigma_zz_at_a(&le, &r.stress);
            values.push(s);
            curve.push((r.num_equations as f64, s));
            let finest = i + 1 == levels.len();
            let (tol, reason) = match (finest, quick, kind) {
                (false, ..) => (None, "refinement series member: reported, the finest is judged".to_string()),
                (true, true, CellKind::Tet10) => (Some(0.02), "finest of the CI subset (8 x 8 x 16 grid, split into tets): 2 %; the full suite's finer mesh is held to 1 %".to_string()),
                (true, ..) => (Some(0.01), "the issue's 1 % on the finest mesh; the target is itself a converged reference value".to_string()),
            };
            out.push(Entry::new(
                &format!("NAFEMS LE11, {name}, grid {a} x {b} x 4·{c}"),
                "σzz at A",
                "MPa",
                s,
                SIGMA_ZZ_A,
                tol,
                LE11_SOURCE,
                &reason,
                r.num_equations,
                secs,
            ));
        }
        curves.push((name.to_string(), curve));
        // the last three levels that halve the cell size in turn
        let halved: Vec<usize> = (0..levels.len())
            .filter(|&i| i == 0 || levels[i].0 == 2 * levels[i - 1].0)
            .collect();
        let pick = &halved[halved.len().saturating_sub(3)..];
        let grids: Vec<String> = pick.iter().map(|&i| levels[i].0.to_string()).collect();
        let order = observed([values[pick[0]], values[pick[1]], values[pick[2]]]);
        series.push(format!(
            "LE11 {name}: σzz(A) = {} MPa; {}",
            values.iter().map(|v| format!("{v:.3}")).collect::<Vec<_>>().join(" → "),
            match order {
                Some((p, est)) => format!("observed order {p:.2} over grids {} (each halving the cells), Richardson estimate {est:.3} MPa", grids.join(", ")),
                None => format!("grids {} (each halving the cells) are not in the asymptotic range: successive differences do not shrink, so no observed order is claimed", grids.join(", ")),
            }
        ));
    }
    out
}

/// Timoshenko (1925), "Analysis of bi-metal thermostats", J. Opt. Soc.
/// Am. 11, 233: curvature of a bimetal strip (ν = 0: the beam of the formula).
fn timoshenko() -> Vec<Entry> {
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
fn stoney() -> Entry {
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

/// The chip-on-glass block's ACF at its centre: a thin compliant layer
/// bonded between stiff glass and silicon takes their in-plane strain, so
/// σ = E/(1 − ν)·(α_acf − α_s)·(T₀ − T), α_s between the glass's and the
/// silicon's (the mean is taken; the two bounds differ by 1.1 %).
fn acf_centre(quick: bool) -> Entry {
    let size = if quick { 0.5 } else { 0.25 };
    let model = models::cog_block(size, 2, CellKind::Hex20R);
    let (r, secs) = solve(&model);
    let (acf, glass, si) = (models::acf(), models::glass(), models::silicon());
    let props = |m: &materials::Material| match &m.elastic {
        materials::Elastic::Isotropic(e) => {
            let [e, nu] = e.at(25.0);
            (e, nu, m.thermal_strain(25.0, 180.0)[0])
        }
        _ => unreachable!("isotropic reference materials"),
    };
    let (e, nu, eps_acf) = props(&acf);
    let eps_s = 0.5 * (props(&glass).2 + props(&si).2);
    // cooled: the ACF wants to shrink more than the glass and silicon let it
    let reference = e / (1.0 - nu) * (eps_s - eps_acf);
    let mesh = &model.mesh;
    let points = solver::post::PartPoints::new(mesh);
    let nodal = points.average(mesh, &r.stress);
    let centre = points
        .node
        .iter()
        .enumerate()
        .filter(|&(k, _)| mesh.part_names[points.part[k]] == "acf")
        .min_by(|a, b| {
            let d = |v: usize| {
                let x = mesh.coordinates[v];
                x[0].hypot(x[1]).hypot(x[2] - 0.315)
            };
            d(*a.1).partial_cmp(&d(*b.1)).unwrap()
        })
        .map(|(k, _)| k)
        .expect("ACF points");
    let measured = 0.5 * (nodal[centre][0] + nodal[centre][1]);
    Entry::new(
        &format!("Chip-on-glass block (glass/ACF/Si, 180 → 25 °C), C3D20R, {size} mm"),
        "ACF in-plane stress at its centre",
        "MPa",
        measured,
        reference,
        Some(0.03),
        "hand estimate E/(1 − ν)·Δα·ΔT (thin bonded layer); issue 6 reports ~34 MPa from CalculiX and by hand",
        "3 %: the layer's in-plane strain lies between the glass's and the silicon's (the bounds differ by 1.1 %) and the stack bends slightly",
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
fn hsueh_curvature(layers: &[(f64, f64, f64)], dt: f64) -> f64 {
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
fn three_layer() -> Vec<Entry> {
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

/// Interfacial shear of an adhesively bonded bi-material strip (silicon
/// chip on a copper strip through a thin compliant die-attach layer, ν = 0
/// so that plane sections and the width play no part), cooled 180 → 25 °C,
/// against Suhir's shearing-stress solution.
///
/// The model (E. Suhir, "Stresses in bi-metal thermostats", J. Appl. Mech.
/// 53 (1986) 657-660; the shear-lag idea goes back to W. T. Chen and
/// C. W. Nelson, IBM J. Res. Dev. 23 (1979) 179): the force `T(x)` in the
/// upper layer (N/mm per unit width, `x` from the strip's centre, ends at
/// `±l`) follows from interface compatibility `κ T'' − λ T = −Δα ΔT` with
/// `T(±l) = 0`:
///
/// `T = (Δα ΔT / λ)(1 − cosh kx / cosh kl)`, `τ = T' = −(Δα ΔT k / λ) sinh kx / cosh kl`,
///
/// `k = √(λ/κ)`, axial and bending compliance
/// `λ = 1/(E₁h₁) + 1/(E₂h₂) + e²/(D₁ + D₂)` (`e` the distance between the
/// layers' mid-planes, `Dᵢ = Eᵢhᵢ³/12` at ν = 0), interfacial compliance
/// `κ = h₁/(3G₁) + h₂/(3G₂) + h₀/G₀` (Suhir's parabolic-shear estimate for
/// each adherend plus the bond layer), `Δα = α₂ − α₁` (lower minus upper).
/// `τ` is σxz on the bond layer, i.e. the shear the lower layer's top face
/// carries. The derivation above is ours, following the paper's
/// assumptions; the paper's own equation numbers could not be checked
/// here (its text was not accessible), so none are quoted.
///
/// Suhir's local model puts the largest shear at the very end, where the
/// true stress must vanish (traction-free end face) and the corner is
/// singular: the points inside a few layer thicknesses of the end are
/// reported, not judged.
fn suhir_shear(quick: bool) -> Vec<Entry> {
    // thickness mm, E MPa, α 1/K: chip (1) on bond layer (0) on strip (2)
    let (h1, e1, a1): (f64, f64, f64) = (0.3, 130e3, 2.6e-6);
    let (h0, e0, a0): (f64, f64, f64) = (0.02, 100.0, 60e-6);
    let (h2, e2, a2): (f64, f64, f64) = (0.25, 120e3, 17e-6);
    let (g1, g0, g2) = (e1 / 2.0, e0 / 2.0, e2 / 2.0);
    let length = 20.0;
    let l = length / 2.0;
    let dt = 25.0 - 180.0;
    let d_sum = (e1 * h1.powi(3) + e2 * h2.powi(3)) / 12.0;
    let e = 0.5 * (h1 + h2) + h0;
    let lambda = 1.0 / (e1 * h1) + 1.0 / (e2 * h2) + e * e / d_sum;
    let kappa = h1 / (3.0 * g1) + h2 / (3.0 * g2) + h0 / g0;
    let k = (lambda / kappa).sqrt();
    let tau = |x: f64| -(a2 - a1) * dt * k / lambda * (k * x).sinh() / (k * l).cosh();
    let parts = models::strip_stack(
        &[
            ("strip", h2, e2, a2),
            ("attach", h0, e0, a0),
            ("chip", h1, e1, a1),
        ],
        length,
    );
    let dx = if quick { 0.1 } else { 0.05 };
    let model = layered_model(
        &parts,
        &Density {
            size: [dx, 1.0, 0.1],
            min_divisions: 2,
        },
        CellKind::Hex20R,
        180.0,
        25.0,
    );
    let (r, secs) = solve(&model);
    let mesh = &model.mesh;
    let points = solver::post::PartPoints::new(mesh);
    let nodal = points.average(mesh, &r.stress);
    let zmid = h2 + 0.5 * h0;
    // σxz on the bond layer's mid-plane at distance d from the end x = 0,
    // averaged over the width (uniform at ν = 0)
    let shear_at = |d: f64| -> f64 {
        let near: Vec<usize> = points
            .node
            .iter()
            .enumerate()
            .filter(|&(k, &v)| {
                let x = mesh.coordinates[v];
                mesh.part_names[points.part[k]] == "attach"
                    && (x[2] - zmid).abs() < 1e-9
                    && (x[0] - d).abs() < 1e-9
            })
            .map(|(k, _)| k)
            .collect();
        assert!(!near.is_empty(), "no bond-layer node at x = {d} mm");
        near.iter().map(|&k| nodal[k][5]).sum::<f64>() / near.len() as f64
    };
    let mut out = Vec::new();
    let decay = 1.0 / k;
    for (d, judged) in [
        (dx, false),
        (0.5 * decay, false),
        (decay, true),
        (2.0 * decay, true),
        (3.0 * decay, false),
    ] {
        // on the grid: nearest multiple of the cell size
        let d = (d / dx).round() * dx;
        let case = format!(
            "Si 0.3 / die attach 0.02 / Cu 0.25 mm strip (ν = 0), 180 → 25 °C, C3D20R {dx} mm; 1/k = {decay:.3} mm"
        );
        let reason = if judged {
            "10 %: Suhir's model takes plane sections in each adherend, their shear compliance as h/3G and no peel-induced differential bending; the bond layer holds 99 % of κ, and an error of a few % in k doubles at 2/k"
        } else if d < 0.3 {
            "inside the end zone (a few layer thicknesses): the local model keeps the largest shear at the traction-free end, where the true stress vanishes; reported, not judged"
        } else {
            "reported beside the judged points (the shape of the decay), not judged"
        };
        out.push(Entry::new(
            &case,
            &format!("bond-layer shear σxz at {d:.2} mm from the end"),
            "MPa",
            shear_at(d),
            tau(d - l),
            judged.then_some(0.10),
            "Suhir, J. Appl. Mech. 53 (1986) 657 (interfacial shearing stress, bond-layer compliance added); derivation in validation/src/main.rs",
            reason,
            r.num_equations,
            secs,
        ));
    }
    out
}

/// Heat conduction: a suddenly heated slab against its Fourier series at
/// the mid-plane (t = τ/2, τ, 2τ), and two materials in series against the
/// exact interface temperature.
fn thermal() -> Vec<Entry> {
    use materials::Table;
    use models::{plane_nodes, slab_series, thermal_bar, thermal_props, BAR_LENGTH as L};
    use solver::thermal::{ThermalProblem, TransientThermal};
    let mut out = Vec::new();
    let mesh = thermal_bar(40, CellKind::Hex20);
    let k = 1.1;
    let problem = ThermalProblem {
        mesh: &mesh,
        properties: vec![
            thermal_props(Table::constant([k])),
            thermal_props(Table::constant([k])),
        ],
        cell_material: &mesh.cell_part,
    };
    let diffusivity = k / (2.38e-9 * 7.5e8);
    let tau = L * L / (std::f64::consts::PI.powi(2) * diffusivity);
    let (ti, ts) = (20.0, 120.0);
    let mut fixed = plane_nodes(&mesh, 0.0, ts);
    fixed.extend(plane_nodes(&mesh, L, ts));
    let mid = (0..mesh.num_nodes())
        .find(|&v| (mesh.coordinates[v][0] - L / 2.0).abs() < 1e-12)
        .expect("a mid-plane node");
    let mut solver = TransientThermal::new(&problem);
    let mut t = vec![ti; mesh.num_nodes()];
    let dt = tau / 400.0;
    let clock = Instant::now();
    for step in 1..=800 {
        t = solver.step(&t, dt, &fixed, &[]).expect("slab step");
        if step % 200 == 0 {
            let time = step as f64 * dt;
            // judged on the rise above the initial temperature
            out.push(Entry::new(
                &format!(
                    "Suddenly heated slab, 40 C3D20 along, Δt = τ/400, t = {:.1} τ",
                    time / tau
                ),
                "mid-plane temperature rise",
                "°C",
                t[mid] - ti,
                slab_series(L / 2.0, time, L, tau, ti, ts) - ti,
                Some(0.01),
                "Carslaw & Jaeger, Conduction of Heat in Solids (1959), §3.3: Fourier series",
                "1 % of the rise: backward Euler is first order in time (Δt = τ/400)",
                mesh.num_nodes(),
                clock.elapsed().as_secs_f64(),
            ));
        }
    }
    let mesh = thermal_bar(8, CellKind::Hex20);
    let (k1, k2) = (1.1, 148.0);
    let problem = ThermalProblem {
        mesh: &mesh,
        properties: vec![
            thermal_props(Table::constant([k1])),
            thermal_props(Table::constant([k2])),
        ],
        cell_material: &mesh.cell_part,
    };
    let mut fixed = plane_nodes(&mesh, 0.0, 200.0);
    fixed.extend(plane_nodes(&mesh, L, 25.0));
    let t = TransientThermal::new(&problem)
        .steady(&vec![25.0; mesh.num_nodes()], &fixed, &[])
        .expect("steady");
    let q = (200.0 - 25.0) / (L / 2.0 / k1 + L / 2.0 / k2);
    let interface = (0..mesh.num_nodes())
        .find(|&v| (mesh.coordinates[v][0] - L / 2.0).abs() < 1e-12)
        .expect("an interface node");
    out.push(Entry::new(
        "Glass / silicon-like conductors in series (k 1.1 and 148 mW/(mm·K)), 8 C3D20",
        "interface temperature",
        "°C",
        t[interface],
        200.0 - q * L / 2.0 / k1,
        Some(1e-9),
        "exact: piecewise-linear profile, q = ΔT/(a/k₁ + b/k₂)",
        "round-off: quadratic elements contain the exact linear profile",
        mesh.num_nodes(),
        0.0,
    ));
    out
}

/// CalculiX on every shipped case through the exported deck (single step,
/// the case's stress-free to room temperature): warpage of every reported
/// face and the bumps' von Mises mean and maximum. The quick subset uses
/// the coarse `--quick` meshes, the full suite the default ones.
fn calculix_cases(quick: bool) -> Vec<Entry> {
    use validation::calculix;
    let mut out = Vec::new();
    if calculix::ccx().is_none() {
        if calculix::peer_required() {
            panic!("CalculiX (ccx) is required in CI; validation/setup.sh installs it");
        }
        eprintln!("\n*** SKIPPED the CalculiX comparisons: ccx is not installed (run validation/setup.sh). ***\n");
        return out;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for name in [
        "cog_flipchip",
        "pcb_acf",
        "csp_transparent",
        "wlp_paste_plugs",
    ] {
        let path = root.join(format!("../cases/{name}.toml"));
        let mut case = cases::Case::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
        if quick {
            case = case.quick();
        }
        let label = format!(
            "{name} ({}, single step) vs CalculiX",
            case.controls.kind.abaqus_name()
        );
        let clock = Instant::now();
        let c = calculix::compare_case(&case).unwrap_or_else(|e| panic!("{name}: {e}"));
        let secs = clock.elapsed().as_secs_f64();
        let source = "CalculiX (Debian's ccx) on the identical exported deck";
        for (face, w) in &c.ours.warpage_um {
            let t = c.theirs.warpage_um[face];
            out.push(Entry::new(
                &label,
                &format!("warpage {face}"),
                "µm",
                *w,
                t,
                Some(c.warpage_resolution_um[face] / t.abs()),
                source,
                "ccx prints 7 significant digits of u_z: 1e-6 of the larger of the warpage and the face's largest |u_z|",
                c.dof,
                secs,
            ));
        }
        if let (Some(bo), Some(bt)) = (&c.ours.bumps, &c.theirs.bumps) {
            for (q, a, b) in [
                ("bump von Mises mean", bo.von_mises_mean, bt.von_mises_mean),
                ("bump von Mises max", bo.von_mises_max, bt.von_mises_max),
            ] {
                out.push(Entry::new(
                    &label,
                    q,
                    "MPa",
                    a,
                    b,
                    Some(1e-6),
                    source,
                    "1e-6: the same elements and integration points; ccx prints 7 digits",
                    c.dof,
                    secs,
                ));
            }
        }
    }
    out
}

type Plot = (
    String,
    String,
    String,
    Vec<(String, Vec<(f64, f64)>)>,
    (f64, String),
);

/// The cog_flipchip case's glass-top warpage and volume-mean bump stress
/// over three C3D8I levels (full suite only): reported, not judged — a
/// convergence study has no external reference; the Richardson estimate is
/// drawn instead.
fn cog_convergence(series: &mut Vec<String>, plots: &mut Vec<Plot>) -> Vec<Entry> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let levels = validation::convergence::cog_levels(&root);
    let mut out = Vec::new();
    for (key, title, unit, value) in [
        (
            "cog_warpage_convergence",
            "cog_flipchip: glass-top warpage (single step)",
            "µm",
            (|l: &validation::convergence::Level| l.warpage)
                as fn(&validation::convergence::Level) -> f64,
        ),
        (
            "cog_bump_convergence",
            "cog_flipchip: volume-mean bump von Mises (single step)",
            "MPa",
            |l: &validation::convergence::Level| l.bump_mean,
        ),
    ] {
        let f = [value(&levels[0]), value(&levels[1]), value(&levels[2])];
        let order = observed(f);
        let estimate = order.map_or(f[2], |o| o.1);
        for l in &levels {
            out.push(Entry::new(
                &format!(
                    "cog_flipchip convergence, C3D8I {} mm, {} layers, {} across",
                    l.size, l.layers, l.across
                ),
                title.split(": ").nth(1).unwrap_or(title),
                unit,
                value(l),
                estimate,
                None,
                "Richardson extrapolation of this series (no external reference)",
                "convergence study: reported, not judged",
                l.dof,
                l.seconds,
            ));
        }
        series.push(format!(
            "{title}: {} {unit}; {}",
            f.iter()
                .map(|v| format!("{v:.4}"))
                .collect::<Vec<_>>()
                .join(" → "),
            match order {
                Some((p, est)) =>
                    format!("observed order {p:.2}, Richardson estimate {est:.4} {unit}"),
                None => "not in the asymptotic range (no observed order)".into(),
            }
        ));
        plots.push((
            key.to_string(),
            title.to_string(),
            unit.to_string(),
            vec![(
                "C3D8I".to_string(),
                levels.iter().map(|l| (l.dof as f64, value(l))).collect(),
            )],
            (
                estimate,
                if order.is_some() {
                    "Richardson estimate".to_string()
                } else {
                    "finest level".to_string()
                },
            ),
        ));
    }
    let peak: Vec<String> = levels
        .iter()
        .map(|l| format!("{:.1}", l.bump_max))
        .collect();
    series.push(format!(
        "cog_flipchip bump peak von Mises: {} MPa — at a re-entrant corner, where the elastic stress is singular: it grows under refinement and is not a convergence metric",
        peak.join(" → ")
    ));
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    // `--only GROUP`: run one group, print its lines, write no report
    let only = args
        .iter()
        .position(|a| a == "--only")
        .map(|i| args.get(i + 1).cloned().unwrap_or_default());
    const GROUPS: [&str; 10] = [
        "le11",
        "cog-convergence",
        "timoshenko",
        "stoney",
        "three-layer",
        "suhir",
        "acf-centre",
        "thermal",
        "calculix",
        "recipes",
    ];
    if let Some(g) = &only {
        if !GROUPS.contains(&g.as_str()) {
            eprintln!(
                "validation: --only expects one of {}, got {g:?}",
                GROUPS.join(", ")
            );
            std::process::exit(2);
        }
    }
    let run = |g: &str| only.as_deref().is_none_or(|o| o == g);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let started = Instant::now();
    let mut series = Vec::new();
    let mut entries = Vec::new();
    let mut curves = Vec::new();
    if run("le11") {
        entries.extend(le11_series(quick, &mut series, &mut curves));
    }
    let mut plots = vec![(
        "le11_convergence".to_string(),
        "NAFEMS LE11: σzz at A".to_string(),
        "σzz (MPa)".to_string(),
        curves,
        (SIGMA_ZZ_A, format!("NAFEMS target {SIGMA_ZZ_A}")),
    )];
    if !quick && run("cog-convergence") {
        entries.extend(cog_convergence(&mut series, &mut plots));
    }
    if run("timoshenko") {
        entries.extend(timoshenko());
    }
    if run("stoney") {
        entries.push(stoney());
    }
    if run("three-layer") {
        entries.extend(three_layer());
    }
    if run("suhir") {
        entries.extend(suhir_shear(quick));
    }
    if run("acf-centre") {
        entries.push(acf_centre(quick));
    }
    if run("thermal") {
        entries.extend(thermal());
    }
    if run("calculix") {
        entries.extend(calculix_cases(quick));
    }
    if run("recipes") {
        entries.extend(calculix_recipes());
    }
    for e in &entries {
        eprintln!(
            "{:<70} {:>14} vs {:>14} {:<5} {}",
            e.case,
            number(e.computed),
            number(e.reference),
            e.unit,
            match e.pass {
                Some(true) => "pass",
                Some(false) => "FAIL",
                None => "(series)",
            }
        );
    }
    let judged = entries.iter().filter(|e| e.pass.is_some()).count();
    let failed = entries.iter().filter(|e| e.pass == Some(false)).count();
    if only.is_some() {
        eprintln!("{judged} judged, {failed} failed (--only: no report written)");
        std::process::exit(i32::from(failed > 0));
    }
    let mut md = String::new();
    writeln!(md, "# Validation report\n").unwrap();
    writeln!(
        md,
        "Written by `cargo run --release -p validation{}` (do not edit by hand): {} mode, {} entries, {} judged, {} failed, {:.0} s on {} threads.\n",
        if quick { " -- --quick" } else { "" },
        if quick { "quick (CI subset)" } else { "full" },
        entries.len(),
        judged,
        failed,
        started.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    )
    .unwrap();
    writeln!(md, "Tolerances are relative to the reference, or absolute where given with a unit (a reference of 0), and were set before the run; the reason stands beside each. No reference is taken from pkgstress's own output.\n").unwrap();
    writeln!(md, "| case | quantity | pkgstress | reference | unit | tolerance | result | DOF | reference source | why this tolerance |").unwrap();
    writeln!(md, "|---|---|---:|---:|---|---:|---|---:|---|---|").unwrap();
    for e in &entries {
        writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            e.case,
            e.quantity,
            number(e.computed),
            number(e.reference),
            e.unit,
            match (e.tolerance, e.absolute) {
                (None, _) => "—".into(),
                (Some(t), true) => format!("{} {}", number(t), e.unit),
                (Some(t), false) => relative(t),
            },
            match e.pass {
                Some(true) if e.absolute => "pass".into(),
                Some(false) if e.absolute => "**FAIL**".into(),
                Some(true) => format!("pass ({})", signed(e.computed, e.reference)),
                Some(false) => format!("**FAIL** ({})", signed(e.computed, e.reference)),
                None => format!("({})", signed(e.computed, e.reference)),
            },
            e.dof,
            e.source,
            e.reason
        )
        .unwrap();
    }
    writeln!(md, "\n## Refinement series\n").unwrap();
    for (file, title, ..) in &plots {
        writeln!(md, "![{title}]({file}.png)\n").unwrap();
    }
    for s in &series {
        writeln!(md, "- {s}").unwrap();
    }
    writeln!(md, "\n## Elsewhere\n\nCalculiX on every shipped case and on the recipes (state by state), the heat-conduction closed forms and the element property suite run as `cargo test` (`validation/tests/`, listed in the README); the glass-top warpage convergence study is `validation/CONVERGENCE.md`.").unwrap();
    let (md_path, json_path) = if quick {
        let dir = root.join("../target/validation");
        std::fs::create_dir_all(&dir).expect("target/validation");
        (dir.join("REPORT.md"), dir.join("report.json"))
    } else {
        (root.join("REPORT.md"), root.join("report.json"))
    };
    for (file, title, y, curves, reference) in &plots {
        // drawn under a temporary name (the extension picks the format), then renamed
        let png = md_path.with_file_name(format!("{file}.png"));
        let partial = md_path.with_file_name(format!("{file}.partial.png"));
        validation::plot::convergence(&partial, title, y, curves, (reference.0, &reference.1))
            .expect("writing a convergence plot");
        std::fs::rename(&partial, &png).expect("renaming a convergence plot");
    }
    let json = serde_json::to_string_pretty(&entries).expect("entries serialise") + "\n";
    solver::io::write_atomically(&md_path, |w| w.write_all(md.as_bytes()))
        .expect("writing the report");
    solver::io::write_atomically(&json_path, |w| w.write_all(json.as_bytes()))
        .expect("writing report.json");
    println!(
        "{judged} judged, {} passed, {failed} failed",
        judged - failed
    );
    println!("wrote {} and {}", md_path.display(), json_path.display());
    if failed > 0 {
        std::process::exit(1);
    }
}
