//! The bonding recipe: an ordered list of steps, each a time interval
//! with the head and stage faces ramped to their targets (prescribed
//! temperatures), every other exterior face convecting to the ambient, and
//! parts added (born strain-free, e.g. the adhesive once cured) or removed
//! (e.g. a temporary stress-preventing layer) at the step's end.
//!
//! Heat conduction runs through the whole recipe (all parts conduct from the
//! start); the thermo-elastic state is solved at the end of every step with
//! the current temperature field, parts present from the start being
//! stress-free at the recipe's start temperature.

use crate::summary::Summary;
use crate::{Case, CaseError, FaceRef};
use materials::toml_reader::{TomlError, TomlReader};
use materials::units::Dimension;
use solver::analysis::{CellState, StaticAnalysis, StepResult};
use solver::linear::SolverChoice;
use solver::model::{Model, Step};
use solver::thermal::{Convection, ThermalProblem, TransientThermal};
use std::collections::BTreeMap;
use toml::Value;

/// One step of the recipe.
#[derive(Clone, Debug)]
pub struct RecipeStep {
    pub name: String,
    /// Duration, s.
    pub duration: f64,
    /// Backward-Euler increments over the duration.
    pub increments: usize,
    /// Solve the steady state instead of the transient (an oven hold long
    /// enough to equilibrate).
    pub steady: bool,
    /// Head face and its target temperature (°C) at the end of the step,
    /// reached by a linear ramp from its value at the step's start.
    pub head: Option<(FaceRef, f64)>,
    /// Stage face and its target temperature, °C.
    pub stage: Option<(FaceRef, f64)>,
    /// Ambient temperature (°C) and film coefficient (mW/(mm²·°C)) of the
    /// other exterior faces.
    pub ambient: f64,
    pub film: f64,
    /// Pressure from the head on a face during the step: `(face, value)`
    /// with the value a pressure (MPa) or, for [`Load::Force`], the total
    /// force on the whole package (N). The stage face carries it.
    pub pressure: Option<(FaceRef, Load)>,
    /// Parts born at the end of the step.
    pub add: Vec<String>,
    /// Parts removed at the end of the step.
    pub remove: Vec<String>,
}

/// A head load: a pressure (MPa) or a total force on the whole package (N).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Load {
    Pressure(f64),
    Force(f64),
}

/// The recipe of a case.
#[derive(Clone, Debug)]
pub struct Recipe {
    /// Placement temperature, °C: the parts present at the start are
    /// stress-free and uniformly at this temperature.
    pub start: f64,
    pub steps: Vec<RecipeStep>,
}

fn face_temp(
    r: &TomlReader<'_>,
    place: &str,
    v: &Value,
    case: &Case,
) -> Result<(FaceRef, f64), TomlError> {
    let t = v.as_table().ok_or_else(|| {
        r.err(
            place,
            "expected { face = \"part.top\", temperature = \"200 C\" }",
        )
    })?;
    r.only(place, t, &["face", "temperature"])?;
    let face = crate::face(
        r,
        &format!("{place}.face"),
        r.field(place, t, "face")?,
        &case.parts,
    )?;
    let temp = r.scalar(
        &format!("{place}.temperature"),
        r.field(place, t, "temperature")?,
        Dimension::Temperature,
    )?;
    Ok((face, temp))
}

impl Recipe {
    /// Reads `[process]` (already known to exist) for `case`.
    pub fn parse(r: &TomlReader<'_>, v: &Value, case: &Case) -> Result<Recipe, TomlError> {
        let t = v
            .as_table()
            .ok_or_else(|| r.err("process", "expected a table"))?;
        r.only("process", t, &["start", "step"])?;
        let start = r.scalar(
            "process.start",
            r.field("process", t, "start")?,
            Dimension::Temperature,
        )?;
        let list = r
            .field("process", t, "step")?
            .as_array()
            .ok_or_else(|| r.err("process.step", "expected [[process.step]] entries"))?;
        let mut steps = Vec::new();
        for (i, s) in list.iter().enumerate() {
            let place = format!("process.step[{i}]");
            let st = s
                .as_table()
                .ok_or_else(|| r.err(&place, "expected a table"))?;
            r.only(
                &place,
                st,
                &[
                    "name",
                    "duration",
                    "increments",
                    "steady",
                    "head",
                    "stage",
                    "ambient",
                    "film",
                    "pressure",
                    "add",
                    "remove",
                ],
            )?;
            let name = st
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("step-{}", i + 1));
            let duration = r.scalar(
                &format!("{place}.duration"),
                r.field(&place, st, "duration")?,
                Dimension::Time,
            )?;
            if !(duration > 0.0) {
                return Err(r.err(&format!("{place}.duration"), "must be positive"));
            }
            let increments = match st.get("increments") {
                None => 10,
                Some(Value::Integer(n)) if *n >= 1 => *n as usize,
                Some(_) => {
                    return Err(r.err(
                        &format!("{place}.increments"),
                        "expected a whole number of at least 1",
                    ))
                }
            };
            let steady = match st.get("steady") {
                None => false,
                Some(Value::Boolean(b)) => *b,
                Some(_) => return Err(r.err(&format!("{place}.steady"), "expected true or false")),
            };
            let head = st
                .get("head")
                .map(|v| face_temp(r, &format!("{place}.head"), v, case))
                .transpose()?;
            let stage = st
                .get("stage")
                .map(|v| face_temp(r, &format!("{place}.stage"), v, case))
                .transpose()?;
            let ambient = r.scalar(
                &format!("{place}.ambient"),
                r.field(&place, st, "ambient")?,
                Dimension::Temperature,
            )?;
            let film = r.scalar(
                &format!("{place}.film"),
                r.field(&place, st, "film")?,
                Dimension::FilmCoefficient,
            )?;
            let pressure = match st.get("pressure") {
                None => None,
                Some(v) => {
                    let pp = format!("{place}.pressure");
                    let t = v.as_table().ok_or_else(|| {
                        r.err(&pp, "expected { face = \"part.bottom\", value = \"2 MPa\" } or { face, force = \"30 N\" }")
                    })?;
                    r.only(&pp, t, &["face", "value", "force"])?;
                    let face = crate::face(
                        r,
                        &format!("{pp}.face"),
                        r.field(&pp, t, "face")?,
                        &case.parts,
                    )?;
                    let load = match (t.get("value"), t.get("force")) {
                        (Some(v), None) => Load::Pressure(r.scalar(
                            &format!("{pp}.value"),
                            v,
                            Dimension::Stress,
                        )?),
                        (None, Some(f)) => {
                            Load::Force(r.scalar(&format!("{pp}.force"), f, Dimension::Force)?)
                        }
                        _ => {
                            return Err(
                                r.err(&pp, "give exactly one of 'value' (a pressure) or 'force'")
                            )
                        }
                    };
                    if stage.is_none() {
                        return Err(r.err(
                            &pp,
                            "a head pressure needs a stage face in the same step to carry it",
                        ));
                    }
                    Some((face, load))
                }
            };
            let names = |key: &str| {
                crate::part_names(r, &format!("{place}.{key}"), st.get(key), &case.parts)
            };
            steps.push(RecipeStep {
                name,
                duration,
                increments,
                steady,
                head,
                stage,
                ambient,
                film,
                pressure,
                add: names("add")?,
                remove: names("remove")?,
            });
        }
        if steps.is_empty() {
            return Err(r.err("process.step", "the recipe has no steps"));
        }
        Ok(Recipe { start, steps })
    }
}

/// The state after one recipe step.
pub struct RecipeOutput {
    pub step: String,
    /// Time at the end of the step, s.
    pub time: f64,
    pub head: Option<f64>,
    pub stage: Option<f64>,
    pub result: StepResult,
    pub summary: Summary,
}

impl RecipeOutput {
    /// Lowest and highest nodal temperature, °C.
    pub fn temperature_range(&self) -> (f64, f64) {
        self.result
            .temperature
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &t| {
                (a.min(t), b.max(t))
            })
    }
}

/// Runs the recipe of `case` on `model` (from [`Case::model`]); calls
/// `report` after each step.
pub fn run_recipe(
    case: &Case,
    recipe: &Recipe,
    model: &mut Model,
    choice: SolverChoice,
    mut report: impl FnMut(&RecipeOutput),
) -> Result<Vec<RecipeOutput>, CaseError> {
    let err = |m: String| CaseError::Mesh {
        file: case.file.clone(),
        message: m,
    };
    let n = model.mesh.num_nodes();
    model.initial_temperature = vec![recipe.start; n];
    let cells_of = |names: &[String], model: &Model| -> Vec<usize> {
        let parts: Vec<usize> = names
            .iter()
            .filter_map(|p| model.mesh.part_names.iter().position(|q| q == p))
            .collect();
        (0..model.mesh.num_cells())
            .filter(|&c| parts.contains(&model.mesh.cell_part[c]))
            .collect()
    };
    // thermal problem: every material must carry thermal properties
    let properties = model
        .materials
        .iter()
        .map(|m| case.library.get(&m.name).and_then(|e| e.thermal.clone()))
        .collect::<Vec<_>>();
    if let Some(i) = properties.iter().position(Option::is_none) {
        return Err(err(format!(
            "material {} has no thermal properties; the recipe needs them",
            model.materials[i].name
        )));
    }
    let model_ro = model.clone();
    let problem = ThermalProblem {
        mesh: &model_ro.mesh,
        properties,
        cell_material: &model_ro.cell_material,
    };
    let mut thermal = TransientThermal::new(&problem);
    let mut analysis = StaticAnalysis::new(&model_ro, choice);
    let mut state = CellState::all_active(&model_ro);
    for s in &recipe.steps {
        for c in cells_of(&s.add, &model_ro) {
            state.active[c] = false; // born later
        }
    }
    analysis.set_state(state);
    let mut t = vec![recipe.start; n];
    let (mut head_t, mut stage_t) = (recipe.start, recipe.start);
    let mut time = 0.0;
    let mut outputs = Vec::new();
    for s in &recipe.steps {
        let face_nodes = |f: &FaceRef| {
            model_ro
                .mesh
                .node_sets
                .get(&f.node_set())
                .cloned()
                .unwrap_or_default()
        };
        let (h0, s0) = (head_t, stage_t);
        let fixed_at = |frac: f64| {
            let mut fixed = BTreeMap::new();
            if let Some((f, target)) = &s.head {
                for v in face_nodes(f) {
                    fixed.insert(v, h0 + frac * (target - h0));
                }
            }
            if let Some((f, target)) = &s.stage {
                for v in face_nodes(f) {
                    fixed.insert(v, s0 + frac * (target - s0));
                }
            }
            fixed
        };
        let held: Vec<usize> = fixed_at(1.0).into_keys().collect();
        let free: Vec<usize> = (0..n).filter(|v| !held.contains(v)).collect();
        let convection = if s.film > 0.0 {
            vec![Convection::on_nodes(
                &model_ro.mesh,
                &free,
                s.film,
                s.ambient,
            )]
        } else {
            Vec::new()
        };
        if s.steady {
            t = thermal
                .steady(&t, &fixed_at(1.0), &convection)
                .map_err(|e| err(e.to_string()))?;
        } else {
            let dt = s.duration / s.increments as f64;
            for k in 1..=s.increments {
                t = thermal
                    .step(
                        &t,
                        dt,
                        &fixed_at(k as f64 / s.increments as f64),
                        &convection,
                    )
                    .map_err(|e| err(e.to_string()))?;
            }
        }
        time += s.duration;
        if let Some((_, target)) = &s.head {
            head_t = *target;
        }
        if let Some((_, target)) = &s.stage {
            stage_t = *target;
        }
        // supports: the stage carries a head load; otherwise the case's own
        let (constraints, loads) = match (&s.pressure, &s.stage) {
            (Some((face, load)), Some((stage, _))) => {
                let staged = Case {
                    supports: crate::Supports::Stage(stage.clone()),
                    ..case.clone()
                };
                let constraints = staged.constraints(&model_ro.mesh)?;
                let faces = solver::element::face::faces_on(&model_ro.mesh, &face_nodes(face));
                let area = solver::loads::faces_area(&model_ro.mesh, &faces);
                let copies = match case.controls.symmetry {
                    mesher::package::Symmetry::Full => 1.0,
                    mesher::package::Symmetry::Half => 2.0,
                    mesher::package::Symmetry::Quarter => 4.0,
                };
                let p = match *load {
                    Load::Pressure(p) => p,
                    Load::Force(f) => f / (area * copies),
                };
                let mut loads = BTreeMap::new();
                solver::loads::add_pressure(&model_ro.mesh, &faces, p, &mut loads);
                (constraints, loads)
            }
            _ => (model_ro.steps[0].constraints.clone(), BTreeMap::new()),
        };
        let step = Step {
            name: s.name.clone(),
            time,
            constraints,
            loads,
            temperature: t.clone(),
        };
        let result = analysis.solve_step(&step).map_err(|e| err(e.to_string()))?;
        let mut summary = Summary::new(case, &model_ro, &result);
        summary.stress_free_temperature_c = recipe.start;
        summary.room_temperature_c = t.iter().sum::<f64>() / n as f64;
        summary.process = Some(format!(
            "recipe step '{}' of {}, at {time} s (placed at {} C)",
            s.name,
            recipe.steps.len(),
            recipe.start
        ));
        let out = RecipeOutput {
            step: s.name.clone(),
            time,
            head: s.head.as_ref().map(|_| head_t),
            stage: s.stage.as_ref().map(|_| stage_t),
            result,
            summary,
        };
        report(&out);
        // births and removals take effect from the end of this step
        let born = cells_of(&s.add, &model_ro);
        if !born.is_empty() {
            analysis
                .add(&born, &out.result.displacement, &out.result.temperature)
                .map_err(|e| err(e.to_string()))?;
        }
        analysis.remove(&cells_of(&s.remove, &model_ro));
        outputs.push(out);
    }
    Ok(outputs)
}

/// `history.csv`: one row per step end.
pub fn history_csv(outputs: &[RecipeOutput]) -> String {
    let faces: Vec<String> = outputs
        .first()
        .map(|o| o.summary.warpage_um.keys().cloned().collect())
        .unwrap_or_default();
    let mut s = String::from("step,time_s,head_C,stage_C,T_min_C,T_max_C");
    for f in &faces {
        s.push_str(&format!(",warpage_{f}_um"));
    }
    s.push_str(
        ",bump_von_mises_max_MPa,bump_peel_max_MPa,bump_shear_max_MPa,die_max_principal_MPa\n",
    );
    for o in outputs {
        let (lo, hi) = o.temperature_range();
        let opt = |v: Option<f64>| v.map(|x| format!("{x:.6}")).unwrap_or_default();
        s.push_str(&format!(
            "{},{:.6},{},{},{lo:.6},{hi:.6}",
            o.step,
            o.time,
            opt(o.head),
            opt(o.stage)
        ));
        for f in &faces {
            s.push_str(&format!(
                ",{:.9}",
                o.summary.warpage_um.get(f).copied().unwrap_or(f64::NAN)
            ));
        }
        let b = o.summary.bumps.as_ref();
        s.push_str(&format!(
            ",{},{},{},{}\n",
            opt(b.map(|b| b.von_mises_max)),
            opt(b.map(|b| b.peel_max)),
            opt(b.map(|b| b.shear_max)),
            opt(o.summary.die_max_principal_mpa)
        ));
    }
    s
}
