//! Thermo-elastic element kernel: stiffness `K_e = ∫ Bᵀ D B dV` and thermal
//! load `f_e = ∫ Bᵀ D ε_th dV`, with `D(T)` and `ε_th(T)` evaluated at each
//! integration point from the interpolated nodal temperature.
//!
//! Units: coordinates mm, moduli MPa, so `K_e` is N/mm and `f_e` N.

mod condensation;
mod inelastic;

pub use condensation::internal_amplitudes;
pub use inelastic::PointStates;

use crate::incompatible;
use crate::values::{CellValues, JacobianError};
use condensation::{condense_into, MAX_INTERNAL};
use materials::{Material, Voigt6x6};
use mesher::CellKind;

/// Everything one thread needs to compute one cell of a kind: the cell's
/// gathered data, the outputs, and scratch. Created once per thread and
/// kind; the kernels then allocate nothing per integration point.
pub struct CellWorkspace {
    pub kind: CellKind,
    pub values: CellValues,
    /// Node coordinates, mm.
    pub x: Vec<[f64; 3]>,
    /// Nodal temperatures, °C: current and stress-free (initial).
    pub t: Vec<f64>,
    pub t0: Vec<f64>,
    /// Nodal displacements, mm, node-major `u_x, u_y, u_z`.
    pub u: Vec<f64>,
    /// Element stiffness, row-major `3n x 3n`, N/mm (incompatible modes condensed).
    pub ke: Vec<f64>,
    /// Element thermal load, `3n`, N.
    pub fe: Vec<f64>,
    /// Strains (Voigt, engineering shear) at the integration points.
    pub eps: Vec<[f64; 6]>,
    /// Eigenstrain ε₀ at the integration points (the strain-free state of a
    /// part born after the start): `σ = D(ε − ε_th − ε₀)`. Zero unless set.
    pub eps0: Vec<[f64; 6]>,
    /// Gradients of all displacement fields (nodes, then incompatible modes),
    /// entry `q * fields + a`, mm⁻¹.
    grads: Vec<[f64; 3]>,
    /// Uncondensed matrix and load, `3 * fields` square / long.
    k_full: Vec<f64>,
    f_full: Vec<f64>,
    /// `D B_b` at every point, entry `q * fields + b`.
    db: Vec<[f64; 18]>,
    /// Stresses at the points after [`CellWorkspace::internal_force_and_tangent`], MPa.
    pub sig: Vec<[f64; 6]>,
    /// The incompatible-mode amplitudes [`CellWorkspace::strains`] used (C3D8I), mm.
    pub modes: [f64; 9],
}

impl CellWorkspace {
    pub fn new(kind: CellKind) -> Self {
        let values = CellValues::new(kind);
        let (n, nq, nf) = (kind.nodes_per_cell(), values.num_points(), fields(kind));
        CellWorkspace {
            kind,
            values,
            x: vec![[0.0; 3]; n],
            t: vec![0.0; n],
            t0: vec![0.0; n],
            u: vec![0.0; 3 * n],
            ke: vec![0.0; 9 * n * n],
            fe: vec![0.0; 3 * n],
            eps: vec![[0.0; 6]; nq],
            eps0: vec![[0.0; 6]; nq],
            grads: vec![[0.0; 3]; nq * nf],
            k_full: vec![0.0; 9 * nf * nf],
            f_full: vec![0.0; 3 * nf],
            db: vec![[0.0; 18]; nq * nf],
            sig: vec![[0.0; 6]; nq],
            modes: [0.0; 9],
        }
    }

    /// Gathers the coordinates (mm) and temperatures (°C) of a cell's nodes.
    pub fn gather(
        &mut self,
        nodes: &[usize],
        coordinates: &[[f64; 3]],
        temperature: &[f64],
        initial: &[f64],
    ) {
        for (k, &v) in nodes.iter().enumerate() {
            self.x[k] = coordinates[v];
            self.t[k] = temperature[v];
            self.t0[k] = initial[v];
        }
    }

    /// Gathers the displacements (mm) of a cell's nodes.
    pub fn gather_displacement(&mut self, nodes: &[usize], displacement: &[[f64; 3]]) {
        for (k, &v) in nodes.iter().enumerate() {
            self.u[3 * k..3 * k + 3].copy_from_slice(&displacement[v]);
        }
    }

    /// Temperature and stress-free temperature at point `q`, °C.
    pub fn temperatures_at(&self, q: usize) -> (f64, f64) {
        let tw = self.values.temperature_weights(q);
        (interpolate(tw, &self.t), interpolate(tw, &self.t0))
    }
}

/// Number of displacement fields of a cell: its nodes, plus 3 modes for C3D8I.
pub fn fields(kind: CellKind) -> usize {
    kind.nodes_per_cell()
        + if kind == CellKind::Hex8I {
            incompatible::MODES
        } else {
            0
        }
}

/// Interpolates nodal values with shape values `n`.
#[inline]
pub fn interpolate(n: &[f64], nodal: &[f64]) -> f64 {
    n.iter().zip(nodal).map(|(a, b)| a * b).sum()
}

/// `D · B_a` for gradient `g` (Voigt `[xx,yy,zz,xy,yz,xz]`), as a 6x3 block stored row-major.
#[inline]
pub(super) fn d_times_b(d: &Voigt6x6, g: &[f64; 3]) -> [f64; 18] {
    let mut out = [0.0; 18];
    for r in 0..6 {
        // B_a columns: ux -> (gx,0,0,gy,0,gz); uy -> (0,gy,0,gx,gz,0); uz -> (0,0,gz,0,gy,gx)
        out[r * 3] = d[r][0] * g[0] + d[r][3] * g[1] + d[r][5] * g[2];
        out[r * 3 + 1] = d[r][1] * g[1] + d[r][3] * g[0] + d[r][4] * g[2];
        out[r * 3 + 2] = d[r][2] * g[2] + d[r][4] * g[1] + d[r][5] * g[0];
    }
    out
}

/// `B_aᵀ v` for a Voigt vector `v` (stress-like), N/mm² · mm⁻¹.
#[inline]
pub fn bt_times(g: &[f64; 3], v: &[f64; 6]) -> [f64; 3] {
    [
        g[0] * v[0] + g[1] * v[3] + g[2] * v[5],
        g[1] * v[1] + g[0] * v[3] + g[2] * v[4],
        g[2] * v[2] + g[1] * v[4] + g[0] * v[5],
    ]
}

/// Fills the gradients of all fields at every point for the current cell.
pub(super) fn fill_gradients(
    kind: CellKind,
    values: &CellValues,
    x: &[[f64; 3]],
    grads: &mut [[f64; 3]],
) {
    let nn = kind.nodes_per_cell();
    let nf = fields(kind);
    let mut modes = [[0.0; 3]; 3 * 27];
    if kind == CellKind::Hex8I {
        incompatible::mode_gradients_into(values, x, &mut modes);
    }
    for q in 0..values.num_points() {
        let row = &mut grads[q * nf..(q + 1) * nf];
        row[..nn].copy_from_slice(values.dndx(q));
        for k in nn..nf {
            row[k] = modes[q * incompatible::MODES + k - nn];
        }
    }
}

impl CellWorkspace {
    /// Element stiffness `K_e = ∫ Bᵀ D(T) B dV` and thermal load
    /// `f_e = ∫ Bᵀ D(T) (ε_th + ε₀) dV` of the gathered cell into `ke` and `fe`, with
    /// the incompatible modes of C3D8I condensed.
    pub fn stiffness_and_thermal_load(&mut self, material: &Material) -> Result<(), JacobianError> {
        self.uncondensed(material)?;
        let m = 3 * fields(self.kind);
        let nu = 3 * self.kind.nodes_per_cell();
        condense_into(
            &self.k_full,
            &self.f_full,
            m,
            nu,
            &mut self.ke,
            &mut self.fe,
        );
        Ok(())
    }

    /// The full matrix and load over all fields (nodes and modes) into
    /// `k_full` / `f_full`.
    fn uncondensed(&mut self, material: &Material) -> Result<(), JacobianError> {
        self.values.reinit(&self.x)?;
        let nf = fields(self.kind);
        fill_gradients(self.kind, &self.values, &self.x, &mut self.grads);
        self.f_full.iter_mut().for_each(|v| *v = 0.0);
        let nq = self.values.num_points();
        for q in 0..nq {
            let (t, t0) = self.temperatures_at(q);
            let d = material.stiffness(t);
            let eps_th = material.thermal_strain(t, t0);
            let e0 = &self.eps0[q];
            let sig_th: [f64; 6] =
                std::array::from_fn(|r| (0..6).map(|c| d[r][c] * (eps_th[c] + e0[c])).sum());
            let dv = self.values.detj_w(q);
            let grads = &self.grads[q * nf..(q + 1) * nf];
            for (b, g) in grads.iter().enumerate() {
                self.db[q * nf + b] = d_times_b(&d, g);
                let fb = bt_times(g, &sig_th);
                for i in 0..3 {
                    self.f_full[3 * b + i] += fb[i] * dv;
                }
            }
        }
        self.stiffness_from_db();
        Ok(())
    }

    /// `k_full = ∫ Bᵀ (D B) dV` from the `D B_b` products of every point in
    /// `db`: each block pair summed over the points in registers and stored
    /// once (the same products in the same order as point by point), the
    /// lower block triangle mirrored.
    fn stiffness_from_db(&mut self) {
        let nf = fields(self.kind);
        let m = 3 * nf;
        let nq = self.values.num_points();
        for a in 0..nf {
            for b in a..nf {
                let mut acc = [[0.0f64; 3]; 3];
                for q in 0..nq {
                    let ga = &self.grads[q * nf + a];
                    let db = &self.db[q * nf + b];
                    let dv = self.values.detj_w(q);
                    // (B_aᵀ D B_b)[i][j] = Σ_r B_a[r][i] (D B_b)[r][j]
                    for j in 0..3 {
                        let col: [f64; 6] = std::array::from_fn(|r| db[r * 3 + j]);
                        let v = bt_times(ga, &col);
                        for i in 0..3 {
                            acc[i][j] += v[i] * dv;
                        }
                    }
                }
                for i in 0..3 {
                    let row = (3 * a + i) * m + 3 * b;
                    self.k_full[row..row + 3].copy_from_slice(&acc[i]);
                }
            }
        }
        // mirror the upper block triangle
        for a in 0..nf {
            for b in 0..a {
                for i in 0..3 {
                    for j in 0..3 {
                        self.k_full[(3 * a + i) * m + 3 * b + j] =
                            self.k_full[(3 * b + j) * m + 3 * a + i];
                    }
                }
            }
        }
    }

    /// The eigenstrain that makes the gathered cell stress-free in its
    /// gathered state: `ε₀ = ε(u) − ε_th(T)` at every point, into `eps0`.
    pub fn strain_free_eigenstrain(&mut self, material: &Material) -> Result<(), JacobianError> {
        self.eps0.iter_mut().for_each(|e| *e = [0.0; 6]);
        self.strains(material)?;
        for q in 0..self.values.num_points() {
            let (t, t0) = self.temperatures_at(q);
            let eth = material.thermal_strain(t, t0);
            self.eps0[q] = std::array::from_fn(|c| self.eps[q][c] - eth[c]);
        }
        Ok(())
    }

    /// Strains at every integration point of the gathered cell from its
    /// gathered displacements into `eps`. For C3D8I the incompatible-mode
    /// amplitudes are recovered first, `α = K_aa⁻¹ (f_a − K_au u)`.
    pub fn strains(&mut self, material: &Material) -> Result<(), JacobianError> {
        let nn = self.kind.nodes_per_cell();
        let nf = fields(self.kind);
        let mut alpha = [0.0; MAX_INTERNAL];
        if nf > nn {
            self.uncondensed(material)?;
            internal_amplitudes(
                &self.k_full,
                &self.f_full,
                3 * nf,
                3 * nn,
                &self.u,
                &mut alpha,
            );
            self.modes = alpha;
        } else {
            self.values.reinit(&self.x)?;
            fill_gradients(self.kind, &self.values, &self.x, &mut self.grads);
        }
        for q in 0..self.values.num_points() {
            let grads = &self.grads[q * nf..(q + 1) * nf];
            let mut e = [0.0; 6];
            for (a, g) in grads.iter().enumerate() {
                let ua = if a < nn {
                    [self.u[3 * a], self.u[3 * a + 1], self.u[3 * a + 2]]
                } else {
                    let p = 3 * (a - nn);
                    [alpha[p], alpha[p + 1], alpha[p + 2]]
                };
                e[0] += g[0] * ua[0];
                e[1] += g[1] * ua[1];
                e[2] += g[2] * ua[2];
                e[3] += g[1] * ua[0] + g[0] * ua[1];
                e[4] += g[2] * ua[1] + g[1] * ua[2];
                e[5] += g[2] * ua[0] + g[0] * ua[2];
            }
            self.eps[q] = e;
        }
        Ok(())
    }

    /// Stresses `σ = D(T)(ε − ε_th − ε₀)` (MPa) at the integration points,
    /// after [`CellWorkspace::strains`], appended to `out`.
    pub fn stresses_into(&self, material: &Material, out: &mut Vec<[f64; 6]>) {
        for q in 0..self.values.num_points() {
            let (t, t0) = self.temperatures_at(q);
            let d = material.stiffness(t);
            let eth = material.thermal_strain(t, t0);
            let (e, e0) = (&self.eps[q], &self.eps0[q]);
            out.push(std::array::from_fn(|r| {
                (0..6).map(|c| d[r][c] * (e[c] - eth[c] - e0[c])).sum()
            }));
        }
    }
}
