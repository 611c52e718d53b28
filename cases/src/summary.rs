//! The results a packaging engineer reads first: warpage of the named
//! faces (µm, max − min of the out-of-plane displacement), bump stresses
//! (von Mises, peel = σzz normal to the bond plane, tension positive; shear
//! = √(σxz² + σyz²) on the bond plane), adhesive stresses and the die's
//! largest first principal stress (MPa). Maxima are taken at integration
//! points; the bump mean is volume-weighted.

use crate::case::Case;
use serde::Serialize;
use solver::analysis::StepResult;
use solver::model::Model;
use solver::post::{out_of_plane_range, part_extremes, plastic_measures, stress_measures};
pub use solver::post::{PlasticMeasures, StressMeasures};
use std::collections::BTreeMap;

/// Per-part extremes at integration points, MPa.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PartSummary {
    pub part: String,
    pub von_mises_max: f64,
    pub max_principal: f64,
    pub min_principal: f64,
}

/// How far an adhesive's stress has relaxed (a viscoelastic material):
/// its volume-mean von Mises stress against the one its instantaneous
/// stiffness would give on the same mechanical strains.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Relaxation {
    /// Volume-mean von Mises stress, MPa.
    pub von_mises_mean: f64,
    /// The same had nothing relaxed, MPa.
    pub unrelaxed_von_mises_mean: f64,
    /// `1 − von_mises_mean / unrelaxed_von_mises_mean` (0 when unstressed).
    pub relaxed_fraction: f64,
}

/// The summary of a case run.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    pub case: String,
    pub element: String,
    pub symmetry: String,
    pub dof: usize,
    /// What the solve was expected to take with the solver it used (the
    /// model included, from the measured bytes per DOF), GiB.
    pub memory_estimate_gib: f64,
    pub stress_free_temperature_c: f64,
    pub room_temperature_c: f64,
    /// Warpage of each named face, µm.
    pub warpage_um: BTreeMap<String, f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bumps: Option<StressMeasures>,
    /// The bumps' equivalent plastic strain and plastic work density, when
    /// a material is plastic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bump_plasticity: Option<PlasticMeasures>,
    /// Stress measures per adhesive part.
    pub adhesives: BTreeMap<String, StressMeasures>,
    /// Stress relaxation of each viscoelastic adhesive part.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub adhesive_relaxation: BTreeMap<String, Relaxation>,
    /// Largest first principal stress in the die, MPa.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub die_max_principal_mpa: Option<f64>,
    pub parts: Vec<PartSummary>,
    /// For a recipe run: its steps and end time, instead of one cool-down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
}

/// Stress measures over the cells of `parts`.
fn measures(model: &Model, result: &StepResult, parts: &[usize]) -> Option<StressMeasures> {
    let mesh = &model.mesh;
    stress_measures(mesh, &result.stress, &result.point_volume, |c| {
        parts.contains(&mesh.cell_part[c])
    })
}

/// Plastic measures over the cells of `parts`, for a path-dependent result.
fn bump_plasticity(model: &Model, result: &StepResult, parts: &[usize]) -> Option<PlasticMeasures> {
    let (e, w) = (
        result.equivalent_plastic_strain.as_ref()?,
        result.plastic_work.as_ref()?,
    );
    let mesh = &model.mesh;
    plastic_measures(
        mesh,
        &result.stress.offsets,
        e,
        w,
        &result.point_volume,
        |c| parts.contains(&mesh.cell_part[c]),
    )
}

/// The relaxation over the cells of `part`, for a result with unrelaxed
/// stresses.
fn relaxation(model: &Model, result: &StepResult, part: usize) -> Option<Relaxation> {
    let unrelaxed = result.unrelaxed_stress.as_ref()?;
    let mesh = &model.mesh;
    let viscous = |c: usize| {
        mesh.cell_part[c] == part
            && model.materials[model.cell_material[c]]
                .viscoelastic
                .is_some()
    };
    let now = stress_measures(mesh, &result.stress, &result.point_volume, viscous)?;
    let before = stress_measures(mesh, unrelaxed, &result.point_volume, viscous)?;
    let fraction = if before.von_mises_mean > 0.0 {
        1.0 - now.von_mises_mean / before.von_mises_mean
    } else {
        0.0
    };
    Some(Relaxation {
        von_mises_mean: now.von_mises_mean,
        unrelaxed_von_mises_mean: before.von_mises_mean,
        relaxed_fraction: fraction,
    })
}

impl Summary {
    pub fn new(case: &Case, model: &Model, result: &StepResult) -> Summary {
        let mesh = &model.mesh;
        let index = |name: &str| {
            mesh.part_names
                .iter()
                .position(|p| p.eq_ignore_ascii_case(name))
        };
        let warpage_um = case
            .roles
            .warpage
            .iter()
            .filter_map(|f| {
                let set = mesh.node_sets.get(&f.node_set())?;
                let (lo, hi) = out_of_plane_range(&result.displacement, set);
                Some((f.label(), (hi - lo) * 1e3))
            })
            .collect();
        let bump_parts: Vec<usize> = case.roles.bumps.iter().filter_map(|n| index(n)).collect();
        let adhesives = case
            .roles
            .adhesives
            .iter()
            .filter_map(|n| Some((n.clone(), measures(model, result, &[index(n)?])?)))
            .collect();
        let adhesive_relaxation = case
            .roles
            .adhesives
            .iter()
            .filter_map(|n| Some((n.clone(), relaxation(model, result, index(n)?)?)))
            .collect();
        let extremes = part_extremes(mesh, &result.stress);
        let die_max_principal_mpa = case
            .roles
            .die
            .as_deref()
            .and_then(index)
            .and_then(|p| extremes.iter().find(|e| e.part == mesh.part_names[p]))
            .map(|e| e.max_principal);
        let parts = extremes
            .into_iter()
            .map(|e| PartSummary {
                part: e.part,
                von_mises_max: e.von_mises_max,
                max_principal: e.max_principal,
                min_principal: e.min_principal,
            })
            .collect();
        Summary {
            case: case.name.clone(),
            element: case.controls.kind.abaqus_name().to_string(),
            symmetry: format!("{:?}", case.controls.symmetry).to_lowercase(),
            dof: result.num_equations,
            memory_estimate_gib: result.memory.total() as f64 / solver::memory::GIB,
            stress_free_temperature_c: case.stress_free,
            room_temperature_c: case.room,
            warpage_um,
            bumps: if bump_parts.is_empty() {
                None
            } else {
                measures(model, result, &bump_parts)
            },
            bump_plasticity: bump_plasticity(model, result, &bump_parts),
            adhesives,
            adhesive_relaxation,
            die_max_principal_mpa,
            parts,
            process: None,
        }
    }

    /// `quantity,value,unit` lines.
    pub fn to_csv(&self) -> String {
        let mut s = String::from("quantity,value,unit\n");
        let mut row = |k: String, v: f64, u: &str| s.push_str(&format!("{k},{v:.9e},{u}\n"));
        row("dof".into(), self.dof as f64, "");
        row("memory_estimate".into(), self.memory_estimate_gib, "GiB");
        row(
            "stress_free_temperature".into(),
            self.stress_free_temperature_c,
            "C",
        );
        row("room_temperature".into(), self.room_temperature_c, "C");
        for (f, w) in &self.warpage_um {
            row(format!("warpage {f}"), *w, "um");
        }
        let mut group = |name: &str, m: &StressMeasures, p: Option<&PlasticMeasures>| {
            row(format!("{name} von_mises_max"), m.von_mises_max, "MPa");
            row(format!("{name} peel_max"), m.peel_max, "MPa");
            row(format!("{name} shear_max"), m.shear_max, "MPa");
            row(format!("{name} von_mises_mean"), m.von_mises_mean, "MPa");
            if let Some(p) = p {
                let e = "equivalent_plastic_strain";
                row(
                    format!("{name} {e}_max"),
                    p.equivalent_plastic_strain_max,
                    "",
                );
                row(
                    format!("{name} {e}_mean"),
                    p.equivalent_plastic_strain_mean,
                    "",
                );
                let w = "plastic_work_density";
                row(
                    format!("{name} {w}_max"),
                    p.plastic_work_density_max,
                    "MJ/m^3",
                );
                row(
                    format!("{name} {w}_mean"),
                    p.plastic_work_density_mean,
                    "MJ/m^3",
                );
            }
        };
        if let Some(b) = &self.bumps {
            group("bumps", b, self.bump_plasticity.as_ref());
        }
        for (n, m) in &self.adhesives {
            group(n, m, None);
        }
        for (n, r) in &self.adhesive_relaxation {
            row(
                format!("{n} unrelaxed_von_mises_mean"),
                r.unrelaxed_von_mises_mean,
                "MPa",
            );
            row(format!("{n} relaxed_fraction"), r.relaxed_fraction, "");
        }
        if let Some(d) = self.die_max_principal_mpa {
            row("die max_principal".into(), d, "MPa");
        }
        for p in &self.parts {
            row(format!("{} von_mises_max", p.part), p.von_mises_max, "MPa");
            row(format!("{} max_principal", p.part), p.max_principal, "MPa");
            row(format!("{} min_principal", p.part), p.min_principal, "MPa");
        }
        s
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plain data serialises")
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.process {
            Some(p) => writeln!(
                f,
                "{}: {} {} model, {} DOF, {p}",
                self.case, self.element, self.symmetry, self.dof
            )?,
            None => writeln!(
                f,
                "{}: {} {} model, {} DOF, stress-free at {} C, cooled to {} C",
                self.case,
                self.element,
                self.symmetry,
                self.dof,
                self.stress_free_temperature_c,
                self.room_temperature_c
            )?,
        }
        for (face, w) in &self.warpage_um {
            writeln!(f, "  warpage {face:<28} {w:>10.4} um")?;
        }
        if let Some(b) = &self.bumps {
            writeln!(
                f,
                "  bumps: von Mises max {:.2} MPa (mean {:.2}), peel max {:.2} MPa, shear max {:.2} MPa",
                b.von_mises_max, b.von_mises_mean, b.peel_max, b.shear_max
            )?;
        }
        if let Some(p) = &self.bump_plasticity {
            writeln!(
                f,
                "  bumps: equivalent plastic strain max {:.4} % (mean {:.4} %), plastic work density max {:.4} MJ/m^3 (mean {:.4})",
                100.0 * p.equivalent_plastic_strain_max,
                100.0 * p.equivalent_plastic_strain_mean,
                p.plastic_work_density_max,
                p.plastic_work_density_mean
            )?;
        }
        for (n, m) in &self.adhesives {
            writeln!(
                f,
                "  {n}: von Mises max {:.2} MPa, peel max {:.2} MPa, shear max {:.2} MPa",
                m.von_mises_max, m.peel_max, m.shear_max
            )?;
            if let Some(r) = self.adhesive_relaxation.get(n) {
                writeln!(
                    f,
                    "  {n}: stress relaxed {:.1} % (von Mises mean {:.2} MPa, {:.2} MPa unrelaxed)",
                    100.0 * r.relaxed_fraction,
                    r.von_mises_mean,
                    r.unrelaxed_von_mises_mean
                )?;
            }
        }
        if let Some(d) = self.die_max_principal_mpa {
            writeln!(f, "  die: max first principal {d:.2} MPa")?;
        }
        Ok(())
    }
}
