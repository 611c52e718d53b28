//! Element birth and death (Abaqus's `*MODEL CHANGE`): cells removed,
//! born strain-free in the deformed state, or made strain-free where they
//! stand (a bond), and eigenstrains such as a cure shrinkage, all through
//! the analysis's [`CellState`](super::state::CellState).

use super::assemble::Workspaces;
use super::error::AnalysisError;
use super::state::{nodes_of, CellState};
use super::StaticAnalysis;
use crate::model::Step;
use std::collections::BTreeMap;

impl StaticAnalysis<'_> {
    /// Removes `cells`: their stiffness and stresses vanish and the rest
    /// re-equilibrates at the next solve.
    pub fn remove(&mut self, cells: &[usize]) {
        for &c in cells {
            self.state.active[c] = false;
            self.state.reset_history(c);
        }
    }

    /// A deck step's `*MODEL CHANGE` at its start: `change.remove` removed,
    /// then `change.add` added strain-free ([`Self::add`]) in the state the
    /// previous step ended in (`last`: its displacements in mm and
    /// temperatures in °C; the initial state when `None`), honouring the
    /// step's prescribed displacements `constraints` at newborn nodes.
    pub fn apply_model_change(
        &mut self,
        change: &crate::io::deck_writer::ModelChange,
        constraints: &BTreeMap<(usize, usize), f64>,
        last: Option<(&[[f64; 3]], &[f64])>,
    ) -> Result<(), AnalysisError> {
        self.remove(&change.remove);
        if change.add.is_empty() {
            return Ok(());
        }
        let model = self.model;
        let zeros;
        let (u, t) = match last {
            Some(state) => state,
            None => {
                zeros = vec![[0.0; 3]; model.mesh.num_nodes()];
                (&zeros[..], &model.initial_temperature[..])
            }
        };
        self.add(&change.add, u, t, constraints)
    }

    /// Adds an isotropic eigenstrain `strain` (dimensionless, negative for a
    /// shrinkage) to the normal components at every point of `cell`, for
    /// instance an adhesive's chemical cure shrinkage; it loads the model at
    /// the next solve.
    pub fn add_isotropic_eigenstrain(&mut self, cell: usize, strain: f64) {
        let start = self.state.eigenstrain.offsets[cell];
        let end = self.state.eigenstrain.offsets[cell + 1];
        for e in &mut self.state.eigenstrain.data[start..end] {
            for c in e.iter_mut().take(3) {
                *c += strain;
            }
        }
    }

    /// Adds `cells` strain-free in the current state (displacement in mm
    /// and temperatures in °C of the last solution): each gets the
    /// eigenstrain `ε₀ = ε(u) − ε_th(T)` that makes it stress-free now, so
    /// its stress follows only from what happens after its birth. Nodes the
    /// newborn cells do not share with active ones take the elastic
    /// extension of the shared nodes' displacements, so that reported
    /// displacements (a newborn face's warpage) continue the deformed shape;
    /// stresses depend only on increments after birth either way. The
    /// extension honours `constraints` (the prescribed displacements of the
    /// state, mm) at newborn nodes — a newborn node on a symmetry plane
    /// stays on it — so that the strain-free state is one the next solve
    /// can reach without straining the newborn cells.
    pub fn add(
        &mut self,
        cells: &[usize],
        displacement: &[[f64; 3]],
        temperature: &[f64],
        constraints: &BTreeMap<(usize, usize), f64>,
    ) -> Result<(), AnalysisError> {
        let u = self.extend(cells, displacement, temperature, constraints)?;
        // a newborn cell has no history; a path-dependent analysis follows
        // the extended displacements from here
        for &c in cells {
            self.state.reset_history(c);
        }
        if self.is_incremental() {
            self.displacement.clone_from(&u);
        }
        self.reset_strain_free(cells, &u, temperature)
    }

    /// Makes `cells` strain-free in the current state (displacement in mm
    /// and temperatures in °C of the last solution) where they are: each
    /// gets the eigenstrain `ε₀ = ε(u) − ε_th(T)`, replacing whatever
    /// eigenstrain it carried, so that its stress is zero now and follows
    /// only from what happens afterwards. Unlike [`Self::add`] the
    /// displacements are taken as they are at every node — for active cells
    /// whose state is known: a thermo-compression bond forming in the hot,
    /// pressed state, or an adhesive re-heated and re-hardened (its stress
    /// relaxed, seed 002 claim 35). The rest of the model is unchanged
    /// until the next solve, which re-equilibrates it.
    pub fn reset_strain_free(
        &mut self,
        cells: &[usize],
        u: &[[f64; 3]],
        temperature: &[f64],
    ) -> Result<(), AnalysisError> {
        let model = self.model;
        let mut ws = Workspaces::default();
        for &cell in cells {
            let (w, block, c) = ws.gather(model, cell, self.graph.locate[cell], temperature);
            w.gather_displacement(block.cell(c), u);
            w.strain_free_eigenstrain(&model.materials[model.cell_material[cell]])
                .map_err(|source| AnalysisError::jacobian(block, c, source))?;
            let start = self.state.eigenstrain.offsets[cell];
            let eps0 = &mut self.state.eigenstrain.data[start..start + w.eps0.len()];
            eps0.copy_from_slice(&w.eps0);
            // stress-free with its plastic strain kept (and its hardening):
            // ε₀ = ε(u) − ε_th − εₚ, with the mode amplitudes used for ε
            for (e, p) in eps0.iter_mut().zip(&self.state.plastic[start..]) {
                for k in 0..6 {
                    e[k] -= p.strain[k];
                }
            }
            // a viscoelastic cell's internal stresses vanish with its stress
            self.state.reset_viscous(cell);
            self.state.modes[cell] = w.modes;
            self.state.active[cell] = true;
        }
        Ok(())
    }

    /// Displacements at the nodes of `born` cells: those shared with active
    /// cells as they are, the others from the born cells' elastic response to
    /// the shared ones (no thermal load).
    fn extend(
        &self,
        born: &[usize],
        displacement: &[[f64; 3]],
        temperature: &[f64],
        prescribed: &BTreeMap<(usize, usize), f64>,
    ) -> Result<Vec<[f64; 3]>, AnalysisError> {
        let model = self.model;
        let shared = nodes_of(model, &self.state.active);
        let mut born_mask = vec![false; model.mesh.num_cells()];
        born.iter().for_each(|&c| born_mask[c] = true);
        let newborn_nodes = nodes_of(model, &born_mask);
        let mut constraints = BTreeMap::new();
        for v in (0..newborn_nodes.len()).filter(|&v| newborn_nodes[v] && shared[v]) {
            for d in 0..3 {
                constraints.insert((v, d), displacement[v][d]);
            }
        }
        let newborn_only = |v: usize| newborn_nodes[v] && !shared[v];
        let mut u = displacement.to_vec();
        for (&(v, d), &value) in prescribed {
            if newborn_only(v) {
                constraints.insert((v, d), value);
                u[v][d] = value;
            }
        }
        let free = (0..newborn_nodes.len())
            .any(|v| newborn_only(v) && (0..3).any(|d| !prescribed.contains_key(&(v, d))));
        if constraints.is_empty() || !free {
            return Ok(u); // nothing to extend, or nothing to extend from
        }
        // born cells alone, with eigenstrain −ε_th so that only the shared
        // nodes' displacements load them
        let mut state = CellState::all_active(model);
        state.active = born_mask;
        let mut ws = Workspaces::default();
        for &cell in born {
            let (w, ..) = ws.gather(model, cell, self.graph.locate[cell], temperature);
            let material = &model.materials[model.cell_material[cell]];
            let start = state.eigenstrain.offsets[cell];
            for q in 0..w.values.num_points() {
                let (t, t0) = w.temperatures_at(q);
                let eth = material.thermal_strain(t, t0);
                state.eigenstrain.data[start + q] = eth.map(|e| -e);
            }
        }
        let step = Step {
            name: "birth extension".into(),
            time: 0.0,
            constraints,
            loads: BTreeMap::new(),
            temperature: temperature.to_vec(),
            increments: Default::default(),
            visco: false,
        };
        let mut sub = self.sibling();
        sub.set_state(state);
        let r = sub.solve_step(&step)?;
        for v in (0..u.len()).filter(|&v| newborn_only(v)) {
            u[v] = r.displacement[v];
        }
        Ok(u)
    }
}
