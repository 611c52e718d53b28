//! A case becomes a mesh and an analysis model: stress-free at the bonding
//! temperature (or each part's own), one step at room temperature, held by
//! the supports and the symmetry planes.

use crate::case::{Case, CaseError};
use mesher::package::{package_grid, PartGeometry};
use mesher::{CellKind, Mesh};
use solver::memory;
use solver::model::{Model, Step};
use std::collections::BTreeMap;

/// What to change when a mesh would not fit.
const MESH_ADVICE: &str = "coarsen mesh.size, lower mesh.layers or mesh.across_bumps, use mesh.symmetry = \"quarter\", or raise --max-memory if the machine has more";

impl Case {
    /// The case coarsened for a quick look (`--quick`): C3D8I cells, one
    /// element through each layer (parts' own layer counts dropped) and
    /// across each bump, and twice the in-plane size.
    pub fn quick(mut self) -> Case {
        self.controls.kind = CellKind::Hex8I;
        self.controls.layers = 1;
        for p in &mut self.parts {
            p.geometry.layers = None;
        }
        self.controls.across_prisms = 1;
        self.controls.size *= 2.0;
        self
    }

    /// The case with every material's elastic part only (`--elastic`): the
    /// plasticity and viscoelasticity of the library and the case's own
    /// materials dropped (a viscoelastic material takes its elastic
    /// equivalent, the library's datasheet table), so a run is the linear
    /// thermo-elastic one.
    pub fn elastic(mut self) -> Case {
        for m in &mut self.library.materials {
            m.material = m.material.clone().elastic_part();
        }
        self
    }

    /// Names of the parts that set their own `layers`.
    pub fn parts_with_own_layers(&self) -> Vec<String> {
        self.parts
            .iter()
            .filter(|p| p.geometry.layers.is_some())
            .map(|p| p.geometry.name.clone())
            .collect()
    }

    /// The mesh of the case, refused before it is built when the mesh alone
    /// would not fit in the memory budget ([`solver::memory`]).
    pub fn mesh(&self) -> Result<Mesh, CaseError> {
        self.checked_mesh(false)
    }

    /// The mesh, refused before it is built when the mesh (and, with
    /// `solve`, the cheapest solve of it) would not fit in the budget.
    fn checked_mesh(&self, solve: bool) -> Result<Mesh, CaseError> {
        let fail = |message: String| CaseError::Mesh {
            file: self.file.clone(),
            message,
        };
        let geometry: Vec<PartGeometry> = self.parts.iter().map(|p| p.geometry.clone()).collect();
        let grid = package_grid(&geometry, &self.controls).map_err(|e| fail(e.to_string()))?;
        let size = grid.size();
        let quadratic = self.controls.kind.nodes_per_cell() > 8;
        let mut estimate = memory::mesh_estimate(size.nodes, size.mesh_bytes(), quadratic);
        if !solve {
            estimate.solve = 0;
            estimate.solver = "no solve";
        }
        let what = format!(
            "a mesh of {} cells and about {} nodes",
            size.cells, size.nodes
        );
        memory::check(&what, &estimate, MESH_ADVICE).map_err(|e| fail(e.to_string()))?;
        let mesh = grid.mesh().map_err(|e| fail(e.to_string()))?;
        for p in &self.parts {
            if !mesh.cell_part.contains(
                &mesh
                    .part_names
                    .iter()
                    .position(|n| n == &p.geometry.name)
                    .unwrap_or(usize::MAX),
            ) {
                return Err(fail(format!("part '{}' received no cells: earlier parts cover it, or the symmetry clips it away", p.geometry.name)));
            }
        }
        Ok(mesh)
    }

    /// The analysis model: stress-free at the bonding temperature (or each
    /// part's own), one step at room temperature, held by the supports and
    /// the symmetry planes; each material with its thermal properties from
    /// the library (for a recipe's heat conduction).
    pub fn model(&self) -> Result<Model, CaseError> {
        let mesh = self.checked_mesh(true)?;
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
                increments: Default::default(),
                visco: false,
            }],
            mesh,
        })
    }
}
