//! The element kernel of a path-dependent analysis (a Newton iteration):
//! the internal force `f_int = ∫ Bᵀ σ dV` and the consistent tangent
//! `K_t = ∫ Bᵀ C B dV` at given nodal displacements and incompatible-mode
//! amplitudes, every point's stress from its material's update out of its
//! converged state. The incompatible modes of C3D8I are condensed as in the
//! linear kernel, and their amplitudes follow each global correction
//! ([`CellWorkspace::mode_increment`]).

use super::condensation::{condense_into, internal_amplitudes, MAX_INTERNAL};
use super::{bt_times, d_times_b, fields, fill_gradients, CellWorkspace};
use crate::values::JacobianError;
use materials::plastic::PlasticState;
use materials::viscoelastic::Conditions;
use materials::Material;

/// The converged (`old`) and the trial (`new`) states of the points of one
/// cell, and the increment's time.
pub struct PointStates<'a> {
    pub old: &'a [PlasticState],
    pub new: &'a mut [PlasticState],
    /// Viscoelastic states of the cell's points, one after another (empty
    /// unless the material is viscoelastic).
    pub viscous_old: &'a [f64],
    pub viscous_new: &'a mut [f64],
    /// The increment's time, s (0 in a step without time: instantaneous
    /// viscoelastic response).
    pub dt: f64,
}

impl CellWorkspace {
    /// Internal force and tangent of the gathered cell at its gathered
    /// displacements `u` (mm) and mode amplitudes `alpha` (C3D8I; ignored
    /// otherwise): `fe = −f_int` and `ke = K_t` condensed, the point
    /// stresses (MPa) into `sig` and the trial states into `states.new`.
    /// An elastic material gives `σ = D(T)(ε − ε_th − ε₀)` and `K_t = K`;
    /// a viscoelastic one its Prony update over `states.dt`.
    pub fn internal_force_and_tangent(
        &mut self,
        material: &Material,
        alpha: &[f64],
        states: PointStates<'_>,
    ) -> Result<(), JacobianError> {
        self.values.reinit(&self.x)?;
        let (nn, nf) = (self.kind.nodes_per_cell(), fields(self.kind));
        fill_gradients(self.kind, &self.values, &self.x, &mut self.grads);
        self.f_full.iter_mut().for_each(|v| *v = 0.0);
        let len = material.viscous_state_len();
        for q in 0..self.values.num_points() {
            let grads = &self.grads[q * nf..(q + 1) * nf];
            let e = strain(grads, &self.u, alpha, nn);
            let (t, t0) = self.temperatures_at(q);
            let eth = material.thermal_strain(t, t0);
            let mech: [f64; 6] = std::array::from_fn(|c| e[c] - eth[c] - self.eps0[q][c]);
            let constants = material.isotropic_constants(t);
            let (sigma, tangent) = match (&material.plastic, &material.viscoelastic, constants) {
                (Some(p), _, Some([young, nu])) => {
                    let up = p.update(young, nu, &mech, &states.old[q], t);
                    states.new[q] = up.state;
                    (up.stress, up.tangent)
                }
                (None, Some(v), Some([young, poisson])) => {
                    states.new[q] = states.old[q];
                    let at = Conditions {
                        young,
                        poisson,
                        temperature: t,
                        dt: states.dt,
                    };
                    let (a, b) = (q * len, (q + 1) * len);
                    let old = &states.viscous_old[a..b];
                    let up = v.update(at, &mech, old, &mut states.viscous_new[a..b]);
                    (up.stress, up.tangent)
                }
                _ => {
                    let d = material.stiffness(t);
                    states.new[q] = states.old[q];
                    let s = std::array::from_fn(|r| (0..6).map(|c| d[r][c] * mech[c]).sum());
                    (s, d)
                }
            };
            self.sig[q] = sigma;
            let dv = self.values.detj_w(q);
            for (b, g) in grads.iter().enumerate() {
                self.db[q * nf + b] = d_times_b(&tangent, g);
                let fb = bt_times(g, &sigma);
                for i in 0..3 {
                    self.f_full[3 * b + i] -= fb[i] * dv;
                }
            }
        }
        self.stiffness_from_db();
        condense_into(
            &self.k_full,
            &self.f_full,
            3 * nf,
            3 * nn,
            &mut self.ke,
            &mut self.fe,
        );
        Ok(())
    }

    /// The mode amplitudes' correction for the nodal correction `du` after
    /// [`Self::internal_force_and_tangent`] at the previous iterate:
    /// `Δα = K_aa⁻¹ (−f_int,a − K_au Δu)`, into `out` (C3D8I's 9).
    pub fn mode_increment(&self, du: &[f64], out: &mut [f64]) {
        let (nn, nf) = (self.kind.nodes_per_cell(), fields(self.kind));
        let mut a = [0.0; MAX_INTERNAL];
        internal_amplitudes(&self.k_full, &self.f_full, 3 * nf, 3 * nn, du, &mut a);
        out[..3 * (nf - nn)].copy_from_slice(&a[..3 * (nf - nn)]);
    }
}

/// The strain (Voigt, engineering shear) at a point with field gradients
/// `grads` (nodes, then modes), nodal displacements `u` and mode amplitudes
/// `alpha`.
fn strain(grads: &[[f64; 3]], u: &[f64], alpha: &[f64], nn: usize) -> [f64; 6] {
    let mut e = [0.0; 6];
    for (a, g) in grads.iter().enumerate() {
        let ua = if a < nn {
            [u[3 * a], u[3 * a + 1], u[3 * a + 2]]
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
    e
}
