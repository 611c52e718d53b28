//! Reader for the subset of the Abaqus/CalculiX keyword format that
//! describes linear thermo-elastic static analyses (see the README for the
//! list). Errors name the file, the line and the keyword; nothing in a deck
//! can make the reader panic.

mod changes;
mod error;
mod lines;
mod mesh;
mod sections;
mod steps;
mod viscoelastic;

pub use error::DeckError;

use crate::model::{Model, Step};
use lines::{cards, err_at, load_lines, Card, Line};
use materials::{Elastic, Material};
use mesher::{CellBlock, CellKind, Mesh};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::rc::Rc;

/// A deck read into a model, with warnings about accepted-but-ignored input.
#[derive(Debug)]
pub struct Deck {
    pub model: Model,
    pub warnings: Vec<String>,
    /// The `*MODEL CHANGE` of each step (one per step, mostly empty): the
    /// cells (global indices) removed, and added strain-free, at its start.
    pub changes: Vec<crate::io::deck_writer::ModelChange>,
}

/// Reads a deck file (following `*INCLUDE`).
pub fn read_deck(path: &Path) -> Result<Deck, DeckError> {
    let mut lines = Vec::new();
    load_lines(path, &mut lines, 0, None)?;
    parse_lines(lines, path)
}

/// Parses deck text; `file` names it in errors.
pub fn parse_deck(text: &str, file: &Path) -> Result<Deck, DeckError> {
    let file = Rc::new(file.to_path_buf());
    let lines = text
        .lines()
        .enumerate()
        .map(|(i, t)| Line {
            file: file.clone(),
            number: i + 1,
            text: t.to_string(),
        })
        .collect();
    parse_lines(lines, &file)
}

/// The state of the reader while it walks the cards.
struct Reader {
    mesh: Mesh,
    node_index: HashMap<u64, usize>,
    /// element id -> (kind, local index in that kind's block)
    element_index: HashMap<u64, (CellKind, usize)>,
    /// The corner Jacobian check of each kind met so far.
    corner_checks: HashMap<CellKind, crate::values::CornerCheck>,
    blocks: BTreeMap<CellKind, CellBlock>,
    node_sets: BTreeMap<String, BTreeSet<usize>>,
    element_sets: BTreeMap<String, BTreeSet<u64>>,
    materials: Vec<Material>,
    /// Elastic data seen for the material being defined.
    current_material: Option<usize>,
    sections: Vec<(String, String, Line)>,
    initial: BTreeMap<usize, f64>,
    // step state (carried over between steps)
    constraints: BTreeMap<(usize, usize), f64>,
    loads: BTreeMap<(usize, usize), f64>,
    temperatures: BTreeMap<usize, f64>,
    in_step: Option<(String, f64, Line)>,
    /// The increments of the open step's `*STATIC` (fractions of its period).
    step_increments: crate::model::Increments,
    /// Whether the open step is a `*VISCO` one.
    step_visco: bool,
    /// The `*MODEL CHANGE` cards of the open step, and of each step read.
    step_change: changes::StepChange,
    changes: Vec<changes::StepChange>,
    /// The viscoelastic cards of each material (by index).
    viscous: BTreeMap<usize, viscoelastic::ViscousCards>,
    time: f64,
    steps: Vec<(Step, BTreeMap<usize, f64>)>,
    warnings: Vec<String>,
}

fn parse_lines(lines: Vec<Line>, path: &Path) -> Result<Deck, DeckError> {
    let mut r = Reader {
        mesh: Mesh::default(),
        node_index: HashMap::new(),
        element_index: HashMap::new(),
        corner_checks: HashMap::new(),
        blocks: BTreeMap::new(),
        node_sets: BTreeMap::new(),
        element_sets: BTreeMap::new(),
        materials: Vec::new(),
        current_material: None,
        sections: Vec::new(),
        initial: BTreeMap::new(),
        constraints: BTreeMap::new(),
        loads: BTreeMap::new(),
        temperatures: BTreeMap::new(),
        in_step: None,
        step_increments: Default::default(),
        step_visco: false,
        step_change: Default::default(),
        changes: Vec::new(),
        viscous: BTreeMap::new(),
        time: 0.0,
        steps: Vec::new(),
        warnings: Vec::new(),
    };
    let first_line = lines.first().cloned();
    for card in cards(lines)? {
        r.card(&card)?;
    }
    if let Some((name, _, line)) = &r.in_step {
        return Err(err_at(line, format!("*STEP '{name}' has no *END STEP")));
    }
    let Some(first) = first_line else {
        return Err(DeckError {
            file: path.to_path_buf(),
            line: 0,
            message: "the deck is empty".into(),
        });
    };
    r.finish(&first)
}

impl Reader {
    fn card(&mut self, c: &Card) -> Result<(), DeckError> {
        match c.keyword.as_str() {
            "HEADING" | "NODE FILE" | "EL FILE" | "NODE PRINT" | "EL PRINT" | "NODE OUTPUT" | "ELEMENT OUTPUT"
            | "OUTPUT" => Ok(()),
            "NODE" => self.nodes(c),
            "ELEMENT" => self.elements(c),
            "NSET" => self.node_set(c),
            "ELSET" => self.element_set(c),
            "MATERIAL" => c.no_data().and_then(|_| self.material(c)),
            "ELASTIC" => self.elastic(c),
            "EXPANSION" => self.expansion(c),
            "PLASTIC" => self.plastic(c),
            "VISCOELASTIC" => self.viscoelastic(c),
            "TRS" => self.trs(c),
            "SOLID SECTION" => self.solid_section(c),
            "BOUNDARY" => self.boundary(c),
            "INITIAL CONDITIONS" => self.initial_conditions(c),
            "TEMPERATURE" => self.temperature(c),
            "CLOAD" => self.cload(c),
            "STEP" => c.no_data().and_then(|_| self.step(c)),
            "STATIC" => self.static_procedure(c, false),
            "VISCO" => self.static_procedure(c, true),
            "CONTROLS" => self.controls(c),
            "END STEP" => c.no_data().and_then(|_| self.end_step(c)),
            "MODEL CHANGE" => self.model_change(c),
            other => Err(c.err(format!(
                "keyword *{other} is not supported by pkgstress (see the README for the supported subset)"
            ))),
        }
    }

    /// The model the cards describe: cells numbered block by block, a part
    /// and material per cell from the sections, each step's temperatures.
    fn finish(mut self, first: &Line) -> Result<Deck, DeckError> {
        let fail = |m: String| err_at(first, m);
        if self.steps.is_empty() {
            return Err(fail(
                "the deck has no *STEP ... *END STEP: nothing to solve".into(),
            ));
        }
        self.resolve_viscoelastic()?;
        let offsets = self.number_cells();
        let (cell_part, cell_material) = self.sections_per_cell(&offsets, first)?;
        let global = |id: &u64| {
            let (kind, local) = self.element_index[id];
            offsets[&kind] + local
        };
        self.mesh.cell_part = cell_part;
        self.mesh.node_sets = self
            .node_sets
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().copied().collect()))
            .collect();
        self.mesh.cell_sets = self
            .element_sets
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().map(&global).collect()))
            .collect();
        let changes = self
            .changes
            .iter()
            .map(|c| crate::io::deck_writer::ModelChange {
                remove: c.remove.iter().map(&global).collect(),
                add: c.add.iter().map(&global).collect(),
            })
            .collect();
        let n = self.mesh.num_nodes();
        let mut initial = vec![0.0; n];
        for (&v, &t) in &self.initial {
            initial[v] = t;
        }
        let steps = self
            .steps
            .into_iter()
            .map(|(mut step, temps)| {
                step.temperature = initial.clone();
                for (v, t) in temps {
                    step.temperature[v] = t;
                }
                step
            })
            .collect();
        Ok(Deck {
            model: Model {
                mesh: self.mesh,
                materials: self.materials,
                thermal: Vec::new(),
                cell_material,
                initial_temperature: initial,
                part_stress_free_temperature: Vec::new(),
                steps,
            },
            warnings: self.warnings,
            changes,
        })
    }

    /// Moves the element blocks into the mesh; returns the first global
    /// cell of each kind's block.
    fn number_cells(&mut self) -> BTreeMap<CellKind, usize> {
        let mut offsets = BTreeMap::new();
        let mut offset = 0;
        for (kind, block) in std::mem::take(&mut self.blocks) {
            offsets.insert(kind, offset);
            offset += block.len();
            self.mesh.blocks.push(block);
        }
        offsets
    }

    /// The part and the material of every cell, from the sections (`offsets`:
    /// the first global cell of each kind); every cell needs exactly one.
    fn sections_per_cell(
        &mut self,
        offsets: &BTreeMap<CellKind, usize>,
        first: &Line,
    ) -> Result<(Vec<usize>, Vec<usize>), DeckError> {
        let global = |id: &u64| {
            let (kind, local) = self.element_index[id];
            offsets[&kind] + local
        };
        let cells = self.mesh.num_cells();
        if cells == 0 {
            return Err(err_at(first, "the deck defines no elements".into()));
        }
        let mut cell_material = vec![usize::MAX; cells];
        let mut cell_part = vec![usize::MAX; cells];
        for (elset, material, line) in &self.sections {
            let m = self
                .materials
                .iter()
                .position(|x| &x.name == material)
                .ok_or_else(|| {
                    err_at(
                        line,
                        format!("*SOLID SECTION: material {material} is not defined"),
                    )
                })?;
            let mat = &self.materials[m];
            if matches!(&mat.elastic, Elastic::Isotropic(t) if t.at(0.0)[0] == 0.0) {
                return Err(err_at(
                    line,
                    format!("*SOLID SECTION: material {material} has no *ELASTIC data"),
                ));
            }
            let set = self.element_sets.get(elset).ok_or_else(|| {
                err_at(
                    line,
                    format!("*SOLID SECTION: element set {elset} is not defined"),
                )
            })?;
            if set.is_empty() {
                self.warnings.push(format!(
                    "{}:{}: *SOLID SECTION: element set {elset} is empty",
                    line.file.display(),
                    line.number
                ));
            }
            let part = self.mesh.part_index(elset);
            for id in set {
                let g = global(id);
                if cell_material[g] != usize::MAX {
                    return Err(err_at(
                        line,
                        format!("*SOLID SECTION: element {id} already has a section"),
                    ));
                }
                cell_material[g] = m;
                cell_part[g] = part;
            }
        }
        if let Some(g) = cell_material.iter().position(|&m| m == usize::MAX) {
            let id = self
                .mesh
                .cells()
                .find(|c| c.0 == g)
                .map(|(_, b, c)| self.mesh.blocks[b].cell_ids[c])
                .unwrap_or(0);
            return Err(err_at(
                first,
                format!("element {id} has no *SOLID SECTION (every element needs a material)"),
            ));
        }
        Ok((cell_part, cell_material))
    }
}
