//! The history of a recipe: one row per mechanical state with the
//! quantities engineers follow (tool and part temperatures, degree of cure,
//! warpage, bump, adhesive, die and watched-part stresses), as JSON and CSV.

use super::cure::CureState;
use super::run::{NewtonTally, RecipeOutput};
use crate::summary::{PartSummary, PlasticMeasures, Relaxation, StressMeasures};
use serde::Serialize;
use std::collections::BTreeMap;

/// One row of the history: the quantities engineers follow over a recipe.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryRow {
    pub step: String,
    pub event: String,
    pub time_s: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_c: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage_c: Option<f64>,
    pub ambient_c: f64,
    pub t_min_c: f64,
    pub t_max_c: f64,
    /// Mean temperature of adhesives and curing parts, °C.
    pub part_temperature_c: BTreeMap<String, f64>,
    pub degree_of_cure: BTreeMap<String, CureState>,
    pub warpage_um: BTreeMap<String, f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bumps: Option<StressMeasures>,
    /// The bumps' plasticity, when a material is plastic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bump_plasticity: Option<PlasticMeasures>,
    /// Newton's work since the previous row, when a material is
    /// path-dependent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newton: Option<NewtonTally>,
    /// Stress measures of each adhesive part, MPa.
    pub adhesives: BTreeMap<String, StressMeasures>,
    /// Stress relaxation of each viscoelastic adhesive part.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub adhesive_relaxation: BTreeMap<String, Relaxation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub die_max_principal_mpa: Option<f64>,
    /// Stress extremes of the watched parts (`[results] watch`), MPa.
    pub watched: BTreeMap<String, PartSummary>,
}

impl HistoryRow {
    /// The row of state `o`, with the extremes of the `watch` parts.
    pub fn new(o: &RecipeOutput, watch: &[String]) -> Self {
        let (lo, hi) = o.temperature_range();
        HistoryRow {
            step: o.step.clone(),
            event: o.event.clone(),
            time_s: o.time,
            head_c: o.head,
            stage_c: o.stage,
            ambient_c: o.ambient,
            t_min_c: lo,
            t_max_c: hi,
            part_temperature_c: o.part_temperature.clone(),
            degree_of_cure: o.cure.clone(),
            warpage_um: o.summary.warpage_um.clone(),
            bumps: o.summary.bumps.clone(),
            bump_plasticity: o.summary.bump_plasticity.clone(),
            newton: o.newton.clone(),
            adhesives: o.summary.adhesives.clone(),
            adhesive_relaxation: o.summary.adhesive_relaxation.clone(),
            die_max_principal_mpa: o.summary.die_max_principal_mpa,
            watched: o
                .summary
                .parts
                .iter()
                .filter(|p| watch.contains(&p.part))
                .map(|p| (p.part.clone(), p.clone()))
                .collect(),
        }
    }
}

/// `history.json`: the rows as a JSON array.
pub fn history_json(rows: &[HistoryRow]) -> String {
    serde_json::to_string_pretty(rows).expect("history rows serialise") + "\n"
}

/// The plastic and Newton cells of a row (each with its leading comma),
/// where the file has those columns.
fn path_dependent_cells(r: &HistoryRow, plastic: bool, newton: bool) -> String {
    let mut s = String::new();
    if plastic {
        let p = r.bump_plasticity.as_ref();
        s.push_str(&cells(&[
            p.map(|p| p.equivalent_plastic_strain_max),
            p.map(|p| p.equivalent_plastic_strain_mean),
            p.map(|p| p.plastic_work_density_max),
            p.map(|p| p.plastic_work_density_mean),
        ]));
    }
    if newton {
        let n = r.newton.clone().unwrap_or_default();
        s.push_str(&format!(
            ",{},{},{},{}",
            n.increments, n.iterations, n.max_iterations, n.cutbacks
        ));
    }
    s
}

/// The column groups of `history.csv`: part temperatures, cures, faces,
/// adhesives, relaxing adhesives and watched parts, from the rows.
struct Columns {
    temps: Vec<String>,
    cures: Vec<String>,
    faces: Vec<String>,
    adhesives: Vec<String>,
    relaxing: Vec<String>,
    watched: Vec<String>,
    plastic: bool,
    newton: bool,
}

impl Columns {
    fn of(rows: &[HistoryRow]) -> Columns {
        let first = rows.first();
        let keys = |f: fn(&HistoryRow) -> Vec<String>| first.map(f).unwrap_or_default();
        let temps = keys(|r| r.part_temperature_c.keys().cloned().collect());
        let cures = keys(|r| r.degree_of_cure.keys().cloned().collect());
        let faces = keys(|r| r.warpage_um.keys().cloned().collect());
        let adhesives = keys(|r| r.adhesives.keys().cloned().collect());
        // relaxation columns of every viscoelastic adhesive of any row (an
        // adhesive born later has none before)
        let mut relaxing: Vec<String> = rows
            .iter()
            .flat_map(|r| r.adhesive_relaxation.keys().cloned())
            .collect();
        relaxing.sort();
        relaxing.dedup();
        let watched = keys(|r| r.watched.keys().cloned().collect());
        let plastic = first.is_some_and(|r| r.bump_plasticity.is_some());
        let newton = first.is_some_and(|r| r.newton.is_some());
        Columns {
            temps,
            cures,
            faces,
            adhesives,
            relaxing,
            watched,
            plastic,
            newton,
        }
    }

    /// The header line.
    fn header(&self) -> String {
        let mut s = String::from("step,event,time_s,head_C,stage_C,ambient_C,T_min_C,T_max_C");
        for p in &self.temps {
            s.push_str(&format!(",T_{p}_C"));
        }
        for p in &self.cures {
            s.push_str(&format!(",cure_{p}_mean,cure_{p}_min,gelled_{p}"));
        }
        for f in &self.faces {
            s.push_str(&format!(",warpage_{f}_um"));
        }
        s.push_str(",bump_von_mises_max_MPa,bump_peel_max_MPa,bump_shear_max_MPa");
        // columns of a path-dependent recipe only, so an elastic one's file is
        // as it was
        if self.plastic {
            s.push_str(",bump_peeq_max,bump_peeq_mean,bump_plastic_work_max_MJ_m3,bump_plastic_work_mean_MJ_m3");
        }
        if self.newton {
            s.push_str(
                ",newton_increments,newton_iterations,newton_max_iterations,newton_cutbacks",
            );
        }
        for a in &self.adhesives {
            s.push_str(&format!(",{a}_von_mises_max_MPa,{a}_peel_max_MPa"));
        }
        for a in &self.relaxing {
            s.push_str(&format!(
                ",{a}_von_mises_mean_MPa,{a}_unrelaxed_von_mises_mean_MPa,{a}_relaxed_fraction"
            ));
        }
        for p in &self.watched {
            s.push_str(&format!(",{p}_von_mises_max_MPa,{p}_max_principal_MPa"));
        }
        s.push_str(",die_max_principal_MPa\n");
        s
    }
}

/// `,v,v,...` with nine decimals, empty where a value does not apply.
fn cells(values: &[Option<f64>]) -> String {
    values
        .iter()
        .map(|v| v.map(|x| format!(",{x:.9}")).unwrap_or_else(|| ",".into()))
        .collect()
}

/// `history.csv`: one row per mechanical state, the columns of
/// [`HistoryRow`] flattened (empty where a value does not apply).
pub fn history_csv(rows: &[HistoryRow]) -> String {
    let columns = Columns::of(rows);
    let mut s = columns.header();
    let opt = |v: Option<f64>| v.map(|x| format!("{x:.9}")).unwrap_or_default();
    for r in rows {
        s.push_str(&format!(
            "{},{},{:.6},{},{},{:.6},{:.6},{:.6}",
            r.step,
            r.event.replace(',', ";"),
            r.time_s,
            opt(r.head_c),
            opt(r.stage_c),
            r.ambient_c,
            r.t_min_c,
            r.t_max_c
        ));
        for p in &columns.temps {
            s.push_str(&format!(",{}", opt(r.part_temperature_c.get(p).copied())));
        }
        for p in &columns.cures {
            let c = r.degree_of_cure.get(p);
            s.push_str(&cells(&[
                c.map(|c| c.mean),
                c.map(|c| c.min),
                c.map(|c| c.gelled),
            ]));
        }
        for f in &columns.faces {
            s.push_str(&format!(",{}", opt(r.warpage_um.get(f).copied())));
        }
        let b = r.bumps.as_ref();
        s.push_str(&cells(&[
            b.map(|b| b.von_mises_max),
            b.map(|b| b.peel_max),
            b.map(|b| b.shear_max),
        ]));
        s.push_str(&path_dependent_cells(r, columns.plastic, columns.newton));
        for a in &columns.adhesives {
            let m = r.adhesives.get(a);
            s.push_str(&cells(&[m.map(|m| m.von_mises_max), m.map(|m| m.peel_max)]));
        }
        for a in &columns.relaxing {
            let m = r.adhesive_relaxation.get(a);
            s.push_str(&cells(&[
                m.map(|m| m.von_mises_mean),
                m.map(|m| m.unrelaxed_von_mises_mean),
                m.map(|m| m.relaxed_fraction),
            ]));
        }
        for p in &columns.watched {
            let m = r.watched.get(p);
            s.push_str(&cells(&[
                m.map(|m| m.von_mises_max),
                m.map(|m| m.max_principal),
            ]));
        }
        s.push_str(&format!(",{}\n", opt(r.die_max_principal_mpa)));
    }
    s
}
