//! The analysis model handed to the solver: mesh, a material per cell, the
//! initial (stress-free) temperature and the load steps, each with its
//! complete state (constraints, loads, temperatures). Input formats build
//! it; the solver never sees their syntax.

use materials::library::ThermalProperties;
use materials::Material;
use mesher::Mesh;
use std::collections::BTreeMap;

/// How a path-dependent step is divided into increments, as fractions of
/// the step (a linear step is solved at once whatever they say).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Increments {
    /// The first increment.
    pub initial: f64,
    /// The smallest increment a cutback may reach.
    pub min: f64,
    /// The largest increment growth may reach.
    pub max: f64,
    /// Fixed increments (`*STATIC, DIRECT`): no cutback, no growth.
    pub fixed: bool,
}

impl Default for Increments {
    /// The whole step in one increment, cut back down to 1e-5 of it.
    fn default() -> Self {
        Increments {
            initial: 1.0,
            min: 1e-5,
            max: 1.0,
            fixed: false,
        }
    }
}

/// One static load step with the complete state at its end.
#[derive(Clone, Debug)]
pub struct Step {
    pub name: String,
    /// Total time at the end of the step, s.
    pub time: f64,
    /// Prescribed displacements `(node, direction) → value`, mm.
    pub constraints: BTreeMap<(usize, usize), f64>,
    /// Concentrated forces `(node, direction) → value`, N.
    pub loads: BTreeMap<(usize, usize), f64>,
    /// Nodal temperatures, °C.
    pub temperature: Vec<f64>,
    /// Increments of a path-dependent step.
    pub increments: Increments,
    /// Whether materials respond over the step's time (Abaqus's and
    /// CalculiX's `*VISCO`: viscoelastic materials relax from the previous
    /// step's time to this one's); `false` (`*STATIC`): instantaneously.
    pub visco: bool,
}

#[derive(Clone, Debug)]
pub struct Model {
    pub mesh: Mesh,
    pub materials: Vec<Material>,
    /// Thermal properties (conductivity, density, specific heat) of each
    /// material, indexed like `materials`, for heat conduction; empty or
    /// `None` where a material has none (a static deck needs none).
    pub thermal: Vec<Option<ThermalProperties>>,
    /// Material index of every cell (global cell index).
    pub cell_material: Vec<usize>,
    /// Initial nodal temperatures, °C: the stress-free state.
    pub initial_temperature: Vec<f64>,
    /// Per part (indexed like `mesh.part_names`), a stress-free temperature
    /// (°C) that replaces the nodal initial temperature in that part's cells;
    /// empty or `None` where the nodal one applies.
    pub part_stress_free_temperature: Vec<Option<f64>>,
    pub steps: Vec<Step>,
}

impl Model {
    /// The stress-free temperature override of the part of `cell`, if any, °C.
    pub fn stress_free_override(&self, cell: usize) -> Option<f64> {
        self.part_stress_free_temperature
            .get(self.mesh.cell_part[cell])
            .copied()
            .flatten()
    }

    /// Whether some material's response depends on the path (plasticity):
    /// its steps are then solved in increments with Newton iterations.
    pub fn is_path_dependent(&self) -> bool {
        self.materials.iter().any(|m| m.is_path_dependent())
    }

    /// Whether each node belongs to at least one cell.
    pub fn used_nodes(&self) -> Vec<bool> {
        let mut used = vec![false; self.mesh.num_nodes()];
        for block in &self.mesh.blocks {
            for &v in &block.connectivity {
                used[v] = true;
            }
        }
        used
    }
}
