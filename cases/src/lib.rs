//! Case files: a package described by its parts (layers, blocks, bump
//! arrays, fills), materials, mesh controls, supports and temperatures, in
//! TOML with units on every quantity. A [`Case`] becomes a mesh
//! ([`Case::mesh`]) and an analysis model ([`Case::model`]): stress-free at
//! the bonding temperature, one step at room temperature. The format is
//! documented in `cases/README.md`.

pub mod process;
pub mod summary;

use materials::library::Library;
use materials::toml_reader::{TomlError, TomlReader};
use materials::units::Dimension;
use mesher::package::{
    bump_footprints, fillet_steps, mesh_package, MeshControls, PartGeometry, Rect, Region, Symmetry,
};
use mesher::{CellKind, Mesh};
use solver::model::{Model, Step};
use std::collections::BTreeMap;
use std::path::Path;
use toml::Value;

/// Applies one `key.path=value` override to a case's TOML tree. Tables are
/// walked by key; `[[part]]` and `[[material]]` entries by their `name`
/// (`part.glass.material=soda_lime_glass`). The value is read as TOML when
/// it is valid TOML (`3`, `1.5`, `"25 C"`, `["0 mm", "1 mm"]`), else taken
/// as a string (`150 C`), so shells need no extra quoting. The last key may
/// be new; everything before it must exist.
pub fn apply_override(doc: &mut toml::Table, assignment: &str) -> Result<(), String> {
    let (path, raw) = assignment.split_once('=').ok_or("expected KEY=VALUE")?;
    let keys: Vec<&str> = path.trim().split('.').collect();
    if keys.iter().any(|k| k.is_empty()) {
        return Err(format!("'{path}' is not a key path"));
    }
    let value: Value = match format!("v = {}", raw.trim()).parse::<toml::Table>() {
        Ok(mut t) => t.remove("v").expect("parsed"),
        Err(_) => Value::String(raw.trim().to_string()),
    };
    let mut table = doc;
    let mut i = 0;
    while i + 1 < keys.len() {
        let key = keys[i];
        let next = table
            .get_mut(key)
            .ok_or_else(|| format!("no '{}' in the case", keys[..=i].join(".")))?;
        table = match next {
            Value::Table(t) => t,
            Value::Array(entries) => {
                let name = keys[i + 1];
                i += 1;
                let entry = entries
                    .iter_mut()
                    .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
                    .ok_or_else(|| format!("no [[{key}]] named '{name}'"))?;
                entry
                    .as_table_mut()
                    .ok_or_else(|| format!("[[{key}]] '{name}' is not a table"))?
            }
            _ => {
                return Err(format!(
                    "'{}' is a value, not a table",
                    keys[..=i].join(".")
                ))
            }
        };
        i += 1;
    }
    if i >= keys.len() {
        return Err(format!("'{path}' names an entry, not a key inside it"));
    }
    table.insert(keys[keys.len() - 1].to_string(), value);
    Ok(())
}

/// An error in a case file (file, key path, message) or in what it describes.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error(transparent)]
    Toml(#[from] TomlError),
    #[error("{0}")]
    Io(String),
    #[error("{file}: meshing failed: {message}")]
    Mesh { file: String, message: String },
    #[error("{file}: recipe failed: {message}")]
    Recipe { file: String, message: String },
}

/// Top or bottom face of a part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaceRef {
    pub part: String,
    pub top: bool,
}

impl FaceRef {
    /// The node-set name the mesher gives this face.
    pub fn node_set(&self) -> String {
        format!(
            "{}_{}",
            self.part.to_ascii_uppercase(),
            if self.top { "TOP" } else { "BOTTOM" }
        )
    }

    /// `part.top` / `part.bottom`.
    pub fn label(&self) -> String {
        format!("{}.{}", self.part, if self.top { "top" } else { "bottom" })
    }
}

/// How the package is held.
#[derive(Clone, Debug, PartialEq)]
pub enum Supports {
    /// Rigid-body motion suppressed by three nodes of a face (3-2-1); the
    /// package deforms freely.
    ThreeTwoOne(FaceRef),
    /// Every node of a face fixed.
    Fixed(FaceRef),
    /// A flat bonding stage under a face: no motion normal to it.
    Stage(FaceRef),
}

/// One part of the case.
#[derive(Clone, Debug)]
pub struct CasePart {
    pub geometry: PartGeometry,
    pub material: String,
    /// Stress-free temperature of this part, °C, when it differs from the case's.
    pub stress_free: Option<f64>,
}

/// Which parts the summary reports as what.
#[derive(Clone, Debug, Default)]
pub struct Roles {
    /// Faces whose warpage is reported.
    pub warpage: Vec<FaceRef>,
    /// Bump parts (max von Mises, peel, shear; volume-mean von Mises).
    pub bumps: Vec<String>,
    /// Adhesive parts: ACF, underfill, transparent layer.
    pub adhesives: Vec<String>,
    /// The die (max first principal stress).
    pub die: Option<String>,
    /// Parts whose peak stresses over a recipe are reported (and compared
    /// across variants), e.g. a functional polymer layer.
    pub watch: Vec<String>,
}

/// A parsed case.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    pub description: String,
    pub file: String,
    pub parts: Vec<CasePart>,
    pub library: Library,
    pub controls: MeshControls,
    /// Stress-free (bonding) temperature, °C.
    pub stress_free: f64,
    /// Room temperature at the end of the cool-down, °C.
    pub room: f64,
    pub supports: Supports,
    pub roles: Roles,
    /// The bonding recipe (`[process]`), if the case has one.
    pub process: Option<process::Recipe>,
}

fn rect(r: &TomlReader<'_>, place: &str, t: &toml::Table) -> Result<Rect, TomlError> {
    Ok(Rect {
        x: pair(
            r,
            &format!("{place}.x"),
            r.field(place, t, "x")?,
            Dimension::Length,
        )?,
        y: pair(
            r,
            &format!("{place}.y"),
            r.field(place, t, "y")?,
            Dimension::Length,
        )?,
    })
}

/// `[low, high]` of two quantities, low < high.
fn pair(r: &TomlReader<'_>, place: &str, v: &Value, dim: Dimension) -> Result<[f64; 2], TomlError> {
    let a = v.as_array().filter(|a| a.len() == 2).ok_or_else(|| {
        r.err(
            place,
            format!("expected [low, high], two of {}", dim.example()),
        )
    })?;
    let lo = r.scalar(&format!("{place}[0]"), &a[0], dim)?;
    let hi = r.scalar(&format!("{place}[1]"), &a[1], dim)?;
    if !(hi > lo) {
        return Err(r.err(
            place,
            format!("the second value must exceed the first ({lo} vs {hi} in internal units)"),
        ));
    }
    Ok([lo, hi])
}

fn table<'v>(r: &TomlReader<'_>, place: &str, v: &'v Value) -> Result<&'v toml::Table, TomlError> {
    v.as_table().ok_or_else(|| r.err(place, "expected a table"))
}

fn integer(
    r: &TomlReader<'_>,
    place: &str,
    t: &toml::Table,
    key: &str,
    default: usize,
    min: usize,
) -> Result<usize, TomlError> {
    match t.get(key) {
        None => Ok(default),
        Some(Value::Integer(i)) if *i >= min as i64 => Ok(*i as usize),
        Some(_) => Err(r.err(
            &format!("{place}.{key}"),
            format!("expected a whole number of at least {min}"),
        )),
    }
}

fn face(
    r: &TomlReader<'_>,
    place: &str,
    v: &Value,
    parts: &[CasePart],
) -> Result<FaceRef, TomlError> {
    let s = v
        .as_str()
        .ok_or_else(|| r.err(place, "expected \"part.top\" or \"part.bottom\""))?;
    let (part, side) = s.rsplit_once('.').ok_or_else(|| {
        r.err(
            place,
            format!("'{s}': expected \"part.top\" or \"part.bottom\""),
        )
    })?;
    if !parts.iter().any(|p| p.geometry.name == part) {
        return Err(r.err(place, format!("'{s}': no part named '{part}'")));
    }
    match side {
        "top" | "bottom" => Ok(FaceRef {
            part: part.to_string(),
            top: side == "top",
        }),
        _ => Err(r.err(place, format!("'{s}': the face must be 'top' or 'bottom'"))),
    }
}

fn part_names(
    r: &TomlReader<'_>,
    place: &str,
    v: Option<&Value>,
    parts: &[CasePart],
) -> Result<Vec<String>, TomlError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let a = v
        .as_array()
        .ok_or_else(|| r.err(place, "expected a list of part names"))?;
    a.iter()
        .enumerate()
        .map(|(i, n)| {
            let n = n
                .as_str()
                .ok_or_else(|| r.err(&format!("{place}[{i}]"), "expected a part name"))?;
            if parts.iter().any(|p| p.geometry.name == n) {
                Ok(n.to_string())
            } else {
                Err(r.err(&format!("{place}[{i}]"), format!("no part named '{n}'")))
            }
        })
        .collect()
}

impl Case {
    /// Reads a case file.
    pub fn from_file(path: &Path) -> Result<Case, CaseError> {
        Self::from_file_with(path, &[])
    }

    /// Parses case text; `file` names it in errors, `dir` resolves a
    /// `library = "…"` path.
    pub fn from_toml(text: &str, file: &str, dir: Option<&Path>) -> Result<Case, CaseError> {
        let r = TomlReader::new(file);
        let doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| r.err("TOML", e.to_string()))?;
        Self::from_table(doc, file, dir)
    }

    /// Reads a case file with `key.path=value` overrides applied first
    /// (see [`apply_override`]).
    pub fn from_file_with(path: &Path, overrides: &[String]) -> Result<Case, CaseError> {
        Self::from_file_variant(path, overrides, None)
    }

    fn read_doc(path: &Path) -> Result<toml::Table, CaseError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CaseError::Io(format!("cannot read {}: {e}", path.display())))?;
        let file = path.display().to_string();
        text.parse()
            .map_err(|e: toml::de::Error| TomlReader::new(&file).err("TOML", e.to_string()).into())
    }

    /// The names of the case file's `[[variant]]` entries (none for most cases).
    pub fn variant_names(path: &Path) -> Result<Vec<String>, CaseError> {
        let doc = Self::read_doc(path)?;
        let file = path.display().to_string();
        let r = TomlReader::new(&file);
        let Some(v) = doc.get("variant") else {
            return Ok(Vec::new());
        };
        let list = v
            .as_array()
            .ok_or_else(|| r.err("variant", "expected [[variant]] entries"))?;
        list.iter()
            .enumerate()
            .map(|(i, e)| {
                let t = e
                    .as_table()
                    .ok_or_else(|| r.err(&format!("variant[{i}]"), "expected a table"))?;
                r.only(
                    &format!("variant[{i}]"),
                    t,
                    &["name", "description", "set", "drop"],
                )?;
                Ok(r.string(&format!("variant[{i}]"), t, "name")?)
            })
            .collect()
    }

    /// Reads a case file with `key.path=value` overrides applied first and
    /// then, when `variant` names one of its `[[variant]]` entries, that
    /// variant's `drop` (parts taken out of the model) and `set` overrides.
    pub fn from_file_variant(
        path: &Path,
        overrides: &[String],
        variant: Option<&str>,
    ) -> Result<Case, CaseError> {
        let file = path.display().to_string();
        let r = TomlReader::new(&file);
        let mut doc = Self::read_doc(path)?;
        for o in overrides {
            apply_override(&mut doc, o).map_err(|m| r.err(&format!("--set {o}"), m))?;
        }
        if let Some(name) = variant {
            let entry = doc
                .get("variant")
                .and_then(Value::as_array)
                .and_then(|l| {
                    l.iter()
                        .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
                })
                .cloned()
                .ok_or_else(|| r.err("variant", format!("no [[variant]] named '{name}'")))?;
            let place = format!("variant '{name}'");
            let strings = |key: &str| -> Result<Vec<String>, CaseError> {
                match entry.get(key) {
                    None => Ok(Vec::new()),
                    Some(Value::Array(a)) => a
                        .iter()
                        .map(|x| {
                            x.as_str().map(str::to_string).ok_or_else(|| {
                                r.err(&format!("{place}.{key}"), "expected a list of strings")
                                    .into()
                            })
                        })
                        .collect(),
                    Some(_) => Err(r
                        .err(&format!("{place}.{key}"), "expected a list of strings")
                        .into()),
                }
            };
            for part in strings("drop")? {
                let parts = doc
                    .get_mut("part")
                    .and_then(Value::as_array_mut)
                    .ok_or_else(|| r.err(&place, "the case has no [[part]] entries"))?;
                let before = parts.len();
                parts.retain(|p| p.get("name").and_then(Value::as_str) != Some(part.as_str()));
                if parts.len() == before {
                    return Err(r
                        .err(&format!("{place}.drop"), format!("no part named '{part}'"))
                        .into());
                }
            }
            for o in strings("set")? {
                apply_override(&mut doc, &o)
                    .map_err(|m| r.err(&format!("{place}.set '{o}'"), m))?;
            }
        }
        Self::from_table(doc, &file, path.parent())
    }

    fn from_table(doc: toml::Table, file: &str, dir: Option<&Path>) -> Result<Case, CaseError> {
        let r = TomlReader::new(file);
        r.only(
            "top level",
            &doc,
            &[
                "case",
                "temperatures",
                "mesh",
                "supports",
                "results",
                "material",
                "library",
                "part",
                "process",
                "variant",
            ],
        )?;
        let head = table(&r, "case", r.field("top level", &doc, "case")?)?;
        r.only("case", head, &["name", "description"])?;
        let name = r.string("case", head, "name")?;
        let description = head
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();

        let mut library = Library::bundled();
        if let Some(v) = doc.get("library") {
            let rel = v
                .as_str()
                .ok_or_else(|| r.err("library", "expected a file path"))?;
            let path = dir.unwrap_or(Path::new(".")).join(rel);
            let t = std::fs::read_to_string(&path)
                .map_err(|e| r.err("library", format!("cannot read {}: {e}", path.display())))?;
            library.extend(Library::from_toml(&t, &path.display().to_string())?);
        }
        if let Some(v) = doc.get("material") {
            let entries = v
                .as_array()
                .ok_or_else(|| r.err("material", "expected [[material]] entries"))?;
            library.extend(Library::from_entries(entries, file)?);
        }

        let temps = table(
            &r,
            "temperatures",
            r.field("top level", &doc, "temperatures")?,
        )?;
        r.only("temperatures", temps, &["stress_free", "room"])?;
        let stress_free = r.scalar(
            "temperatures.stress_free",
            r.field("temperatures", temps, "stress_free")?,
            Dimension::Temperature,
        )?;
        let room = r.scalar(
            "temperatures.room",
            r.field("temperatures", temps, "room")?,
            Dimension::Temperature,
        )?;

        let parts = Self::parts(&r, &doc, &library)?;
        let controls = Self::controls(&r, &doc)?;
        let sup = table(&r, "supports", r.field("top level", &doc, "supports")?)?;
        r.only("supports", sup, &["type", "face"])?;
        let f = face(
            &r,
            "supports.face",
            r.field("supports", sup, "face")?,
            &parts,
        )?;
        let supports = match sup.get("type").and_then(Value::as_str).unwrap_or("3-2-1") {
            "3-2-1" => Supports::ThreeTwoOne(f),
            "fixed" => Supports::Fixed(f),
            "stage" => Supports::Stage(f),
            other => {
                return Err(r
                    .err(
                        "supports.type",
                        format!("'{other}': expected \"3-2-1\", \"fixed\" or \"stage\""),
                    )
                    .into())
            }
        };
        let roles = match doc.get("results") {
            None => Roles::default(),
            Some(v) => {
                let t = table(&r, "results", v)?;
                r.only(
                    "results",
                    t,
                    &["warpage", "bumps", "adhesives", "die", "watch"],
                )?;
                let warpage = match t.get("warpage") {
                    None => Vec::new(),
                    Some(v) => v
                        .as_array()
                        .ok_or_else(|| r.err("results.warpage", "expected a list of faces"))?
                        .iter()
                        .enumerate()
                        .map(|(i, f)| face(&r, &format!("results.warpage[{i}]"), f, &parts))
                        .collect::<Result<_, _>>()?,
                };
                let die = match t.get("die") {
                    None => None,
                    Some(v) => Some(
                        part_names(
                            &r,
                            "results.die",
                            Some(&Value::Array(vec![v.clone()])),
                            &parts,
                        )?
                        .remove(0),
                    ),
                };
                Roles {
                    warpage,
                    bumps: part_names(&r, "results.bumps", t.get("bumps"), &parts)?,
                    adhesives: part_names(&r, "results.adhesives", t.get("adhesives"), &parts)?,
                    die,
                    watch: part_names(&r, "results.watch", t.get("watch"), &parts)?,
                }
            }
        };
        let mut case = Case {
            name,
            description,
            file: file.to_string(),
            parts,
            library,
            controls,
            stress_free,
            room,
            supports,
            roles,
            process: None,
        };
        if let Some(v) = doc.get("process") {
            case.process = Some(process::Recipe::parse(&r, v, &case, dir)?);
        }
        Ok(case)
    }

    fn parts(
        r: &TomlReader<'_>,
        doc: &toml::Table,
        library: &Library,
    ) -> Result<Vec<CasePart>, TomlError> {
        let list = r
            .field("top level", doc, "part")?
            .as_array()
            .ok_or_else(|| r.err("part", "expected [[part]] entries"))?;
        let mut parts: Vec<CasePart> = Vec::new();
        for (i, v) in list.iter().enumerate() {
            let t = table(r, &format!("part[{i}]"), v)?;
            let name = r.string(&format!("part[{i}]"), t, "name")?;
            let place = format!("part '{name}'");
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(r.err(&place, "a part name uses letters, digits, '_' and '-' only"));
            }
            if parts.iter().any(|p| p.geometry.name == name) {
                return Err(r.err(&place, "defined twice"));
            }
            r.only(
                &place,
                t,
                &[
                    "name",
                    "material",
                    "box",
                    "bumps",
                    "openings",
                    "fillet",
                    "stress_free",
                    "layers",
                ],
            )?;
            let material = r.string(&place, t, "material")?;
            if library.get(&material).is_none() {
                return Err(r.err(
                    &format!("{place}.material"),
                    format!("'{material}' is neither in the library nor defined in this file (`pkgstress materials` lists the library)"),
                ));
            }
            let region = match (t.get("box"), t.get("bumps")) {
                (Some(b), None) => {
                    let bp = format!("{place}.box");
                    let bt = table(r, &bp, b)?;
                    r.only(&bp, bt, &["x", "y", "z"])?;
                    let openings = match t.get("openings") {
                        None => Vec::new(),
                        Some(o) => o
                            .as_array()
                            .ok_or_else(|| {
                                r.err(
                                    &format!("{place}.openings"),
                                    "expected a list of {x = [..], y = [..]}",
                                )
                            })?
                            .iter()
                            .enumerate()
                            .map(|(k, o)| {
                                let op = format!("{place}.openings[{k}]");
                                let ot = table(r, &op, o)?;
                                r.only(&op, ot, &["x", "y"])?;
                                rect(r, &op, ot)
                            })
                            .collect::<Result<_, _>>()?,
                    };
                    let footprint = rect(r, &bp, bt)?;
                    let z = pair(
                        r,
                        &format!("{bp}.z"),
                        r.field(&bp, bt, "z")?,
                        Dimension::Length,
                    )?;
                    let steps = match t.get("fillet") {
                        None => Vec::new(),
                        Some(f) => Self::fillet(r, &format!("{place}.fillet"), f, footprint, z)?,
                    };
                    Region::Box {
                        footprint,
                        z,
                        openings,
                        steps,
                    }
                }
                (None, Some(b)) => {
                    let bp = format!("{place}.bumps");
                    let bt = table(r, &bp, b)?;
                    r.only(&bp, bt, &["area", "pitch", "size", "z", "rows"])?;
                    let area_v = r.field(&bp, bt, "area")?;
                    let area = rect(
                        r,
                        &format!("{bp}.area"),
                        table(r, &format!("{bp}.area"), area_v)?,
                    )?;
                    let pitch = r.scalar(
                        &format!("{bp}.pitch"),
                        r.field(&bp, bt, "pitch")?,
                        Dimension::Length,
                    )?;
                    let size_v = r.field(&bp, bt, "size")?;
                    let size = match size_v {
                        Value::Array(a) if a.len() == 2 => [
                            r.scalar(&format!("{bp}.size[0]"), &a[0], Dimension::Length)?,
                            r.scalar(&format!("{bp}.size[1]"), &a[1], Dimension::Length)?,
                        ],
                        v => {
                            let s = r.scalar(&format!("{bp}.size"), v, Dimension::Length)?;
                            [s, s]
                        }
                    };
                    if !(pitch > size[0].max(size[1]) && size[0] > 0.0 && size[1] > 0.0) {
                        return Err(r.err(
                            &bp,
                            "the pitch must exceed the bump size, and sizes must be positive",
                        ));
                    }
                    let rows = match bt.get("rows") {
                        None => None,
                        Some(_) => Some(integer(r, &bp, bt, "rows", 1, 1)?),
                    };
                    let footprints = bump_footprints(area, pitch, size, rows);
                    if footprints.is_empty() {
                        return Err(r.err(&bp, "no bump fits in the area"));
                    }
                    Region::Prisms {
                        footprints,
                        z: pair(
                            r,
                            &format!("{bp}.z"),
                            r.field(&bp, bt, "z")?,
                            Dimension::Length,
                        )?,
                    }
                }
                _ => return Err(r.err(&place, "give exactly one of 'box' or 'bumps'")),
            };
            let stress_free = match t.get("stress_free") {
                None => None,
                Some(v) => {
                    Some(r.scalar(&format!("{place}.stress_free"), v, Dimension::Temperature)?)
                }
            };
            let layers = match t.get("layers") {
                None => None,
                Some(_) => Some(integer(r, &place, t, "layers", 1, 1)?),
            };
            parts.push(CasePart {
                geometry: PartGeometry {
                    name,
                    region,
                    layers,
                },
                material,
                stress_free,
            });
        }
        if parts.is_empty() {
            return Err(r.err("part", "the case has no parts"));
        }
        Ok(parts)
    }

    /// `fillet = { width, height, steps = 3, side = "below" | "above" }`:
    /// a stepped fillet around the box, from its bottom face downwards
    /// (`below`, e.g. underfill running down a die's side) or from its top
    /// face upwards.
    fn fillet(
        r: &TomlReader<'_>,
        place: &str,
        v: &Value,
        footprint: Rect,
        z: [f64; 2],
    ) -> Result<Vec<(Rect, [f64; 2])>, TomlError> {
        let t = table(r, place, v)?;
        r.only(place, t, &["width", "height", "steps", "side"])?;
        let width = r.scalar(
            &format!("{place}.width"),
            r.field(place, t, "width")?,
            Dimension::Length,
        )?;
        let height = r.scalar(
            &format!("{place}.height"),
            r.field(place, t, "height")?,
            Dimension::Length,
        )?;
        if !(width > 0.0 && height > 0.0) {
            return Err(r.err(place, "width and height must be positive"));
        }
        let steps = integer(r, place, t, "steps", 3, 1)?;
        let below = match t.get("side").map(|s| s.as_str()) {
            None | Some(Some("below")) => true,
            Some(Some("above")) => false,
            _ => return Err(r.err(&format!("{place}.side"), "expected \"below\" or \"above\"")),
        };
        Ok(fillet_steps(footprint, z, width, height, steps, below))
    }

    fn controls(r: &TomlReader<'_>, doc: &toml::Table) -> Result<MeshControls, TomlError> {
        let m = table(r, "mesh", r.field("top level", doc, "mesh")?)?;
        r.only(
            "mesh",
            m,
            &[
                "element",
                "size",
                "layers",
                "across_bumps",
                "grading",
                "symmetry",
            ],
        )?;
        let kind = match m
            .get("element")
            .and_then(Value::as_str)
            .unwrap_or("hex20r")
            .to_ascii_lowercase()
            .as_str()
        {
            "hex20r" | "c3d20r" => CellKind::Hex20R,
            "hex20" | "c3d20" => CellKind::Hex20,
            "c3d8i" | "hex8i" => CellKind::Hex8I,
            "hex8" | "c3d8" => CellKind::Hex8,
            other => {
                return Err(r.err(
                    "mesh.element",
                    format!("'{other}': expected hex20r, hex20, c3d8i or hex8"),
                ))
            }
        };
        let grading = match m.get("grading") {
            None => 1.5,
            Some(v) => {
                let g = r.scalar("mesh.grading", v, Dimension::Dimensionless)?;
                if !(g > 1.0 && g <= 4.0) {
                    return Err(r.err(
                        "mesh.grading",
                        "expected a ratio between 1 and 4, such as 1.5",
                    ));
                }
                g
            }
        };
        let symmetry = match m.get("symmetry").and_then(Value::as_str).unwrap_or("full") {
            "full" => Symmetry::Full,
            "half" => Symmetry::Half,
            "quarter" => Symmetry::Quarter,
            other => {
                return Err(r.err(
                    "mesh.symmetry",
                    format!("'{other}': expected full, half or quarter"),
                ))
            }
        };
        Ok(MeshControls {
            kind,
            size: r.scalar("mesh.size", r.field("mesh", m, "size")?, Dimension::Length)?,
            layers: integer(r, "mesh", m, "layers", 2, 1)?,
            across_prisms: integer(r, "mesh", m, "across_bumps", 2, 1)?,
            grading,
            symmetry,
        })
    }

    /// Names of the parts that set their own `layers`.
    pub fn parts_with_own_layers(&self) -> Vec<String> {
        self.parts
            .iter()
            .filter(|p| p.geometry.layers.is_some())
            .map(|p| p.geometry.name.clone())
            .collect()
    }

    /// The mesh of the case.
    pub fn mesh(&self) -> Result<Mesh, CaseError> {
        let geometry: Vec<PartGeometry> = self.parts.iter().map(|p| p.geometry.clone()).collect();
        let mesh = mesh_package(&geometry, &self.controls).map_err(|e| CaseError::Mesh {
            file: self.file.clone(),
            message: e.to_string(),
        })?;
        for p in &self.parts {
            if !mesh.cell_part.contains(
                &mesh
                    .part_names
                    .iter()
                    .position(|n| n == &p.geometry.name)
                    .unwrap_or(usize::MAX),
            ) {
                return Err(CaseError::Mesh {
                    file: self.file.clone(),
                    message: format!("part '{}' received no cells: earlier parts cover it, or the symmetry clips it away", p.geometry.name),
                });
            }
        }
        Ok(mesh)
    }

    /// The analysis model: stress-free at the bonding temperature (or each
    /// part's own), one step at room temperature, held by the supports and
    /// the symmetry planes.
    pub fn model(&self) -> Result<Model, CaseError> {
        let mesh = self.mesh()?;
        let mut materials = Vec::new();
        let mut part_material = Vec::new();
        for p in &self.parts {
            let m = &self
                .library
                .get(&p.material)
                .expect("checked when parsed")
                .material;
            let idx = match materials
                .iter()
                .position(|x: &materials::Material| x.name == m.name)
            {
                Some(i) => i,
                None => {
                    materials.push(m.clone());
                    materials.len() - 1
                }
            };
            part_material.push(idx);
        }
        let n = mesh.num_nodes();
        let constraints = self.constraints(&mesh)?;
        let thermal = materials
            .iter()
            .map(|m| self.library.get(&m.name).and_then(|e| e.thermal.clone()))
            .collect();
        Ok(Model {
            cell_material: mesh.cell_part.iter().map(|&p| part_material[p]).collect(),
            materials,
            thermal,
            initial_temperature: vec![self.stress_free; n],
            part_stress_free_temperature: self.parts.iter().map(|p| p.stress_free).collect(),
            steps: vec![Step {
                name: "cool-down".into(),
                time: 1.0,
                constraints,
                loads: BTreeMap::new(),
                temperature: vec![self.room; n],
            }],
            mesh,
        })
    }

    /// Support and symmetry constraints.
    pub(crate) fn constraints(
        &self,
        mesh: &Mesh,
    ) -> Result<BTreeMap<(usize, usize), f64>, CaseError> {
        let mut bc = BTreeMap::new();
        for (set, d) in [("SYMMETRY_X", 0), ("SYMMETRY_Y", 1)] {
            for &v in mesh.node_sets.get(set).map(Vec::as_slice).unwrap_or(&[]) {
                bc.insert((v, d), 0.0);
            }
        }
        let face_ref = match &self.supports {
            Supports::ThreeTwoOne(f) | Supports::Fixed(f) | Supports::Stage(f) => f,
        };
        let nodes = mesh
            .node_sets
            .get(&face_ref.node_set())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| CaseError::Mesh {
                file: self.file.clone(),
                message: format!("the support face {} has no nodes", face_ref.label()),
            })?;
        let coord = |v: usize| mesh.coordinates[v];
        // extreme nodes of the face: lowest x then y, etc.
        let pick = |key: &dyn Fn([f64; 3]) -> (f64, f64)| -> usize {
            *nodes
                .iter()
                .min_by(|&&a, &&b| key(coord(a)).partial_cmp(&key(coord(b))).unwrap())
                .unwrap()
        };
        let a = pick(&|x| (x[0], x[1])); // min x, then min y
        let b = pick(&|x| (-x[0], x[1])); // max x, then min y
        let c = pick(&|x| (x[0], -x[1])); // min x, then max y
        let sym = self.controls.symmetry;
        match &self.supports {
            Supports::ThreeTwoOne(_) => {
                match sym {
                    Symmetry::Full => {
                        for d in 0..3 {
                            bc.insert((a, d), 0.0);
                        }
                        bc.insert((b, 1), 0.0);
                        bc.insert((b, 2), 0.0);
                    }
                    // x = 0 plane holds x, and rotations about y and z
                    Symmetry::Half => {
                        bc.insert((a, 1), 0.0);
                        bc.insert((a, 2), 0.0);
                    }
                    Symmetry::Quarter => {
                        bc.insert((a, 2), 0.0);
                    }
                }
                if sym != Symmetry::Quarter {
                    bc.insert((c, 2), 0.0);
                }
            }
            Supports::Fixed(_) => {
                for &v in nodes {
                    for d in 0..3 {
                        bc.insert((v, d), 0.0);
                    }
                }
            }
            Supports::Stage(_) => {
                for &v in nodes {
                    bc.insert((v, 2), 0.0);
                }
                match sym {
                    Symmetry::Full => {
                        bc.insert((a, 0), 0.0);
                        bc.insert((a, 1), 0.0);
                        bc.insert((b, 1), 0.0);
                    }
                    Symmetry::Half => {
                        bc.insert((a, 1), 0.0);
                    }
                    Symmetry::Quarter => {}
                }
            }
        }
        Ok(bc)
    }
}
