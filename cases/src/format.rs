//! The case format: a case file's TOML tree (overrides and variant already
//! applied) read into a [`Case`], every key checked, every quantity with
//! its unit. The format is documented in `cases/README.md`.

use crate::case::{Case, CaseError, Roles, Supports};
use crate::fields::{integer, table};
use crate::part::{face, parse_parts, part_names, CasePart};
use crate::recipe::format::Recipe;
use materials::library::Library;
use materials::toml_reader::{TomlError, TomlReader};
use materials::units::Dimension;
use mesher::package::{MeshControls, Symmetry};
use mesher::CellKind;
use std::path::Path;
use toml::Value;

/// Top-level keys of a case file.
const TOP_LEVEL: [&str; 10] = [
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
];

impl Case {
    /// Parses case text; `file` names it in errors, `dir` resolves a
    /// `library = "…"` path.
    pub fn from_toml(text: &str, file: &str, dir: Option<&Path>) -> Result<Case, CaseError> {
        let r = TomlReader::new(file);
        let doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| r.err("TOML", e.to_string()))?;
        Self::from_table(doc, file, dir)
    }

    /// Reads a case's TOML tree; `file` names it in errors, `dir` resolves
    /// relative paths (a library, a recipe's CSV tables).
    pub(crate) fn from_table(
        doc: toml::Table,
        file: &str,
        dir: Option<&Path>,
    ) -> Result<Case, CaseError> {
        let r = TomlReader::new(file);
        r.only("top level", &doc, &TOP_LEVEL)?;
        let head = table(&r, "case", r.field("top level", &doc, "case")?)?;
        r.only("case", head, &["name", "description"])?;
        let name = r.string("case", head, "name")?;
        r.file_name("case.name", &name)?;
        let description = r
            .optional_string("case", head, "description")?
            .unwrap_or("")
            .to_string();
        let library = library(&r, &doc, file, dir)?;
        let (stress_free, room) = temperatures(&r, &doc)?;
        let parts = parse_parts(&r, &doc, &library)?;
        let controls = mesh_controls(&r, &doc)?;
        let supports = supports(&r, &doc, &parts)?;
        let roles = match doc.get("results") {
            None => Roles::default(),
            Some(v) => roles(&r, v, &parts)?,
        };
        let process = match doc.get("process") {
            None => None,
            Some(v) => Some(Recipe::parse(&r, v, &parts, &library, dir)?),
        };
        Ok(Case {
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
            process,
        })
    }
}

/// The bundled library, extended by `library = "file.toml"` and the
/// file's own `[[material]]` entries.
fn library(
    r: &TomlReader<'_>,
    doc: &toml::Table,
    file: &str,
    dir: Option<&Path>,
) -> Result<Library, CaseError> {
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
    Ok(library)
}

/// `[temperatures]`: the stress-free and the room temperature, °C.
fn temperatures(r: &TomlReader<'_>, doc: &toml::Table) -> Result<(f64, f64), TomlError> {
    let temps = table(
        r,
        "temperatures",
        r.field("top level", doc, "temperatures")?,
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
    Ok((stress_free, room))
}

/// `[supports]`: how the package is held.
fn supports(
    r: &TomlReader<'_>,
    doc: &toml::Table,
    parts: &[CasePart],
) -> Result<Supports, TomlError> {
    let sup = table(r, "supports", r.field("top level", doc, "supports")?)?;
    r.only("supports", sup, &["type", "face"])?;
    let f = face(r, "supports.face", r.field("supports", sup, "face")?, parts)?;
    match r
        .optional_string("supports", sup, "type")?
        .unwrap_or("3-2-1")
    {
        "3-2-1" => Ok(Supports::ThreeTwoOne(f)),
        "fixed" => Ok(Supports::Fixed(f)),
        "stage" => Ok(Supports::Stage(f)),
        other => Err(r.err(
            "supports.type",
            format!("'{other}': expected \"3-2-1\", \"fixed\" or \"stage\""),
        )),
    }
}

/// `[results]`: which faces and parts the summary reports as what.
fn roles(r: &TomlReader<'_>, v: &Value, parts: &[CasePart]) -> Result<Roles, TomlError> {
    let t = table(r, "results", v)?;
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
            .map(|(i, f)| face(r, &format!("results.warpage[{i}]"), f, parts))
            .collect::<Result<_, _>>()?,
    };
    let die = match t.get("die") {
        None => None,
        Some(v) => Some(
            part_names(
                r,
                "results.die",
                Some(&Value::Array(vec![v.clone()])),
                parts,
            )?
            .remove(0),
        ),
    };
    Ok(Roles {
        warpage,
        bumps: part_names(r, "results.bumps", t.get("bumps"), parts)?,
        adhesives: part_names(r, "results.adhesives", t.get("adhesives"), parts)?,
        die,
        watch: part_names(r, "results.watch", t.get("watch"), parts)?,
    })
}

fn mesh_controls(r: &TomlReader<'_>, doc: &toml::Table) -> Result<MeshControls, TomlError> {
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
    let kind = match r
        .optional_string("mesh", m, "element")?
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
    let symmetry = match r.optional_string("mesh", m, "symmetry")?.unwrap_or("full") {
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
