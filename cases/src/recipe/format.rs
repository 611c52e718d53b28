//! The `[process]` format: an ordered list of steps with tool profiles,
//! ambient, film, head load and parts added, removed or bonded; adhesive
//! cure kinetics; `"$name"` parameters. Parsed from the case's parts and
//! library, with the key path in every error.

use crate::part::{face, part_names, CasePart, FaceRef};
use materials::cure::Cure;
use materials::library::Library;
use materials::toml_reader::{TomlError, TomlReader};
use materials::units::{parse_quantity, Dimension};
use std::collections::BTreeSet;
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

/// Most thermal increments of a recipe (all steps together): at about a
/// second each on a fine mesh, a day.
pub const MAX_INCREMENTS: usize = 100_000;

/// Shortest increment, s: shorter ones say a unit is wrong (and make the
/// capacity term overflow).
pub const MIN_INCREMENT: f64 = 1e-6;

/// Keys of a `[[process.step]]` entry.
const STEP_KEYS: [&str; 14] = [
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
];

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
        let params = parameters(r, t)?;
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
        let total: usize = steps.iter().map(|s| s.increments).sum();
        if total > MAX_INCREMENTS {
            return Err(r.err(
                "process.step",
                format!("{total} increments in all: at most {MAX_INCREMENTS} in a recipe"),
            ));
        }
        let cure = match t.get("cure") {
            None => Vec::new(),
            Some(c) => {
                let mut c = c.clone();
                substitute(r, "process.cure", &mut c, &params, &mut used)?;
                cure_laws(r, &c, parts, library, &steps)?
            }
        };
        if let Some(k) = params.keys().find(|k| !used.contains(*k)) {
            return Err(r.err(
                &format!("process.{k}"),
                format!("unknown key '{k}': not used by any step as \"${k}\" (keys: start, step, cure, or parameters used as \"$name\")"),
            ));
        }
        Ok(Recipe { start, steps, cure })
    }

    /// One `[[process.step]]` entry (the `i`-th, parameters substituted).
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
        r.only(place, st, &STEP_KEYS)?;
        let name = r
            .optional_string(place, st, "name")?
            .map(str::to_string)
            .unwrap_or_else(|| format!("step-{}", i + 1));
        let (duration, increments, outputs, steady) = step_timing(r, place, st)?;
        let head = st
            .get("head")
            .map(|v| tool(r, &format!("{place}.head"), v, parts, dir))
            .transpose()?;
        let stage = st
            .get("stage")
            .map(|v| tool(r, &format!("{place}.stage"), v, parts, dir))
            .transpose()?;
        let ambient = ambient(r, place, st, dir)?;
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
            Some(v) => Some(head_load(
                r,
                &format!("{place}.pressure"),
                v,
                parts,
                stage.is_some(),
            )?),
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

/// The parameters of `[process]`: every key but the reserved ones, each a
/// plain value.
fn parameters(r: &TomlReader<'_>, t: &toml::Table) -> Result<toml::Table, TomlError> {
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
    Ok(params)
}

/// A step's duration (s), increments, output count and whether it is a
/// steady state.
fn step_timing(
    r: &TomlReader<'_>,
    place: &str,
    st: &toml::Table,
) -> Result<(f64, usize, usize, bool), TomlError> {
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
    if increments > MAX_INCREMENTS {
        return Err(r.err(
            &format!("{place}.increments"),
            format!("{increments} increments: at most {MAX_INCREMENTS} in a recipe"),
        ));
    }
    if duration / (increments as f64) < MIN_INCREMENT {
        return Err(r.err(
            &format!("{place}.increments"),
            format!(
                "increments of {:.3e} s: at least {MIN_INCREMENT:e} s each (check the duration's unit)",
                duration / increments as f64
            ),
        ));
    }
    let outputs = count("outputs", 1)?;
    if outputs > increments {
        return Err(r.err(
            &format!("{place}.outputs"),
            format!("{outputs} output times but only {increments} increments"),
        ));
    }
    Ok((duration, increments, outputs, steady))
}

/// A step's `ambient`: a ramp target, or `{ table = … }`.
fn ambient(
    r: &TomlReader<'_>,
    place: &str,
    st: &toml::Table,
    dir: Option<&Path>,
) -> Result<Profile, TomlError> {
    match r.field(place, st, "ambient")? {
        Value::Table(t) => {
            let ap = format!("{place}.ambient");
            r.only(&ap, t, &["table"])?;
            Ok(Profile::Table(read_table(
                r,
                &format!("{ap}.table"),
                r.field(&ap, t, "table")?,
                dir,
            )?))
        }
        v => Ok(Profile::Ramp(r.scalar(
            &format!("{place}.ambient"),
            v,
            Dimension::Temperature,
        )?)),
    }
}

/// A step's `pressure = { face, value | force }` at `pp`; `staged` says the
/// step has a stage face to carry it.
fn head_load(
    r: &TomlReader<'_>,
    pp: &str,
    v: &Value,
    parts: &[CasePart],
    staged: bool,
) -> Result<(FaceRef, Load), TomlError> {
    let t = v.as_table().ok_or_else(|| {
        r.err(
            pp,
            "expected { face = \"part.bottom\", value = \"2 MPa\" } or { face, force = \"30 N\" }",
        )
    })?;
    r.only(pp, t, &["face", "value", "force"])?;
    let face = face(r, &format!("{pp}.face"), r.field(pp, t, "face")?, parts)?;
    let load = match (t.get("value"), t.get("force")) {
        (Some(v), None) => {
            Load::Pressure(r.scalar(&format!("{pp}.value"), v, Dimension::Stress)?)
        }
        (None, Some(f)) => Load::Force(r.scalar(&format!("{pp}.force"), f, Dimension::Force)?),
        _ => return Err(r.err(pp, "give exactly one of 'value' (a pressure) or 'force'")),
    };
    if !staged {
        return Err(r.err(
            pp,
            "a head pressure needs a stage face in the same step to carry it",
        ));
    }
    Ok((face, load))
}

/// `[process.cure.<part>]` tables (parameters substituted): each part's law,
/// the library's kinetics of its material overridden by the table's keys.
fn cure_laws(
    r: &TomlReader<'_>,
    c: &Value,
    parts: &[CasePart],
    library: &Library,
    steps: &[RecipeStep],
) -> Result<Vec<(String, Cure)>, TomlError> {
    let ct = c.as_table().ok_or_else(|| {
        r.err(
            "process.cure",
            "expected a table of parts: [process.cure.acf]",
        )
    })?;
    let mut cure = Vec::new();
    for (part, v) in ct {
        let place = format!("process.cure.{part}");
        let p = parts
            .iter()
            .find(|p| &p.geometry.name == part)
            .ok_or_else(|| r.err(&place, format!("no part named '{part}'")))?;
        let base = library.get(&p.material).and_then(|m| m.cure.as_ref());
        let pt = v
            .as_table()
            .ok_or_else(|| r.err(&place, "expected a table ({} for the library's kinetics)"))?;
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
    Ok(cure)
}
