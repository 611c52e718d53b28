//! J2 (von Mises) plasticity with isotropic or kinematic (Prager)
//! hardening, temperature-dependent, small strain, in CalculiX's meaning of
//! `*PLASTIC`:
//!
//! - the hardening curves are the von Mises stress against the equivalent
//!   plastic strain `ε̄ₚ`, one piecewise-linear curve per temperature, the
//!   first point at `ε̄ₚ = 0` (first yield); beyond a curve's last point the
//!   stress stays constant (perfect plasticity), outside the temperature
//!   range the nearest curve applies, and between two temperatures the
//!   stress is interpolated linearly at equal plastic strain;
//! - isotropic: the yield stress is the curve, `σ_y(ε̄ₚ, T)`;
//! - kinematic: the yield surface keeps the size of first yield `σ₀(T)` and
//!   moves: the back stress `β` grows by `dβ = (2/3) H_k dεₚ` with `H_k` the
//!   curve's slope, so that a uniaxial monotonic test follows the curve and
//!   a reversal yields again `2σ₀` lower (the Bauschinger effect).
//!
//! The stress update is the radial return on the additive split
//! `ε = ε_e + ε_th + ε₀ + εₚ` with the elastic constants at the end of the
//! increment, `σ = D(T)(ε − ε_th − ε₀ − εₚ)`, and the consistent
//! (algorithmic) tangent of Simo and Hughes, *Computational Inelasticity*
//! (1998), §3.3. Units: MPa, strains dimensionless, Voigt
//! `[xx, yy, zz, xy, yz, xz]` with engineering shear strains; the plastic
//! strain is stored the same way.

use crate::Voigt6x6;

/// How the yield surface hardens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hardening {
    Isotropic,
    Kinematic,
}

/// A J2 plasticity law: hardening curves per temperature.
#[derive(Clone, Debug, PartialEq)]
pub struct Plasticity {
    pub hardening: Hardening,
    /// `(temperature °C, [(ε̄ₚ, σ MPa)])`, temperatures increasing, each
    /// curve starting at `ε̄ₚ = 0` with plastic strains increasing.
    pub curves: Vec<(f64, Vec<(f64, f64)>)>,
}

/// The plastic state of one integration point.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PlasticState {
    /// Plastic strain (Voigt, engineering shear).
    pub strain: [f64; 6],
    /// Equivalent plastic strain `ε̄ₚ = ∫ √(2/3 dεₚ:dεₚ)`.
    pub equivalent: f64,
    /// Back stress (Voigt), MPa.
    pub back: [f64; 6],
    /// Plastic work per unit volume `∫ σ : dεₚ`, MJ/m³ (= MPa), each
    /// increment's share `σₙ₊₁ : Δεₚ` (exact for the backward-Euler return).
    pub work: f64,
}

/// The result of a stress update at one point.
#[derive(Clone, Copy, Debug)]
pub struct Update {
    /// Stress, MPa.
    pub stress: [f64; 6],
    /// Consistent tangent `dσ/dε`, MPa.
    pub tangent: Voigt6x6,
    pub state: PlasticState,
    /// Whether the point flowed plastically in this update.
    pub plastic: bool,
}

/// Why a hardening table is unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlasticityError {
    #[error("no hardening curve")]
    Empty,
    #[error("the curve at {0} C does not start at zero plastic strain")]
    NoFirstYield(f64),
    #[error(
        "the curve at {0} C: plastic strains must increase and stresses be positive and finite"
    )]
    BadCurve(f64),
    #[error("temperatures must increase from curve to curve")]
    Temperatures,
    #[error("the curve at {0} C falls (softening): pkgstress takes hardening curves only")]
    Softening(f64),
}

impl Plasticity {
    /// A law after checking its curves.
    pub fn new(
        hardening: Hardening,
        curves: Vec<(f64, Vec<(f64, f64)>)>,
    ) -> Result<Self, PlasticityError> {
        if curves.is_empty() {
            return Err(PlasticityError::Empty);
        }
        if curves.windows(2).any(|w| !(w[1].0 > w[0].0)) {
            return Err(PlasticityError::Temperatures);
        }
        for (t, c) in &curves {
            if c.first().is_none_or(|p| p.0 != 0.0) {
                return Err(PlasticityError::NoFirstYield(*t));
            }
            let finite = c
                .iter()
                .all(|&(e, s)| e.is_finite() && s.is_finite() && e >= 0.0 && s > 0.0);
            if !finite || c.windows(2).any(|w| !(w[1].0 > w[0].0)) {
                return Err(PlasticityError::BadCurve(*t));
            }
            if c.windows(2).any(|w| w[1].1 < w[0].1) {
                return Err(PlasticityError::Softening(*t));
            }
        }
        Ok(Plasticity { hardening, curves })
    }

    /// A single curve (no temperature dependence).
    pub fn constant(hardening: Hardening, curve: Vec<(f64, f64)>) -> Result<Self, PlasticityError> {
        Self::new(hardening, vec![(0.0, curve)])
    }

    /// The curve's stress (MPa) and slope (MPa) at plastic strain `e` and
    /// temperature `t`: piecewise linear, constant beyond the last point
    /// (the slope of a point on a kink is the next segment's).
    pub fn curve(&self, e: f64, t: f64) -> (f64, f64) {
        let at = |c: &[(f64, f64)]| -> (f64, f64) {
            for w in c.windows(2) {
                if e < w[1].0 {
                    let slope = (w[1].1 - w[0].1) / (w[1].0 - w[0].0);
                    return (w[0].1 + slope * (e - w[0].0), slope);
                }
            }
            (c[c.len() - 1].1, 0.0)
        };
        let n = self.curves.len();
        if n == 1 || t <= self.curves[0].0 {
            return at(&self.curves[0].1);
        }
        if t >= self.curves[n - 1].0 {
            return at(&self.curves[n - 1].1);
        }
        let k = self
            .curves
            .windows(2)
            .position(|w| t < w[1].0)
            .unwrap_or(n - 2);
        let (t0, c0) = &self.curves[k];
        let (t1, c1) = &self.curves[k + 1];
        let w = (t - t0) / (t1 - t0);
        let (a, b) = (at(c0), at(c1));
        (a.0 + w * (b.0 - a.0), a.1 + w * (b.1 - a.1))
    }

    /// Stress at first yield, MPa, at `t`.
    pub fn initial_yield(&self, t: f64) -> f64 {
        self.curve(0.0, t).0
    }

    /// The size of the yield surface (`σ_iso`) and its slope at `e`.
    fn isotropic(&self, e: f64, t: f64) -> (f64, f64) {
        match self.hardening {
            Hardening::Isotropic => self.curve(e, t),
            Hardening::Kinematic => (self.initial_yield(t), 0.0),
        }
    }

    /// The back-stress magnitude `κ(ε̄ₚ)` (the curve above first yield) and
    /// its slope, for kinematic hardening; zero for isotropic.
    fn kinematic(&self, e: f64, t: f64) -> (f64, f64) {
        match self.hardening {
            Hardening::Isotropic => (0.0, 0.0),
            Hardening::Kinematic => {
                let (s, h) = self.curve(e, t);
                (s - self.initial_yield(t), h)
            }
        }
    }

    /// The radial return: the stress, tangent and new state after a total
    /// mechanical strain `strain` (ε − ε_th − ε₀, Voigt) from the
    /// converged state `old`, with Young's modulus `e` (MPa) and Poisson's
    /// ratio `nu` at the temperature `t` (°C) of the end of the increment.
    pub fn update(&self, e: f64, nu: f64, strain: &[f64; 6], old: &PlasticState, t: f64) -> Update {
        let g = e / (2.0 * (1.0 + nu));
        let bulk = e / (3.0 * (1.0 - 2.0 * nu));
        // trial: elastic strain, its volumetric and deviatoric (tensor) parts
        let el: [f64; 6] = std::array::from_fn(|k| strain[k] - old.strain[k]);
        let vol = el[0] + el[1] + el[2];
        let dev_t: [f64; 6] = std::array::from_fn(|k| {
            if k < 3 {
                el[k] - vol / 3.0
            } else {
                0.5 * el[k]
            }
        });
        let s_trial: [f64; 6] = dev_t.map(|d| 2.0 * g * d);
        let xi: [f64; 6] = std::array::from_fn(|k| s_trial[k] - old.back[k]);
        let norm = norm_dev(&xi);
        let q_trial = (1.5f64).sqrt() * norm;
        let (sigma_y, _) = self.isotropic(old.equivalent, t);
        let pressure = bulk * vol;
        if q_trial <= sigma_y * (1.0 + 1e-12) || norm == 0.0 {
            let stress = std::array::from_fn(|k| s_trial[k] + if k < 3 { pressure } else { 0.0 });
            return Update {
                stress,
                tangent: crate::isotropic_stiffness(e, nu),
                state: *old,
                plastic: false,
            };
        }
        let (de, hardening) = self.consistency(q_trial, g, old.equivalent, t);
        let n: [f64; 6] = xi.map(|x| x / norm);
        let e_new = old.equivalent + de;
        let (kappa_new, _) = self.kinematic(e_new, t);
        let (kappa_old, _) = self.kinematic(old.equivalent, t);
        // Δεₚ = √(3/2) Δε̄ n (tensor), β += √(2/3) Δκ n
        let root = (1.5f64).sqrt();
        let mut state = *old;
        state.equivalent = e_new;
        for k in 0..6 {
            let dp = root * de * n[k];
            state.strain[k] += if k < 3 { dp } else { 2.0 * dp };
            state.back[k] += (2.0f64 / 3.0).sqrt() * (kappa_new - kappa_old) * n[k];
        }
        let stress: [f64; 6] = std::array::from_fn(|k| {
            let s = s_trial[k] - 2.0 * g * root * de * n[k];
            s + if k < 3 { pressure } else { 0.0 }
        });
        state.work += (0..6)
            .map(|k| stress[k] * (state.strain[k] - old.strain[k]))
            .sum::<f64>();
        // consistent tangent (Simo & Hughes, Box 3.2 with combined hardening)
        let theta = 1.0 - 3.0 * g * de / q_trial;
        let theta_bar = 1.0 / (1.0 + hardening / (3.0 * g)) - (1.0 - theta);
        let mut c = [[0.0; 6]; 6];
        for i in 0..6 {
            for j in 0..6 {
                let dev = if i < 3 && j < 3 {
                    f64::from(u8::from(i == j)) - 1.0 / 3.0
                } else if i == j {
                    0.5
                } else {
                    0.0
                };
                let vol = if i < 3 && j < 3 { bulk } else { 0.0 };
                c[i][j] = vol + 2.0 * g * theta * dev - 2.0 * g * theta_bar * n[i] * n[j];
            }
        }
        Update {
            stress,
            tangent: c,
            state,
            plastic: true,
        }
    }

    /// The equivalent plastic strain increment `Δε̄` solving the consistency
    /// condition `q_trial − 3GΔε̄ − Δκ(Δε̄) − σ_iso(ε̄ₙ + Δε̄) = 0` (piecewise
    /// linear and decreasing in `Δε̄`: exact on the segment where it
    /// vanishes), and the total hardening slope there.
    fn consistency(&self, q_trial: f64, g: f64, e_old: f64, t: f64) -> (f64, f64) {
        let (kappa0, _) = self.kinematic(e_old, t);
        let residual = |de: f64| {
            let (s, hs) = self.isotropic(e_old + de, t);
            let (k, hk) = self.kinematic(e_old + de, t);
            (
                q_trial - 3.0 * g * de - (k - kappa0) - s,
                3.0 * g + hs + hk,
                hs + hk,
            )
        };
        let mut de = 0.0;
        // Newton on a piecewise-linear monotone function: exact once on the
        // right segment; the segments bound the iterations
        for _ in 0..(4 + 2 * self.curves.iter().map(|c| c.1.len()).max().unwrap_or(1)) {
            let (r, slope, _) = residual(de);
            if r.abs() <= 1e-13 * q_trial {
                break;
            }
            de = (de + r / slope).max(0.0);
        }
        let (_, _, h) = residual(de);
        (de, h)
    }
}

/// `√(s:s)` of a deviatoric tensor in Voigt order with tensor shear
/// components.
fn norm_dev(s: &[f64; 6]) -> f64 {
    (s[0] * s[0] + s[1] * s[1] + s[2] * s[2] + 2.0 * (s[3] * s[3] + s[4] * s[4] + s[5] * s[5]))
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    const E: f64 = 200e3;
    const NU: f64 = 0.3;

    /// Uniaxial stress by strain control: `ε_xx` given, the lateral strains
    /// found by Newton on the tangent so that the other stresses vanish.
    fn uniaxial(law: &Plasticity, path: &[f64]) -> Vec<(f64, f64, f64)> {
        uniaxial_states(law, path)
            .into_iter()
            .map(|(e, s, p)| (e, s, p.equivalent))
            .collect()
    }

    /// [`uniaxial`] with each point's whole state.
    fn uniaxial_states(law: &Plasticity, path: &[f64]) -> Vec<(f64, f64, PlasticState)> {
        let mut state = PlasticState::default();
        let mut lateral = [0.0; 5];
        let mut out = Vec::new();
        for &exx in path {
            let mut u = law.update(
                E,
                NU,
                &[
                    exx, lateral[0], lateral[1], lateral[2], lateral[3], lateral[4],
                ],
                &state,
                20.0,
            );
            for _ in 0..50 {
                let r: [f64; 5] = std::array::from_fn(|k| u.stress[k + 1]);
                if r.iter().all(|v| v.abs() < 1e-9) {
                    break;
                }
                // solve the 5x5 block of the tangent for the lateral correction
                let mut a: Vec<[f64; 6]> = (0..5)
                    .map(|i| {
                        std::array::from_fn(|j| if j < 5 { u.tangent[i + 1][j + 1] } else { r[i] })
                    })
                    .collect();
                let dx = solve5(&mut a);
                for i in 0..5 {
                    lateral[i] -= dx[i];
                }
                u = law.update(
                    E,
                    NU,
                    &[
                        exx, lateral[0], lateral[1], lateral[2], lateral[3], lateral[4],
                    ],
                    &state,
                    20.0,
                );
            }
            state = u.state;
            out.push((exx, u.stress[0], state));
        }
        out
    }

    /// Gauss elimination with partial pivoting of a 5x5 system given as
    /// rows `[a | b]`.
    fn solve5(a: &mut [[f64; 6]]) -> [f64; 5] {
        for c in 0..5 {
            let p = (c..5)
                .max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))
                .unwrap();
            a.swap(c, p);
            for r in c + 1..5 {
                let f = a[r][c] / a[c][c];
                for k in c..6 {
                    a[r][k] -= f * a[c][k];
                }
            }
        }
        let mut x = [0.0; 5];
        for r in (0..5).rev() {
            x[r] = (a[r][5] - (r + 1..5).map(|k| a[r][k] * x[k]).sum::<f64>()) / a[r][r];
        }
        x
    }

    fn ramp(to: f64, n: usize) -> Vec<f64> {
        (1..=n).map(|k| to * k as f64 / n as f64).collect()
    }

    /// Uniaxial stress with linear hardening of slope H in σ–ε̄ₚ: beyond
    /// yield `σ = σ_y + E_t (ε − σ_y/E)` with `E_t = E H/(E + H)`; H = 0 is
    /// perfect plasticity. Both hardening kinds agree on a monotonic path.
    /// Tolerance 1e-9 MPa (the return is exact for linear hardening).
    #[test]
    fn uniaxial_monotonic_paths_match_the_closed_form() {
        for h in [0.0, 2000.0, 20e3] {
            for kind in [Hardening::Isotropic, Hardening::Kinematic] {
                let law = Plasticity::constant(kind, vec![(0.0, 100.0), (1.0, 100.0 + h)]).unwrap();
                for (eps, s, ep) in uniaxial(&law, &ramp(0.01, 40)) {
                    let et = E * h / (E + h);
                    let exact = if eps <= 100.0 / E {
                        E * eps
                    } else {
                        100.0 + et * (eps - 100.0 / E)
                    };
                    assert!(
                        (s - exact).abs() < 1e-7,
                        "{kind:?} H = {h}: ε = {eps}: σ = {s} vs {exact}"
                    );
                    let ep_exact = if eps <= 100.0 / E {
                        0.0
                    } else {
                        (exact - 100.0) / h.max(1e-300)
                    };
                    if h > 0.0 {
                        assert!((ep - ep_exact).abs() < 1e-10, "ε̄ₚ {ep} vs {ep_exact}");
                    }
                }
            }
        }
    }

    /// Plastic work of a monotonic uniaxial path with linear hardening:
    /// `W = σ_y ε̄ₚ + H ε̄ₚ²/2`. The backward-Euler share `σₙ₊₁ Δε̄ₚ`
    /// overestimates it by `H Σ Δε̄ₚ²/2`: exact (1e-9 MPa) for perfect
    /// plasticity, within that bound (and above the exact value) else.
    #[test]
    fn plastic_work_of_a_uniaxial_path() {
        for h in [0.0, 20e3] {
            let law =
                Plasticity::constant(Hardening::Isotropic, vec![(0.0, 100.0), (1.0, 100.0 + h)])
                    .unwrap();
            let r = uniaxial_states(&law, &ramp(0.01, 40));
            let bound: f64 = r
                .windows(2)
                .map(|w| 0.5 * h * (w[1].2.equivalent - w[0].2.equivalent).powi(2))
                .sum::<f64>()
                + 0.5 * h * r[0].2.equivalent.powi(2);
            let last = r.last().unwrap().2;
            let ep = last.equivalent;
            let exact = 100.0 * ep + 0.5 * h * ep * ep;
            assert!(ep > 0.005, "it yields: {ep}");
            assert!(
                last.work >= exact - 1e-9 && last.work <= exact + bound + 1e-9,
                "H = {h}: W = {} vs {exact} (+ at most {bound})",
                last.work
            );
        }
    }

    /// Load to ε = 1 %, reverse to −1 %: isotropic hardening yields again at
    /// −σ_max (the surface grew), kinematic at σ_max − 2σ₀ (it moved), the
    /// Bauschinger effect. Linear hardening H = 20 GPa, σ₀ = 100 MPa.
    #[test]
    fn reverse_loading_shows_the_bauschinger_effect() {
        let h = 20e3;
        let mut path = ramp(0.01, 50);
        path.extend((1..=100).map(|k| 0.01 - 0.02 * k as f64 / 100.0));
        let et = E * h / (E + h);
        let s_max = 100.0 + et * (0.01 - 100.0 / E);
        for kind in [Hardening::Isotropic, Hardening::Kinematic] {
            let law = Plasticity::constant(kind, vec![(0.0, 100.0), (1.0, 100.0 + h)]).unwrap();
            let r = uniaxial(&law, &path);
            let reverse_yield = match kind {
                Hardening::Isotropic => -s_max,
                Hardening::Kinematic => s_max - 200.0,
            };
            // along the elastic unloading branch
            let e_at = 0.01 - (s_max - reverse_yield) / E;
            for &(eps, s, _) in &r[50..] {
                if eps > e_at + 1e-6 {
                    let elastic = s_max - E * (0.01 - eps);
                    assert!(
                        (s - elastic).abs() < 1e-6,
                        "{kind:?} unloading at {eps}: {s} vs {elastic}"
                    );
                }
            }
            // and yielding again at the predicted stress, hardening with E_t
            let (eps, s, _) = *r.last().unwrap();
            let exact = reverse_yield - et * (e_at - eps);
            assert!(
                (s - exact).abs() < 1e-6,
                "{kind:?} at {eps}: {s} vs {exact}"
            );
        }
    }

    /// The consistent tangent equals the finite-difference derivative of the
    /// return map (central differences, step 1e-8), in elastic and plastic
    /// states, for both hardening kinds and a multilinear, temperature-
    /// dependent curve: relative tolerance 1e-6 of the largest entry.
    #[test]
    fn consistent_tangent_matches_finite_differences() {
        let curves = vec![
            (20.0, vec![(0.0, 100.0), (0.002, 130.0), (0.02, 160.0)]),
            (200.0, vec![(0.0, 60.0), (0.01, 80.0)]),
        ];
        for kind in [Hardening::Isotropic, Hardening::Kinematic] {
            let law = Plasticity::new(kind, curves.clone()).unwrap();
            let old = PlasticState {
                strain: [1e-3, -4e-4, -6e-4, 2e-4, 0.0, -1e-4],
                equivalent: 1.2e-3,
                back: if kind == Hardening::Kinematic {
                    [10.0, -4.0, -6.0, 3.0, 0.0, -1.0]
                } else {
                    [0.0; 6]
                },
                work: 0.0,
            };
            for (strain, t) in [
                ([3e-3, -1e-3, -5e-4, 2e-3, 1e-3, -8e-4], 20.0),
                ([2e-3, 1e-3, -2e-3, 0.0, 3e-3, 0.0], 110.0),
                ([1.1e-3, -4e-4, -6e-4, 2e-4, 0.0, -1e-4], 20.0),
            ] {
                let u = law.update(E, NU, &strain, &old, t);
                let scale = u
                    .tangent
                    .iter()
                    .flatten()
                    .fold(0.0f64, |m, v| m.max(v.abs()));
                for j in 0..6 {
                    let h = 1e-8;
                    let mut p = strain;
                    let mut m = strain;
                    p[j] += h;
                    m[j] -= h;
                    let (sp, sm) = (
                        law.update(E, NU, &p, &old, t).stress,
                        law.update(E, NU, &m, &old, t).stress,
                    );
                    for i in 0..6 {
                        let fd = (sp[i] - sm[i]) / (2.0 * h);
                        assert!(
                            (fd - u.tangent[i][j]).abs() < 1e-6 * scale,
                            "{kind:?} T = {t}, plastic {}: C[{i}][{j}] = {} vs {fd}",
                            u.plastic,
                            u.tangent[i][j]
                        );
                    }
                }
            }
        }
    }

    /// The curve is held beyond its last point and interpolated in T at
    /// equal plastic strain, the nearest curve outside the range.
    #[test]
    fn curves_interpolate_like_calculix() {
        let law = Plasticity::new(
            Hardening::Isotropic,
            vec![
                (20.0, vec![(0.0, 100.0), (0.1, 200.0)]),
                (220.0, vec![(0.0, 50.0), (0.1, 60.0)]),
            ],
        )
        .unwrap();
        assert_eq!(law.curve(0.5, 20.0), (200.0, 0.0));
        assert_eq!(law.curve(0.05, -50.0).0, 150.0);
        assert_eq!(law.curve(0.05, 500.0).0, 55.0);
        assert!((law.curve(0.05, 120.0).0 - 102.5).abs() < 1e-12);
        assert!(Plasticity::constant(Hardening::Isotropic, vec![(0.01, 100.0)]).is_err());
        assert!(
            Plasticity::constant(Hardening::Isotropic, vec![(0.0, 100.0), (0.1, 90.0)]).is_err()
        );
    }
}
