//! The parts of a case (`[[part]]`: a box with openings and a fillet, or a
//! bump array) and the references to them (faces, part names) that the rest
//! of the case format uses.

use crate::fields::{integer, pair, rect, table};
use materials::library::Library;
use materials::toml_reader::{TomlError, TomlReader};
use materials::units::Dimension;
use mesher::package::{bump_footprints, fillet_steps, PartGeometry, Rect, Region};
use toml::Value;

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

/// One part of the case.
#[derive(Clone, Debug)]
pub struct CasePart {
    pub geometry: PartGeometry,
    pub material: String,
    /// Stress-free temperature of this part, °C, when it differs from the case's.
    pub stress_free: Option<f64>,
}

/// Keys of a `[[part]]` entry.
const PART_KEYS: [&str; 8] = [
    "name",
    "material",
    "box",
    "bumps",
    "openings",
    "fillet",
    "stress_free",
    "layers",
];

/// Reads the `[[part]]` entries; every material must be in `library`.
pub(crate) fn parse_parts(
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
        let part = parse_part(r, i, v, library, &parts)?;
        parts.push(part);
    }
    if parts.is_empty() {
        return Err(r.err("part", "the case has no parts"));
    }
    Ok(parts)
}

/// One `[[part]]` entry, the `i`-th, after the `earlier` ones.
fn parse_part(
    r: &TomlReader<'_>,
    i: usize,
    v: &Value,
    library: &Library,
    earlier: &[CasePart],
) -> Result<CasePart, TomlError> {
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
    if earlier.iter().any(|p| p.geometry.name == name) {
        return Err(r.err(&place, "defined twice"));
    }
    r.only(&place, t, &PART_KEYS)?;
    let material = r.string(&place, t, "material")?;
    if library.get(&material).is_none() {
        return Err(r.err(
            &format!("{place}.material"),
            format!("'{material}' is neither in the library nor defined in this file (`pkgstress materials` lists the library)"),
        ));
    }
    let region = match (t.get("box"), t.get("bumps")) {
        (Some(b), None) => box_region(r, &place, t, b)?,
        (None, Some(b)) => bump_region(r, &format!("{place}.bumps"), b)?,
        _ => return Err(r.err(&place, "give exactly one of 'box' or 'bumps'")),
    };
    let stress_free = match t.get("stress_free") {
        None => None,
        Some(v) => Some(r.scalar(&format!("{place}.stress_free"), v, Dimension::Temperature)?),
    };
    let layers = match t.get("layers") {
        None => None,
        Some(_) => Some(integer(r, &place, t, "layers", 1, 1)?),
    };
    Ok(CasePart {
        geometry: PartGeometry {
            name,
            region,
            layers,
        },
        material,
        stress_free,
    })
}

/// `box = { x, y, z }` of part `t` at `place`, with its `openings` and `fillet`.
fn box_region(
    r: &TomlReader<'_>,
    place: &str,
    t: &toml::Table,
    b: &Value,
) -> Result<Region, TomlError> {
    let bp = format!("{place}.box");
    let bt = table(r, &bp, b)?;
    r.only(&bp, bt, &["x", "y", "z"])?;
    let openings = match t.get("openings") {
        None => Vec::new(),
        Some(o) => openings(r, &format!("{place}.openings"), o)?,
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
        Some(f) => fillet(r, &format!("{place}.fillet"), f, footprint, z)?,
    };
    Ok(Region::Box {
        footprint,
        z,
        openings,
        steps,
    })
}

/// `openings = [{ x = [..], y = [..] }, …]`.
fn openings(r: &TomlReader<'_>, place: &str, o: &Value) -> Result<Vec<Rect>, TomlError> {
    o.as_array()
        .ok_or_else(|| r.err(place, "expected a list of {x = [..], y = [..]}"))?
        .iter()
        .enumerate()
        .map(|(k, o)| {
            let op = format!("{place}[{k}]");
            let ot = table(r, &op, o)?;
            r.only(&op, ot, &["x", "y"])?;
            rect(r, &op, ot)
        })
        .collect()
}

/// `bumps = { area, pitch, size, z, rows }` at `bp`: the bump footprints.
fn bump_region(r: &TomlReader<'_>, bp: &str, b: &Value) -> Result<Region, TomlError> {
    let bt = table(r, bp, b)?;
    r.only(bp, bt, &["area", "pitch", "size", "z", "rows"])?;
    let area_v = r.field(bp, bt, "area")?;
    let area = rect(
        r,
        &format!("{bp}.area"),
        table(r, &format!("{bp}.area"), area_v)?,
    )?;
    let pitch = r.scalar(
        &format!("{bp}.pitch"),
        r.field(bp, bt, "pitch")?,
        Dimension::Length,
    )?;
    let size = match r.field(bp, bt, "size")? {
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
            bp,
            "the pitch must exceed the bump size, and sizes must be positive",
        ));
    }
    let rows = match bt.get("rows") {
        None => None,
        Some(_) => Some(integer(r, bp, bt, "rows", 1, 1)?),
    };
    let footprints = bump_footprints(area, pitch, size, rows);
    if footprints.is_empty() {
        return Err(r.err(bp, "no bump fits in the area"));
    }
    Ok(Region::Prisms {
        footprints,
        z: pair(
            r,
            &format!("{bp}.z"),
            r.field(bp, bt, "z")?,
            Dimension::Length,
        )?,
    })
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

pub(crate) fn face(
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

pub(crate) fn part_names(
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
