//! The bonding recipe: an ordered list of steps, each a time interval
//! with the head and stage faces following their temperature profiles
//! (prescribed temperatures, or a contact conductance to the tool), every
//! other exterior face convecting to the ambient, a head pressure or force
//! carried by the stage, and parts added (born strain-free, e.g. a film
//! deposited hot) or removed (e.g. a temporary stress-preventing layer) at
//! the step's end.
//!
//! Adhesives listed under `[process.cure]` follow their cure kinetics
//! (`materials::cure`) cell by cell from their cell-mean temperature: a cell
//! is born strain-free in the deformed state when its degree of cure
//! reaches the gel point, and from then on shrinks chemically.
//!
//! Heat conduction runs through the whole recipe (all parts conduct from the
//! start, uncured adhesive included); the thermo-elastic state is solved at
//! each step's output times and whenever cells gel, with the current
//! temperature field, parts present from the start being stress-free at the
//! recipe's start temperature.
//!
//! Any string value in the steps may be `"$name"`, naming a parameter given
//! as another key of `[process]` (`peak_temperature = "200 C"`), so that
//! `--set process.peak_temperature="180 C"` changes every step using it.

use crate::case::{Case, CaseError};
use crate::part::FaceRef;
use crate::part::{face, part_names, CasePart};
use crate::summary::{StressMeasures, Summary};
use materials::cure::Cure;
use materials::library::Library;
use materials::toml_reader::{TomlError, TomlReader};
use materials::units::{parse_quantity, Dimension};
use serde::Serialize;
use solver::analysis::{CellState, StaticAnalysis, StepResult};
use solver::linear::SolverChoice;
use solver::model::{Model, Step};
use solver::thermal::{Convection, ThermalProblem, TransientThermal};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use toml::Value;

/// A temperature against time within a step.
#[derive(Clone, Debug, PartialEq)]
pub enum Profile {
    /// Linear ramp from the value at the step's start to this target, °C.
    Ramp(f64),
    /// Piecewise-linear `(time from the step's start in s, °C)`, held at
    /// its last value beyond its end.
    Table(Vec<(f64, f64)>),
}

impl Profile {
    /// The temperature (°C) at `tau` s into a step of `duration` s starting at `start` °C.
    pub fn at(&self, start: f64, tau: f64, duration: f64) -> f64 {
        match self {
            Profile::Ramp(target) => start + (target - start) * (tau / duration).clamp(0.0, 1.0),
            Profile::Table(rows) => {
                if tau <= rows[0].0 {
                    return rows[0].1;
                }
                for w in rows.windows(2) {
                    let ((t0, v0), (t1, v1)) = (w[0], w[1]);
                    if tau <= t1 {
                        return v0 + (v1 - v0) * (tau - t0) / (t1 - t0);
                    }
                }
                rows[rows.len() - 1].1
            }
        }
    }
}

/// A tool face (bonding head or stage) with its temperature profile.
#[derive(Clone, Debug)]
pub struct Tool {
    pub face: FaceRef,
    pub profile: Profile,
    /// Contact conductance to the tool, mW/(mm²·°C); `None` prescribes the
    /// face's temperature.
    pub conductance: Option<f64>,
}

/// One step of the recipe.
#[derive(Clone, Debug)]
pub struct RecipeStep {
    pub name: String,
    /// Duration, s.
    pub duration: f64,
    /// Backward-Euler increments over the duration.
    pub increments: usize,
    /// Mechanical output times, evenly spaced over the increments (the last
    /// at the step's end).
    pub outputs: usize,
    /// Solve the steady state instead of the transient (an oven hold long
    /// enough to equilibrate).
    pub steady: bool,
    pub head: Option<Tool>,
    pub stage: Option<Tool>,
    /// Ambient temperature of the other exterior faces, °C.
    pub ambient: Profile,
    /// Film coefficient of the other exterior faces, mW/(mm²·°C).
    pub film: f64,
    /// Pressure from the head on a face during the step: `(face, value)`
    /// with the value a pressure (MPa) or, for [`Load::Force`], the total
    /// force on the whole package (N). The stage face carries it.
    pub pressure: Option<(FaceRef, Load)>,
    /// Parts born at the end of the step.
    pub add: Vec<String>,
    /// Parts removed at the end of the step.
    pub remove: Vec<String>,
    /// Parts bonded at the end of the step: made strain-free in the current
    /// state where they are (parts not yet there are born) — a thermo-compression bond
    /// forming, or an adhesive re-hardened after a re-heat (seed 002, claim 35).
    pub bond: Vec<String>,
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
    /// Adhesive parts that cure (born at their gel point), with their law.
    pub cure: Vec<(String, Cure)>,
}

const RESERVED: [&str; 3] = ["start", "step", "cure"];

/// Replaces `"$name"` strings inside `v` by the parameter's value.
fn substitute(
    r: &TomlReader<'_>,
    place: &str,
    v: &mut Value,
    params: &toml::Table,
    used: &mut BTreeSet<String>,
) -> Result<(), TomlError> {
    match v {
        Value::String(s) if s.starts_with('$') => {
            let name = &s[1..];
            let p = params.get(name).ok_or_else(|| {
                r.err(
                    place,
                    format!(
                        "'{s}' names no parameter; give it as process.{name} = ... (parameters: {})",
                        params.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                )
            })?;
            used.insert(name.to_string());
            *v = p.clone();
        }
        Value::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                substitute(r, &format!("{place}[{i}]"), x, params, used)?;
            }
        }
        Value::Table(t) => {
            for (k, x) in t.iter_mut() {
                substitute(r, &format!("{place}.{k}"), x, params, used)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Reads a temperature table: inline `[["0 s", "25 C"], …]` or a CSV file
/// (relative to the case file) of `time, temperature` rows with units in
/// every cell (`0 s, 25 C`); `#` starts a comment. Times must increase
/// from 0 s.
fn read_table(
    r: &TomlReader<'_>,
    place: &str,
    v: &Value,
    dir: Option<&Path>,
) -> Result<Vec<(f64, f64)>, TomlError> {
    let mut rows = Vec::new();
    let row = |at: &str, t: &str, temp: &str| -> Result<(f64, f64), TomlError> {
        let time = parse_quantity(t.trim(), Dimension::Time)
            .map_err(|e| r.err(at, format!("time: {e}")))?;
        let value = parse_quantity(temp.trim(), Dimension::Temperature)
            .map_err(|e| r.err(at, format!("temperature: {e}")))?;
        Ok((time, value))
    };
    match v {
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let at = format!("{place}[{i}]");
                let pair = x
                    .as_array()
                    .filter(|p| p.len() == 2)
                    .and_then(|p| Some((p[0].as_str()?, p[1].as_str()?)))
                    .ok_or_else(|| {
                        r.err(
                            &at,
                            "expected [\"time\", \"temperature\"], e.g. [\"2 s\", \"200 C\"]",
                        )
                    })?;
                rows.push(row(&at, pair.0, pair.1)?);
            }
        }
        Value::String(file) => {
            let path = dir.map_or_else(|| Path::new(file).to_path_buf(), |d| d.join(file));
            let text = std::fs::read_to_string(&path)
                .map_err(|e| r.err(place, format!("cannot read {}: {e}", path.display())))?;
            for (i, line) in text.lines().enumerate() {
                let line = line.split('#').next().unwrap_or("").trim();
                if line.is_empty() {
                    continue;
                }
                let at = format!("{place} ({}:{})", path.display(), i + 1);
                let (t, temp) = line.split_once(',').ok_or_else(|| {
                    r.err(
                        &at,
                        format!("'{line}': expected 'time, temperature' such as '2 s, 200 C'"),
                    )
                })?;
                rows.push(row(&at, t, temp)?);
            }
        }
        _ => {
            return Err(r.err(
                place,
                "expected a CSV file name or a list of [\"time\", \"temperature\"] pairs",
            ))
        }
    }
    if rows.is_empty() {
        return Err(r.err(place, "the table has no rows"));
    }
    if rows[0].0.abs() > 1e-12 {
        return Err(r.err(place, "the table must start at 0 s (the step's start)"));
    }
    if rows.windows(2).any(|w| !(w[1].0 > w[0].0)) {
        return Err(r.err(place, "times must increase from row to row"));
    }
    Ok(rows)
}

fn tool(
    r: &TomlReader<'_>,
    place: &str,
    v: &Value,
    parts: &[CasePart],
    dir: Option<&Path>,
) -> Result<Tool, TomlError> {
    let t = v.as_table().ok_or_else(|| {
        r.err(
            place,
            "expected { face = \"part.top\", temperature = \"200 C\" } or { face, table = \"profile.csv\" }",
        )
    })?;
    r.only(place, t, &["face", "temperature", "table", "conductance"])?;
    let face = face(
        r,
        &format!("{place}.face"),
        r.field(place, t, "face")?,
        parts,
    )?;
    let profile = match (t.get("temperature"), t.get("table")) {
        (Some(v), None) => {
            Profile::Ramp(r.scalar(&format!("{place}.temperature"), v, Dimension::Temperature)?)
        }
        (None, Some(v)) => Profile::Table(read_table(r, &format!("{place}.table"), v, dir)?),
        _ => {
            return Err(r.err(
                place,
                "give exactly one of 'temperature' (a ramp target) or 'table'",
            ))
        }
    };
    let conductance = t
        .get("conductance")
        .map(|v| {
            r.scalar(
                &format!("{place}.conductance"),
                v,
                Dimension::FilmCoefficient,
            )
        })
        .transpose()?;
    if conductance.is_some_and(|h| !(h > 0.0)) {
        return Err(r.err(&format!("{place}.conductance"), "must be positive"));
    }
    Ok(Tool {
        face,
        profile,
        conductance,
    })
}

impl Recipe {
    /// Reads `[process]` (already known to exist) of a case with `parts`
    /// and materials from `library`; `dir` resolves CSV tables.
    pub fn parse(
        r: &TomlReader<'_>,
        v: &Value,
        parts: &[CasePart],
        library: &Library,
        dir: Option<&Path>,
    ) -> Result<Recipe, TomlError> {
        let t = v
            .as_table()
            .ok_or_else(|| r.err("process", "expected a table"))?;
        let params: toml::Table = t
            .iter()
            .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some((k, _)) = params.iter().find(|(_, v)| {
            !matches!(
                v,
                Value::String(_) | Value::Integer(_) | Value::Float(_) | Value::Boolean(_)
            )
        }) {
            return Err(r.err(
                &format!("process.{k}"),
                format!("unknown table '{k}'; [process] has start, [[process.step]], [process.cure] and parameters such as peak_temperature = \"200 C\""),
            ));
        }
        let mut used = BTreeSet::new();
        let mut start_v = r.field("process", t, "start")?.clone();
        substitute(r, "process.start", &mut start_v, &params, &mut used)?;
        let start = r.scalar("process.start", &start_v, Dimension::Temperature)?;
        let mut list = r
            .field("process", t, "step")?
            .as_array()
            .ok_or_else(|| r.err("process.step", "expected [[process.step]] entries"))?
            .clone();
        let mut steps = Vec::new();
        for (i, s) in list.iter_mut().enumerate() {
            let place = format!("process.step[{i}]");
            substitute(r, &place, s, &params, &mut used)?;
            // `enabled = false` (often through a parameter) leaves a step out
            match s.get("enabled") {
                None | Some(Value::Boolean(true)) => {}
                Some(Value::Boolean(false)) => continue,
                Some(_) => return Err(r.err(&format!("{place}.enabled"), "expected true or false")),
            }
            steps.push(Self::step(r, &place, s, i, parts, dir)?);
        }
        if steps.is_empty() {
            return Err(r.err("process.step", "the recipe has no steps"));
        }
        let mut cure = Vec::new();
        if let Some(c) = t.get("cure") {
            let mut c = c.clone();
            substitute(r, "process.cure", &mut c, &params, &mut used)?;
            let ct = c.as_table().ok_or_else(|| {
                r.err(
                    "process.cure",
                    "expected a table of parts: [process.cure.acf]",
                )
            })?;
            for (part, v) in ct {
                let place = format!("process.cure.{part}");
                let p = parts
                    .iter()
                    .find(|p| &p.geometry.name == part)
                    .ok_or_else(|| r.err(&place, format!("no part named '{part}'")))?;
                let base = library.get(&p.material).and_then(|m| m.cure.as_ref());
                let pt = v.as_table().ok_or_else(|| {
                    r.err(&place, "expected a table ({} for the library's kinetics)")
                })?;
                if base.is_none() && !pt.contains_key("model") {
                    return Err(r.err(
                        &place,
                        format!(
                            "material '{}' has no cure kinetics in the library; give model = \"kamal\" (a1, e1, a2, e2, m, n) or \"time-above\" (temperature, time)",
                            p.material
                        ),
                    ));
                }
                if steps.iter().any(|s| s.add.contains(part)) {
                    return Err(r.err(
                        &place,
                        format!("'{part}' cures (born at its gel point) and is also added by a step; choose one"),
                    ));
                }
                cure.push((part.clone(), Cure::parse(r, &place, pt, base)?));
            }
        }
        if let Some(k) = params.keys().find(|k| !used.contains(*k)) {
            return Err(r.err(
                &format!("process.{k}"),
                format!("unknown key '{k}': not used by any step as \"${k}\" (keys: start, step, cure, or parameters used as \"$name\")"),
            ));
        }
        Ok(Recipe { start, steps, cure })
    }

    fn step(
        r: &TomlReader<'_>,
        place: &str,
        s: &Value,
        i: usize,
        parts: &[CasePart],
        dir: Option<&Path>,
    ) -> Result<RecipeStep, TomlError> {
        let st = s
            .as_table()
            .ok_or_else(|| r.err(place, "expected a table"))?;
        r.only(
            place,
            st,
            &[
                "name",
                "duration",
                "increments",
                "outputs",
                "steady",
                "head",
                "stage",
                "ambient",
                "film",
                "pressure",
                "add",
                "remove",
                "bond",
                "enabled",
            ],
        )?;
        let name = st
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("step-{}", i + 1));
        let duration = r.scalar(
            &format!("{place}.duration"),
            r.field(place, st, "duration")?,
            Dimension::Time,
        )?;
        if !(duration > 0.0) {
            return Err(r.err(&format!("{place}.duration"), "must be positive"));
        }
        let count = |key: &str, default: usize| match st.get(key) {
            None => Ok(default),
            Some(Value::Integer(n)) if *n >= 1 => Ok(*n as usize),
            Some(_) => Err(r.err(
                &format!("{place}.{key}"),
                "expected a whole number of at least 1",
            )),
        };
        let steady = match st.get("steady") {
            None => false,
            Some(Value::Boolean(b)) => *b,
            Some(_) => return Err(r.err(&format!("{place}.steady"), "expected true or false")),
        };
        let increments = if steady { 1 } else { count("increments", 10)? };
        if steady && st.contains_key("increments") {
            return Err(r.err(
                &format!("{place}.increments"),
                "a steady step has no increments",
            ));
        }
        let outputs = count("outputs", 1)?;
        if outputs > increments {
            return Err(r.err(
                &format!("{place}.outputs"),
                format!("{outputs} output times but only {increments} increments"),
            ));
        }
        let head = st
            .get("head")
            .map(|v| tool(r, &format!("{place}.head"), v, parts, dir))
            .transpose()?;
        let stage = st
            .get("stage")
            .map(|v| tool(r, &format!("{place}.stage"), v, parts, dir))
            .transpose()?;
        let ambient = match r.field(place, st, "ambient")? {
            Value::Table(t) => {
                let ap = format!("{place}.ambient");
                r.only(&ap, t, &["table"])?;
                Profile::Table(read_table(
                    r,
                    &format!("{ap}.table"),
                    r.field(&ap, t, "table")?,
                    dir,
                )?)
            }
            v => Profile::Ramp(r.scalar(&format!("{place}.ambient"), v, Dimension::Temperature)?),
        };
        let film = r.scalar(
            &format!("{place}.film"),
            r.field(place, st, "film")?,
            Dimension::FilmCoefficient,
        )?;
        if film < 0.0 {
            return Err(r.err(&format!("{place}.film"), "must not be negative"));
        }
        let pressure = match st.get("pressure") {
            None => None,
            Some(v) => {
                let pp = format!("{place}.pressure");
                let t = v.as_table().ok_or_else(|| {
                    r.err(&pp, "expected { face = \"part.bottom\", value = \"2 MPa\" } or { face, force = \"30 N\" }")
                })?;
                r.only(&pp, t, &["face", "value", "force"])?;
                let face = face(r, &format!("{pp}.face"), r.field(&pp, t, "face")?, parts)?;
                let load = match (t.get("value"), t.get("force")) {
                    (Some(v), None) => {
                        Load::Pressure(r.scalar(&format!("{pp}.value"), v, Dimension::Stress)?)
                    }
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
        let names = |key: &str| part_names(r, &format!("{place}.{key}"), st.get(key), parts);
        Ok(RecipeStep {
            name,
            duration,
            increments,
            outputs,
            steady,
            head,
            stage,
            ambient,
            film,
            pressure,
            add: names("add")?,
            remove: names("remove")?,
            bond: names("bond")?,
        })
    }
}

/// Degree of cure of one curing part at an output time.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CureState {
    /// Volume-unweighted mean over the part's cells.
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    /// Fraction of the part's cells past the gel point (born).
    pub gelled: f64,
}

/// The state at one mechanical output time.
pub struct RecipeOutput {
    pub step: String,
    /// Why the state was solved: "output", or "gel" when cells gelled.
    pub event: String,
    /// Time, s.
    pub time: f64,
    /// Head, stage and ambient temperatures, °C.
    pub head: Option<f64>,
    pub stage: Option<f64>,
    pub ambient: f64,
    /// Mean temperature (°C, over cells' mean nodal temperatures) of the
    /// reported adhesives and the curing parts.
    pub part_temperature: BTreeMap<String, f64>,
    pub cure: BTreeMap<String, CureState>,
    /// Which cells carry stiffness at this time.
    pub active: Vec<bool>,
    /// Active cells made strain-free where they stand right after this
    /// state (a step's `bond`, taking effect at its end).
    pub bonded: Vec<usize>,
    /// Degree of cure per cell (−1 for cells that do not cure).
    pub cell_cure: Vec<f64>,
    /// Prescribed displacements (mm) and nodal forces (N) of the state.
    pub constraints: BTreeMap<(usize, usize), f64>,
    pub loads: BTreeMap<(usize, usize), f64>,
    pub result: StepResult,
    pub summary: Summary,
}

impl RecipeOutput {
    /// The per-cell fields a state's `.vtu` carries besides the results:
    /// `active` (1 or 0) and `degree_of_cure` (−1 outside curing parts).
    pub fn cell_fields(&self) -> Vec<(String, Vec<f64>)> {
        let active = self
            .active
            .iter()
            .map(|&a| f64::from(u8::from(a)))
            .collect();
        vec![
            ("active".to_string(), active),
            ("degree_of_cure".to_string(), self.cell_cure.clone()),
        ]
    }

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

/// Progress of a recipe run, for a progress bar and live output.
pub enum Progress<'a> {
    /// A thermal increment done: `done` of `total`, at `time` s.
    Increment {
        done: usize,
        total: usize,
        time: f64,
    },
    /// A mechanical state solved.
    Output(&'a RecipeOutput),
}

/// Wall time of a recipe run by phase, s.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    pub thermal: f64,
    pub cure: f64,
    /// The thermo-elastic solves of the states.
    pub mechanical: f64,
    /// Births, removals and bonds between states: the strain-free state of
    /// the newborn cells (with the elastic extension solve at nodes only
    /// they hold).
    pub births: f64,
    pub summary: f64,
}

/// Mean of the nodal temperatures of each cell, °C.
fn cell_means(model: &Model, t: &[f64], cells: &[usize], locate: &[(usize, usize)]) -> Vec<f64> {
    cells
        .iter()
        .map(|&c| {
            let (b, i) = locate[c];
            let nodes = model.mesh.blocks[b].cell(i);
            nodes.iter().map(|&v| t[v]).sum::<f64>() / nodes.len() as f64
        })
        .collect()
}

/// The writer of a recipe's `.vtu` files for `model` (on a thread of its
/// own), with the model's initial temperature the recipe's start, as
/// [`run_recipe`] sets it.
pub fn field_writer(model: &Model, recipe: &Recipe) -> solver::io::vtk::VtuWriter {
    let mut m = model.clone();
    m.initial_temperature = vec![recipe.start; m.mesh.num_nodes()];
    solver::io::vtk::VtuWriter::spawn(m)
}

/// Runs the recipe of `case` on `model` (from [`Case::model`]), calling
/// `progress` after each thermal increment and each mechanical state.
/// Returns the states and the wall time by phase.
pub fn run_recipe(
    case: &Case,
    recipe: &Recipe,
    model: &mut Model,
    choice: SolverChoice,
    mut progress: impl FnMut(Progress<'_>),
) -> Result<(Vec<RecipeOutput>, Timings), CaseError> {
    use rayon::prelude::*;
    use std::time::Instant;
    let err = |m: String| CaseError::Recipe {
        file: case.file.clone(),
        message: m,
    };
    let n = model.mesh.num_nodes();
    model.initial_temperature = vec![recipe.start; n];
    let part_index = |p: &str, model: &Model| model.mesh.part_names.iter().position(|q| q == p);
    let cells_of = |names: &[String], model: &Model| -> Vec<usize> {
        let parts: Vec<usize> = names.iter().filter_map(|p| part_index(p, model)).collect();
        (0..model.mesh.num_cells())
            .filter(|&c| parts.contains(&model.mesh.cell_part[c]))
            .collect()
    };
    // thermal problem: every material must carry thermal properties
    let model_ro = model.clone();
    let problem = ThermalProblem::of(&model_ro);
    if let Some(i) = problem.properties.iter().position(Option::is_none) {
        return Err(err(format!(
            "material {} has no thermal properties; the recipe needs them",
            model.materials[i].name
        )));
    }
    let graph = std::sync::Arc::new(solver::graph::MeshGraph::new(&model_ro.mesh));
    let locate = graph.locate.clone();
    let mut timings = Timings::default();
    let mut thermal = TransientThermal::with_graph(&problem, std::sync::Arc::clone(&graph));
    let mut analysis = StaticAnalysis::with_graph(&model_ro, graph, choice);
    let mut state = CellState::all_active(&model_ro);
    for s in &recipe.steps {
        for c in cells_of(&s.add, &model_ro) {
            state.active[c] = false; // born later
        }
    }
    // curing cells: (cell, law), degree of cure, born, shrinkage applied
    let ncells = model_ro.mesh.num_cells();
    let mut cure_cells: Vec<(usize, usize)> = Vec::new();
    for (k, (part, _)) in recipe.cure.iter().enumerate() {
        for c in cells_of(std::slice::from_ref(part), &model_ro) {
            state.active[c] = false;
            cure_cells.push((c, k));
        }
    }
    let cure_cell_ids: Vec<usize> = cure_cells.iter().map(|&(c, _)| c).collect();
    let mut alpha = vec![0.0; cure_cells.len()];
    let mut gelled = vec![false; cure_cells.len()];
    let mut shrunk = vec![0.0; cure_cells.len()];
    analysis.set_state(state);
    // parts whose temperatures the history reports
    let mut reported: Vec<String> = case.roles.adhesives.clone();
    for (p, _) in &recipe.cure {
        if !reported.contains(p) {
            reported.push(p.clone());
        }
    }
    let reported_cells: Vec<(String, Vec<usize>)> = reported
        .iter()
        .map(|p| (p.clone(), cells_of(std::slice::from_ref(p), &model_ro)))
        .collect();
    let total: usize = recipe.steps.iter().map(|s| s.increments).sum();
    let mut done = 0;
    let mut t = vec![recipe.start; n];
    let (mut head_t, mut stage_t, mut ambient_t) = (recipe.start, recipe.start, recipe.start);
    let mut time = 0.0;
    let mut outputs: Vec<RecipeOutput> = Vec::new();
    let face_nodes = |f: &FaceRef| {
        model_ro
            .mesh
            .node_sets
            .get(&f.node_set())
            .cloned()
            .unwrap_or_default()
    };
    for s in &recipe.steps {
        let (h0, s0, a0) = (head_t, stage_t, ambient_t);
        // prescribed tool faces, and the tools' contact faces
        let mut held_set = BTreeSet::new();
        for tool in [&s.head, &s.stage].into_iter().flatten() {
            if tool.conductance.is_none() {
                held_set.extend(face_nodes(&tool.face));
            }
        }
        let fixed_at = |tau: f64| {
            let mut fixed = BTreeMap::new();
            for (tool, start) in [(&s.head, h0), (&s.stage, s0)] {
                if let Some(tool) = tool.as_ref().filter(|t| t.conductance.is_none()) {
                    let v = tool.profile.at(start, tau, s.duration);
                    for node in face_nodes(&tool.face) {
                        fixed.insert(node, v);
                    }
                }
            }
            fixed
        };
        let mut contact_nodes = BTreeSet::new();
        let mut contacts = Vec::new();
        for (tool, start) in [(&s.head, h0), (&s.stage, s0)] {
            if let Some(tool) = tool.as_ref() {
                if let Some(h) = tool.conductance {
                    let nodes = face_nodes(&tool.face);
                    contact_nodes.extend(nodes.iter().copied());
                    contacts.push((
                        Convection::on_nodes(&model_ro.mesh, &nodes, h, start),
                        tool,
                        start,
                    ));
                }
            }
        }
        let free: Vec<usize> = (0..n)
            .filter(|v| !held_set.contains(v) && !contact_nodes.contains(v))
            .collect();
        let air = (s.film > 0.0).then(|| Convection::on_nodes(&model_ro.mesh, &free, s.film, a0));
        let convection_at = |tau: f64| {
            let mut list = Vec::new();
            if let Some(a) = &air {
                let mut a = a.clone();
                a.ambient = s.ambient.at(a0, tau, s.duration);
                list.push(a);
            }
            for (c, tool, start) in &contacts {
                let mut c = c.clone();
                c.ambient = tool.profile.at(*start, tau, s.duration);
                list.push(c);
            }
            list
        };
        let output_at: BTreeSet<usize> = (1..=s.outputs)
            .map(|j| ((j * s.increments) as f64 / s.outputs as f64).round() as usize)
            .collect();
        let dt = s.duration / s.increments as f64;
        // supports and loads of the step: the stage carries a head load
        let (constraints, loads) = step_supports(case, &model_ro, s, &face_nodes)?;
        let step_start = time;
        for k in 1..=s.increments {
            let tau = if s.steady { s.duration } else { k as f64 * dt };
            let clock = Instant::now();
            let t_new = if s.steady {
                thermal.steady(&t, &fixed_at(tau), &convection_at(tau))
            } else {
                thermal.step(&t, dt, &fixed_at(tau), &convection_at(tau))
            }
            .map_err(|e| err(e.to_string()))?;
            timings.thermal += clock.elapsed().as_secs_f64();
            // cure over the increment, T linear in time (constant for a steady hold)
            let clock = Instant::now();
            let before = if s.steady {
                cell_means(&model_ro, &t_new, &cure_cell_ids, &locate)
            } else {
                cell_means(&model_ro, &t, &cure_cell_ids, &locate)
            };
            let after = cell_means(&model_ro, &t_new, &cure_cell_ids, &locate);
            let step_dt = if s.steady { s.duration } else { dt };
            alpha.par_iter_mut().enumerate().for_each(|(i, a)| {
                let law = &recipe.cure[cure_cells[i].1].1;
                *a = law.advance(*a, before[i], after[i], step_dt);
            });
            let newly: Vec<usize> = (0..cure_cells.len())
                .filter(|&i| !gelled[i] && alpha[i] >= recipe.cure[cure_cells[i].1].1.gel)
                .collect();
            timings.cure += clock.elapsed().as_secs_f64();
            t = t_new;
            time = step_start + tau;
            done += 1;
            progress(Progress::Increment { done, total, time });
            let is_output = output_at.contains(&k);
            if !is_output && newly.is_empty() {
                continue;
            }
            // chemical shrinkage of the gelled cells up to now
            for i in (0..cure_cells.len()).filter(|&i| gelled[i]) {
                let target = recipe.cure[cure_cells[i].1].1.shrinkage_strain(alpha[i]);
                analysis.add_isotropic_eigenstrain(cure_cells[i].0, target - shrunk[i]);
                shrunk[i] = target;
            }
            let clock = Instant::now();
            let step = Step {
                name: s.name.clone(),
                time,
                constraints: constraints.clone(),
                loads: loads.clone(),
                temperature: t.clone(),
            };
            let result = analysis.solve_step(&step).map_err(|e| err(e.to_string()))?;
            timings.mechanical += clock.elapsed().as_secs_f64();
            let clock = Instant::now();
            let mut summary = Summary::new(case, &model_ro, &result);
            summary.stress_free_temperature_c = recipe.start;
            summary.room_temperature_c = t.iter().sum::<f64>() / n as f64;
            summary.process = Some(format!(
                "recipe step '{}' of {}, at {time} s (placed at {} C)",
                s.name,
                recipe.steps.len(),
                recipe.start
            ));
            let part_temperature = reported_cells
                .iter()
                .filter(|(_, cells)| !cells.is_empty())
                .map(|(p, cells)| {
                    let m = cell_means(&model_ro, &t, cells, &locate);
                    (p.clone(), m.iter().sum::<f64>() / m.len() as f64)
                })
                .collect();
            let mut cure = BTreeMap::new();
            for (k, (p, _)) in recipe.cure.iter().enumerate() {
                let idx: Vec<usize> = (0..cure_cells.len())
                    .filter(|&i| cure_cells[i].1 == k)
                    .collect();
                if idx.is_empty() {
                    continue;
                }
                let a: Vec<f64> = idx.iter().map(|&i| alpha[i]).collect();
                cure.insert(
                    p.clone(),
                    CureState {
                        mean: a.iter().sum::<f64>() / a.len() as f64,
                        min: a.iter().copied().fold(f64::INFINITY, f64::min),
                        max: a.iter().copied().fold(0.0, f64::max),
                        gelled: idx
                            .iter()
                            .filter(|&&i| gelled[i] || newly.contains(&i))
                            .count() as f64
                            / idx.len() as f64,
                    },
                );
            }
            let mut cell_cure = vec![-1.0; ncells];
            for (i, &(c, _)) in cure_cells.iter().enumerate() {
                cell_cure[c] = alpha[i];
            }
            let event = if is_output {
                "output".to_string()
            } else {
                format!("gel ({} cells)", newly.len())
            };
            let mut out = RecipeOutput {
                step: s.name.clone(),
                event,
                time,
                head: s.head.as_ref().map(|h| h.profile.at(h0, tau, s.duration)),
                stage: s.stage.as_ref().map(|h| h.profile.at(s0, tau, s.duration)),
                ambient: s.ambient.at(a0, tau, s.duration),
                part_temperature,
                cure,
                active: analysis.state().active.clone(),
                bonded: Vec::new(),
                cell_cure,
                constraints: constraints.clone(),
                loads: loads.clone(),
                result,
                summary,
            };
            timings.summary += clock.elapsed().as_secs_f64();
            progress(Progress::Output(&out));
            let clock = Instant::now();
            if !newly.is_empty() {
                let cells: Vec<usize> = newly.iter().map(|&i| cure_cells[i].0).collect();
                analysis
                    .add(
                        &cells,
                        &out.result.displacement,
                        &out.result.temperature,
                        &out.constraints,
                    )
                    .map_err(|e| err(e.to_string()))?;
                for &i in &newly {
                    gelled[i] = true;
                    // stress-free at birth: shrinkage counts from here
                    shrunk[i] = recipe.cure[cure_cells[i].1].1.shrinkage_strain(alpha[i]);
                }
            }
            // births and removals of the step take effect from its end
            if k == s.increments {
                let born = cells_of(&s.add, &model_ro);
                if !born.is_empty() {
                    analysis
                        .add(
                            &born,
                            &out.result.displacement,
                            &out.result.temperature,
                            &out.constraints,
                        )
                        .map_err(|e| err(e.to_string()))?;
                }
                analysis.remove(&cells_of(&s.remove, &model_ro));
                // bonds: active cells strain-free where they are; cells not
                // there yet are born (and a curing one counts as gelled)
                let (present, absent): (Vec<usize>, Vec<usize>) = cells_of(&s.bond, &model_ro)
                    .into_iter()
                    .partition(|&c| analysis.state().active[c]);
                analysis
                    .reset_strain_free(&present, &out.result.displacement, &out.result.temperature)
                    .map_err(|e| err(e.to_string()))?;
                out.bonded = present;
                if !absent.is_empty() {
                    analysis
                        .add(
                            &absent,
                            &out.result.displacement,
                            &out.result.temperature,
                            &out.constraints,
                        )
                        .map_err(|e| err(e.to_string()))?;
                    let mut born = vec![false; ncells];
                    absent.iter().for_each(|&c| born[c] = true);
                    for (i, &(c, _)) in cure_cells.iter().enumerate() {
                        if born[c] && !gelled[i] {
                            gelled[i] = true;
                            shrunk[i] = recipe.cure[cure_cells[i].1].1.shrinkage_strain(alpha[i]);
                        }
                    }
                }
            }
            timings.births += clock.elapsed().as_secs_f64();
            outputs.push(out);
        }
        if let Some(h) = &s.head {
            head_t = h.profile.at(h0, s.duration, s.duration);
        }
        if let Some(st) = &s.stage {
            stage_t = st.profile.at(s0, s.duration, s.duration);
        }
        ambient_t = s.ambient.at(a0, s.duration, s.duration);
    }
    Ok((outputs, timings))
}

type Supports = (BTreeMap<(usize, usize), f64>, BTreeMap<(usize, usize), f64>);

/// Constraints and loads of a step: with a head load the stage face is held
/// and the head face pressed; otherwise the case's own supports.
fn step_supports(
    case: &Case,
    model: &Model,
    s: &RecipeStep,
    face_nodes: &impl Fn(&FaceRef) -> Vec<usize>,
) -> Result<Supports, CaseError> {
    match (&s.pressure, &s.stage) {
        (Some((face, load)), Some(stage)) => {
            let staged = Case {
                supports: crate::case::Supports::Stage(stage.face.clone()),
                ..case.clone()
            };
            let constraints = staged.constraints(&model.mesh)?;
            let faces = solver::element::face::faces_on(&model.mesh, &face_nodes(face));
            let area = solver::loads::faces_area(&model.mesh, &faces);
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
            solver::loads::add_pressure(&model.mesh, &faces, p, &mut loads);
            Ok((constraints, loads))
        }
        _ => Ok((model.steps[0].constraints.clone(), BTreeMap::new())),
    }
}

/// The recipe as a deck: see [`recipe_deck_model`].
pub struct RecipeDeck {
    /// One static step per state (and one per birth), bonded cells
    /// duplicated.
    pub model: Model,
    /// The `*MODEL CHANGE` of each step.
    pub changes: Vec<solver::io::deck_writer::ModelChange>,
    /// For every cell of the deck, the cell of the recipe's model it
    /// stands for (a bonded cell's copies stand for it).
    pub origin: Vec<usize>,
}

/// The recipe's mechanical states as a multi-step model for a deck
/// (`export-inp`): one static step per state with its nodal temperatures,
/// supports and head load, and the `*MODEL CHANGE` of each step — cells
/// inactive at the first state removed in the first step, cells born since
/// the previous state added strain-free, cells removed since then removed.
/// A bond (cells made strain-free where they stand) becomes a copy of the
/// cells on the same nodes, in a part `<part>_bond<k>`, added strain-free
/// at the bond's state while the originals are removed in the next step.
/// Chemical cure shrinkage has no deck equivalent and is refused.
pub fn recipe_deck_model(
    case: &Case,
    recipe: &Recipe,
    model: &Model,
    outputs: &[RecipeOutput],
) -> Result<RecipeDeck, CaseError> {
    use solver::io::deck_writer::ModelChange;
    if let Some((part, _)) = recipe.cure.iter().find(|(_, c)| c.shrinkage > 0.0) {
        return Err(CaseError::Recipe {
            file: case.file.clone(),
            message: format!(
                "process.cure.{part}: chemical shrinkage has no equivalent in the deck; export with --set process.cure.{part}.shrinkage=0"
            ),
        });
    }
    let mut deck = model.clone();
    deck.initial_temperature = vec![recipe.start; model.mesh.num_nodes()];
    // a part born during the recipe is stress-free at its birth whatever its
    // own stress-free temperature: drop that (it would need a ZERO= copy)
    if let Some(first) = outputs.first() {
        for (p, sf) in deck.part_stress_free_temperature.iter_mut().enumerate() {
            let born_later = (0..model.mesh.num_cells())
                .any(|c| model.mesh.cell_part[c] == p && !first.active[c]);
            if born_later {
                *sf = None;
            }
        }
    }
    // bonds: a copy of the bonded cells per bond, on the same nodes
    let ncells = model.mesh.num_cells();
    let mut origin: Vec<usize> = (0..ncells).collect();
    let mut current: Vec<usize> = (0..ncells).collect(); // deck cell standing for each cell
    let mut current_at = Vec::with_capacity(outputs.len());
    let locate: Vec<(usize, usize)> = model.mesh.cells().map(|(_, b, c)| (b, c)).collect();
    let mut next_id = model
        .mesh
        .blocks
        .iter()
        .flat_map(|b| b.cell_ids.iter().copied())
        .max()
        .unwrap_or(0);
    let mut bonds = 0;
    for o in outputs {
        current_at.push(current.clone());
        if o.bonded.is_empty() {
            continue;
        }
        bonds += 1;
        // one block per kind, appended, so existing cell indices stay
        let mut new_parts: BTreeMap<usize, usize> = BTreeMap::new();
        for &c in &o.bonded {
            let (b, i) = locate[c];
            let kind = model.mesh.blocks[b].kind;
            let part = model.mesh.cell_part[c];
            let p = *new_parts.entry(part).or_insert_with(|| {
                deck.mesh
                    .part_names
                    .push(format!("{}_bond{bonds}", model.mesh.part_names[part]));
                deck.part_stress_free_temperature
                    .resize(deck.mesh.part_names.len(), None);
                deck.mesh.part_names.len() - 1
            });
            let block = match deck.mesh.blocks.last_mut() {
                Some(last) if last.kind == kind && deck.mesh.cell_part.len() > ncells => last,
                _ => {
                    deck.mesh.blocks.push(mesher::CellBlock::new(kind));
                    deck.mesh.blocks.last_mut().expect("just pushed")
                }
            };
            block
                .connectivity
                .extend_from_slice(model.mesh.blocks[b].cell(i));
            next_id += 1;
            block.cell_ids.push(next_id);
            deck.mesh.cell_part.push(p);
            deck.cell_material.push(model.cell_material[c]);
            origin.push(c);
            current[c] = origin.len() - 1;
        }
    }
    let cells_total = origin.len();
    // the deck cells active at each state
    let active_at = |i: usize| -> Vec<bool> {
        let mut a = vec![false; cells_total];
        for c in 0..ncells {
            if outputs[i].active[c] {
                a[current_at[i][c]] = true;
            }
        }
        a
    };
    deck.steps = Vec::new();
    let mut changes = Vec::new();
    let mut previous = vec![true; cells_total];
    for (i, o) in outputs.iter().enumerate() {
        let now = active_at(i);
        let removed: Vec<usize> = (0..cells_total)
            .filter(|&c| previous[c] && !now[c])
            .collect();
        let added: Vec<usize> = (0..cells_total)
            .filter(|&c| !previous[c] && now[c])
            .collect();
        // births get a step of their own at the previous state (same
        // temperatures, supports and loads): strain-free there, as pkgstress
        // births them, whatever temperature the solver would use within the
        // following step
        if !added.is_empty() {
            let prev = &outputs[i - 1]; // nothing is born before the first state
            deck.steps.push(Step {
                name: format!("birth-{}", i + 1),
                time: prev.time + 1e-6 * (o.time - prev.time),
                constraints: prev.constraints.clone(),
                loads: prev.loads.clone(),
                temperature: prev.result.temperature.clone(),
            });
            changes.push(ModelChange {
                remove: Vec::new(),
                add: added,
            });
        }
        deck.steps.push(Step {
            name: format!("{}-{}", o.step, i + 1),
            time: o.time,
            constraints: o.constraints.clone(),
            loads: o.loads.clone(),
            temperature: o.result.temperature.clone(),
        });
        changes.push(ModelChange {
            remove: removed,
            add: Vec::new(),
        });
        previous = now;
    }
    Ok(RecipeDeck {
        model: deck,
        changes,
        origin,
    })
}

/// One row of the history: the quantities engineers follow over a recipe.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryRow {
    pub step: String,
    pub event: String,
    pub time_s: f64,
    pub head_c: Option<f64>,
    pub stage_c: Option<f64>,
    pub ambient_c: f64,
    pub t_min_c: f64,
    pub t_max_c: f64,
    /// Mean temperature of adhesives and curing parts, °C.
    pub part_temperature_c: BTreeMap<String, f64>,
    pub degree_of_cure: BTreeMap<String, CureState>,
    pub warpage_um: BTreeMap<String, f64>,
    pub bumps: Option<StressMeasures>,
    /// Stress measures of each adhesive part, MPa.
    pub adhesives: BTreeMap<String, StressMeasures>,
    pub die_max_principal_mpa: Option<f64>,
    /// Stress extremes of the watched parts (`[results] watch`), MPa.
    pub watched: BTreeMap<String, crate::summary::PartSummary>,
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
            adhesives: o.summary.adhesives.clone(),
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

/// `history.csv`: one row per mechanical state, the columns of
/// [`HistoryRow`] flattened (empty where a value does not apply).
pub fn history_csv(rows: &[HistoryRow]) -> String {
    let first = rows.first();
    let keys = |f: fn(&HistoryRow) -> Vec<String>| first.map(f).unwrap_or_default();
    let temps = keys(|r| r.part_temperature_c.keys().cloned().collect());
    let cures = keys(|r| r.degree_of_cure.keys().cloned().collect());
    let faces = keys(|r| r.warpage_um.keys().cloned().collect());
    let adhesives = keys(|r| r.adhesives.keys().cloned().collect());
    let watched = keys(|r| r.watched.keys().cloned().collect());
    let mut s = String::from("step,event,time_s,head_C,stage_C,ambient_C,T_min_C,T_max_C");
    for p in &temps {
        s.push_str(&format!(",T_{p}_C"));
    }
    for p in &cures {
        s.push_str(&format!(",cure_{p}_mean,cure_{p}_min,gelled_{p}"));
    }
    for f in &faces {
        s.push_str(&format!(",warpage_{f}_um"));
    }
    s.push_str(",bump_von_mises_max_MPa,bump_peel_max_MPa,bump_shear_max_MPa");
    for a in &adhesives {
        s.push_str(&format!(",{a}_von_mises_max_MPa,{a}_peel_max_MPa"));
    }
    for p in &watched {
        s.push_str(&format!(",{p}_von_mises_max_MPa,{p}_max_principal_MPa"));
    }
    s.push_str(",die_max_principal_MPa\n");
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
        for p in &temps {
            s.push_str(&format!(",{}", opt(r.part_temperature_c.get(p).copied())));
        }
        for p in &cures {
            let c = r.degree_of_cure.get(p);
            s.push_str(&format!(
                ",{},{},{}",
                opt(c.map(|c| c.mean)),
                opt(c.map(|c| c.min)),
                opt(c.map(|c| c.gelled))
            ));
        }
        for f in &faces {
            s.push_str(&format!(",{}", opt(r.warpage_um.get(f).copied())));
        }
        let b = r.bumps.as_ref();
        s.push_str(&format!(
            ",{},{},{}",
            opt(b.map(|b| b.von_mises_max)),
            opt(b.map(|b| b.peel_max)),
            opt(b.map(|b| b.shear_max))
        ));
        for a in &adhesives {
            let m = r.adhesives.get(a);
            s.push_str(&format!(
                ",{},{}",
                opt(m.map(|m| m.von_mises_max)),
                opt(m.map(|m| m.peel_max))
            ));
        }
        for p in &watched {
            let m = r.watched.get(p);
            s.push_str(&format!(
                ",{},{}",
                opt(m.map(|m| m.von_mises_max)),
                opt(m.map(|m| m.max_principal))
            ));
        }
        s.push_str(&format!(",{}\n", opt(r.die_max_principal_mpa)));
    }
    s
}
