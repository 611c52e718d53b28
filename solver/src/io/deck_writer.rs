//! Writes a [`Model`] as an Abaqus/CalculiX keyword deck that CalculiX runs
//! as it is: every step restates its constraints (`OP=NEW`), temperatures
//! and loads, and asks for nodal displacements and integration-point
//! stresses in the `.dat` file.

use crate::model::Model;
use materials::plastic::Hardening;
use materials::{Elastic, Expansion, ExpansionTable, Material, Table};
use std::io::{self, Write};

/// Why a model cannot be written as a deck.
#[derive(Debug, thiserror::Error)]
pub enum DeckWriteError {
    #[error("part {0} has cells of several materials; a deck section needs one")]
    MixedMaterials(String),
    #[error("{0}")]
    StressFree(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

fn set_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes the whole model as a deck. CalculiX reads at most 20 characters a
/// field and 132 a line, so coordinates, temperatures and loads carry 13
/// significant digits and material constants 10; pkgstress reads the deck
/// back with exactly the numbers CalculiX sees.
pub fn write_deck(model: &Model, w: &mut impl Write) -> Result<(), DeckWriteError> {
    write_deck_with_changes(model, &[], w)
}

/// Element birth and death at the start of one step (Abaqus/CalculiX
/// `*MODEL CHANGE`): cells (global indices) removed, and cells added
/// strain-free (`ADD=STRAIN FREE`: stress only from what happens after).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelChange {
    pub remove: Vec<usize>,
    pub add: Vec<usize>,
}

/// [`write_deck`] with a [`ModelChange`] for each step (`changes` empty, or
/// one per step).
pub fn write_deck_with_changes(
    model: &Model,
    changes: &[ModelChange],
    w: &mut impl Write,
) -> Result<(), DeckWriteError> {
    let part_material = part_materials(model)?;
    writeln!(
        w,
        "*HEADING\nWritten by pkgstress {}",
        env!("CARGO_PKG_VERSION")
    )?;
    write_mesh(w, model, &part_material)?;
    let nonlinear = changes.iter().any(|c| !c.add.is_empty());
    write_materials(w, model, &part_material, nonlinear)?;
    writeln!(w, "*INITIAL CONDITIONS, TYPE=TEMPERATURE")?;
    write_temperatures(w, model, &model.initial_temperature)?;
    write_steps(w, model, changes)?;
    Ok(())
}

/// Nodes, elements by block and part, the `EALL` set of the parts with a
/// material, and the node sets.
fn write_mesh(
    w: &mut impl Write,
    model: &Model,
    part_material: &[Option<usize>],
) -> io::Result<()> {
    let mesh = &model.mesh;
    writeln!(w, "*NODE, NSET=NALL")?;
    for (x, id) in mesh.coordinates.iter().zip(&mesh.node_ids) {
        writeln!(w, "{id}, {:.12e}, {:.12e}, {:.12e}", x[0], x[1], x[2])?;
    }
    let mut cell = 0;
    for block in &mesh.blocks {
        for p in 0..mesh.part_names.len() {
            let cells: Vec<usize> = (0..block.len())
                .filter(|&c| mesh.cell_part[cell + c] == p)
                .collect();
            if cells.is_empty() {
                continue;
            }
            writeln!(
                w,
                "*ELEMENT, TYPE={}, ELSET={}",
                block.kind.abaqus_name(),
                set_name(&mesh.part_names[p])
            )?;
            for c in cells {
                write_element(
                    w,
                    block.cell_ids[c],
                    block.cell(c).iter().map(|&v| mesh.node_ids[v]),
                )?;
            }
        }
        cell += block.len();
    }
    writeln!(w, "*ELSET, ELSET=EALL")?;
    for name in mesh
        .part_names
        .iter()
        .enumerate()
        .filter(|(p, _)| part_material[*p].is_some())
    {
        writeln!(w, "{},", set_name(name.1))?;
    }
    for (name, nodes) in &mesh.node_sets {
        if nodes.is_empty() {
            continue;
        }
        writeln!(w, "*NSET, NSET={}", set_name(name))?;
        for chunk in nodes.chunks(10) {
            let ids: Vec<String> = chunk
                .iter()
                .map(|&v| mesh.node_ids[v].to_string())
                .collect();
            writeln!(w, "{},", ids.join(", "))?;
        }
    }
    Ok(())
}

/// The materials in use (with a never-reached yield stress on one when
/// cells are born strain-free, which CalculiX needs), a derived material
/// per part with its own stress-free temperature, and the sections.
fn write_materials(
    w: &mut impl Write,
    model: &Model,
    part_material: &[Option<usize>],
    mut nonlinear: bool,
) -> Result<(), DeckWriteError> {
    let mesh = &model.mesh;
    for (m, material) in model.materials.iter().enumerate() {
        if !part_material.contains(&Some(m)) {
            continue;
        }
        write_material(w, material)?;
        if model.is_path_dependent() {
            nonlinear = false; // nonlinear already
        }
        if nonlinear && matches!(material.elastic, Elastic::Isotropic(_)) {
            writeln!(
                w,
                "** CalculiX adds elements strain-free (*MODEL CHANGE, ADD=STRAIN FREE) only in\n\
                 ** nonlinear analyses: this yield stress, never reached, makes it one.\n\
                 *PLASTIC\n1.e9, 0."
            )?;
            nonlinear = false;
        }
    }
    let mut section_material: Vec<Option<String>> = part_material
        .iter()
        .map(|m| m.map(|m| model.materials[m].name.clone()))
        .collect();
    for (p, name) in mesh.part_names.iter().enumerate() {
        let (Some(m), Some(ts)) = (
            part_material[p],
            model.part_stress_free_temperature.get(p).copied().flatten(),
        ) else {
            continue;
        };
        let derived = stress_free_material(
            model,
            &model.materials[m],
            ts,
            &format!("{}_SF_{}", model.materials[m].name, name),
        )?;
        write_material(w, &derived)?;
        section_material[p] = Some(derived.name);
    }
    for (p, name) in mesh.part_names.iter().enumerate() {
        if let Some(m) = &section_material[p] {
            writeln!(
                w,
                "*SOLID SECTION, ELSET={}, MATERIAL={}",
                set_name(name),
                set_name(m)
            )?;
        }
    }
    Ok(())
}

/// One static step per model step: its model change, constraints,
/// temperatures, loads and output requests.
fn write_steps(w: &mut impl Write, model: &Model, changes: &[ModelChange]) -> io::Result<()> {
    let mesh = &model.mesh;
    let cell_ids: Vec<u64> = mesh
        .blocks
        .iter()
        .flat_map(|b| b.cell_ids.iter().copied())
        .collect();
    let mut previous_time = 0.0;
    for (i, step) in model.steps.iter().enumerate() {
        // one increment the length of the step (what a linear step is); a
        // path-dependent step's increments
        let dt = step.time - previous_time;
        if model.is_path_dependent() {
            let inc = step.increments;
            let count = (1.0 / inc.initial).ceil() as usize;
            // *VISCO without CETOL runs fixed increments (Abaqus)
            let procedure = match (step.visco, inc.fixed) {
                (false, true) => "*STATIC, DIRECT",
                (false, false) => "*STATIC",
                (true, true) => "*VISCO",
                (true, false) => "*VISCO, CETOL=1e-3",
            };
            writeln!(
                w,
                "*STEP, INC={}\n{procedure}\n{:.12e}, {dt:.12e}, {:.12e}, {:.12e}",
                (20 * count).max(100),
                inc.initial * dt,
                inc.min * dt,
                inc.max * dt,
            )?;
        } else {
            writeln!(w, "*STEP\n*STATIC\n{dt:.12e}, {dt:.12e}")?;
        }
        previous_time = step.time;
        if let Some(change) = changes.get(i) {
            for (cells, how) in [(&change.remove, "REMOVE"), (&change.add, "ADD=STRAIN FREE")] {
                if cells.is_empty() {
                    continue;
                }
                writeln!(w, "*MODEL CHANGE, TYPE=ELEMENT, {how}")?;
                for chunk in cells.chunks(8) {
                    let ids: Vec<String> = chunk.iter().map(|&c| cell_ids[c].to_string()).collect();
                    writeln!(w, "{},", ids.join(", "))?;
                }
            }
        }
        writeln!(w, "*BOUNDARY, OP=NEW")?;
        for (&(v, d), &value) in &step.constraints {
            writeln!(
                w,
                "{}, {}, {}, {value:.12e}",
                mesh.node_ids[v],
                d + 1,
                d + 1
            )?;
        }
        writeln!(w, "*TEMPERATURE")?;
        write_temperatures(w, model, &step.temperature)?;
        writeln!(w, "*CLOAD, OP=NEW")?;
        for (&(v, d), &f) in &step.loads {
            writeln!(w, "{}, {}, {f:.12e}", mesh.node_ids[v], d + 1)?;
        }
        writeln!(
            w,
            "*NODE PRINT, NSET=NALL\nU\n*EL PRINT, ELSET=EALL\nS{}\n*END STEP",
            if model.is_path_dependent() {
                "\n*EL PRINT, ELSET=EALL\nPEEQ"
            } else {
                ""
            }
        )?;
    }
    Ok(())
}

/// Nodal temperatures: one `NALL` line when uniform, else one line a node.
fn write_temperatures(w: &mut impl Write, model: &Model, temps: &[f64]) -> io::Result<()> {
    match temps.first() {
        Some(&t0) if temps.iter().all(|&t| t == t0) => writeln!(w, "NALL, {t0:.12e}"),
        _ => {
            for (id, t) in model.mesh.node_ids.iter().zip(temps) {
                writeln!(w, "{id}, {t:.12e}")?;
            }
            Ok(())
        }
    }
}

/// A copy of `material` whose expansion makes CalculiX's
/// `ε = α(T)(T − Z) − α(T₀)(T₀ − Z)` equal the part's own thermal strain
/// `ε_p(T) = α(T)(T − T_ref) − α(T_s)(T_s − T_ref)` for a part stress-free
/// at `T_s` in a model whose (uniform) initial temperature is `T₀`: with
/// `Z = T₀` the second term vanishes, and `α′(T) = ε_p(T) / (T − T₀)` is
/// tabulated at every temperature of every step (exact there) and every
/// 5 °C from −60 to 400 °C.
fn stress_free_material(
    model: &Model,
    material: &Material,
    ts: f64,
    name: &str,
) -> Result<Material, DeckWriteError> {
    let t0 = model.initial_temperature.first().copied().unwrap_or(0.0);
    if model.initial_temperature.iter().any(|&t| t != t0) {
        return Err(DeckWriteError::StressFree(format!(
            "part stress-free temperatures need a uniform initial temperature to be written for CalculiX (material {})",
            material.name
        )));
    }
    let mut temps: Vec<f64> = (0..=92).map(|k| -60.0 + 5.0 * k as f64).collect();
    for step in &model.steps {
        let mut ts: Vec<f64> = step.temperature.clone();
        ts.sort_by(f64::total_cmp);
        ts.dedup();
        if ts.len() > 2000 {
            return Err(DeckWriteError::StressFree("step temperature fields with more than 2000 distinct values cannot be tabulated exactly".into()));
        }
        temps.extend(ts);
    }
    temps.retain(|t| (t - t0).abs() > 1e-9);
    temps.sort_by(f64::total_cmp);
    temps.dedup();
    if model
        .steps
        .iter()
        .any(|s| s.temperature.iter().any(|&t| (t - t0).abs() <= 1e-9))
    {
        return Err(DeckWriteError::StressFree(format!(
            "a step reaches the initial temperature {t0} C, where a part with its own stress-free temperature cannot be written for CalculiX"
        )));
    }
    let row = |t: f64| -> [f64; 3] {
        let e = material.thermal_strain(t, ts);
        [e[0] / (t - t0), e[1] / (t - t0), e[2] / (t - t0)]
    };
    let isotropic = matches!(
        material.expansion.as_ref().map(|e| &e.alpha),
        Some(ExpansionTable::Isotropic(_)) | None
    );
    let alpha = if isotropic {
        ExpansionTable::Isotropic(
            Table::new(temps.iter().map(|&t| (t, [row(t)[0]])).collect()).expect("increasing"),
        )
    } else {
        ExpansionTable::Orthotropic(
            Table::new(temps.iter().map(|&t| (t, row(t))).collect()).expect("increasing"),
        )
    };
    Ok(Material {
        name: name.to_string(),
        elastic: material.elastic.clone(),
        expansion: Some(Expansion {
            reference_temperature: t0,
            alpha,
        }),
        plastic: material.plastic.clone(),
        viscoelastic: material.viscoelastic.clone(),
        elastic_equivalent: None,
    })
}

/// The single material of each part (None for a part without cells).
fn part_materials(model: &Model) -> Result<Vec<Option<usize>>, DeckWriteError> {
    let mesh = &model.mesh;
    let mut out = vec![None; mesh.part_names.len()];
    for (cell, &p) in mesh.cell_part.iter().enumerate() {
        let m = model.cell_material[cell];
        match out[p] {
            None => out[p] = Some(m),
            Some(q) if q != m => {
                return Err(DeckWriteError::MixedMaterials(mesh.part_names[p].clone()))
            }
            _ => {}
        }
    }
    Ok(out)
}

/// An element line: id and up to 15 nodes, then continuation lines of 16.
fn write_element(w: &mut impl Write, id: u64, nodes: impl Iterator<Item = u64>) -> io::Result<()> {
    let nodes: Vec<String> = nodes.map(|n| n.to_string()).collect();
    let first = nodes.len().min(15);
    write!(w, "{id}, {}", nodes[..first].join(", "))?;
    for chunk in nodes[first..].chunks(16) {
        write!(w, ",\n{}", chunk.join(", "))?;
    }
    writeln!(w)
}

fn write_material(w: &mut impl Write, m: &materials::Material) -> io::Result<()> {
    writeln!(w, "*MATERIAL, NAME={}", set_name(&m.name))?;
    match &m.elastic {
        Elastic::Isotropic(t) => {
            let moduli = if m.viscoelastic.is_some() {
                ", MODULI=INSTANTANEOUS"
            } else {
                ""
            };
            writeln!(w, "*ELASTIC, TYPE=ISO{moduli}")?;
            for (temp, [e, nu]) in t.rows() {
                writeln!(w, "{e:.9e}, {nu:.9e}, {temp:.9e}")?;
            }
        }
        Elastic::Orthotropic(t) => {
            writeln!(w, "*ELASTIC, TYPE=ENGINEERING CONSTANTS")?;
            for (temp, c) in t.rows() {
                let first: Vec<String> = c[..8].iter().map(|v| format!("{v:.9e}")).collect();
                writeln!(w, "{},\n{:.9e}, {temp:.9e}", first.join(", "), c[8])?;
            }
        }
    }
    if let Some(p) = &m.plastic {
        let kind = match p.hardening {
            Hardening::Isotropic => "ISOTROPIC",
            Hardening::Kinematic => "KINEMATIC",
        };
        writeln!(w, "*PLASTIC, HARDENING={kind}")?;
        for (temp, rows) in &p.curves {
            for (e, s) in rows {
                writeln!(w, "{s:.9e}, {e:.9e}, {temp:.9e}")?;
            }
        }
    }
    if let Some(v) = &m.viscoelastic {
        write_viscoelastic(w, v)?;
    }
    if let Some(exp) = &m.expansion {
        match &exp.alpha {
            ExpansionTable::Isotropic(t) => {
                writeln!(
                    w,
                    "*EXPANSION, TYPE=ISO, ZERO={:.9e}",
                    exp.reference_temperature
                )?;
                for (temp, [a]) in t.rows() {
                    writeln!(w, "{a:.9e}, {temp:.9e}")?;
                }
            }
            ExpansionTable::Orthotropic(t) => {
                writeln!(
                    w,
                    "*EXPANSION, TYPE=ORTHO, ZERO={:.9e}",
                    exp.reference_temperature
                )?;
                for (temp, [a, b, c]) in t.rows() {
                    writeln!(w, "{a:.9e}, {b:.9e}, {c:.9e}, {temp:.9e}")?;
                }
            }
        }
    }
    Ok(())
}

/// `*VISCOELASTIC, TIME=PRONY` rows `g, k, τ` and the `*TRS` shift.
fn write_viscoelastic(
    w: &mut impl Write,
    v: &materials::viscoelastic::Viscoelasticity,
) -> io::Result<()> {
    use materials::viscoelastic::Shift;
    writeln!(w, "*VISCOELASTIC, TIME=PRONY")?;
    for p in &v.terms {
        writeln!(w, "{:.12e}, {:.12e}, {:.12e}", p.shear, p.bulk, p.time)?;
    }
    match v.shift {
        Shift::None => Ok(()),
        Shift::Wlf { reference, c1, c2 } => writeln!(
            w,
            "*TRS, DEFINITION=WLF\n{reference:.12e}, {c1:.12e}, {c2:.12e}"
        ),
        Shift::Arrhenius {
            reference,
            activation,
        } => writeln!(
            w,
            "*TRS, DEFINITION=ARRHENIUS\n{reference:.12e}, {activation:.12e}"
        ),
    }
}
