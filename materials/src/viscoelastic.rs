//! Linear viscoelasticity: a generalised Maxwell model (Prony series) on the
//! deviatoric and the volumetric parts, thermorheologically simple, small
//! strain, in Abaqus's meaning of `*VISCOELASTIC, TIME=PRONY` and `*TRS`:
//!
//! - relaxation moduli `G(ξ) = G₀ (1 − Σ gᵢ (1 − e^{−ξ/τᵢ}))` and
//!   `K(ξ) = K₀ (1 − Σ kᵢ (1 − e^{−ξ/τᵢ}))`, with `G₀`, `K₀` the
//!   instantaneous moduli from the material's elastic constants at the
//!   temperature of the end of the increment, `gᵢ`, `kᵢ` the relaxing
//!   fractions (`Σ gᵢ < 1`, `Σ kᵢ < 1`) and `τᵢ` the relaxation times, s, at
//!   the reference temperature;
//! - the reduced time `ξ(t) = ∫ dt / a_T(T)`, with the shift `a_T` of WLF
//!   (`log₁₀ a_T = −C₁ (T − T_ref) / (C₂ + T − T_ref)`, and `a_T = ∞`, no
//!   relaxation, at and below `T_ref − C₂`, the limit of the formula) or
//!   Arrhenius (`ln a_T = (E_a/R)(1/T − 1/T_ref)`, absolute temperatures);
//! - the stress `σ = s + σ_m I` with `s = 2G∞ e + Σ hᵢ` and
//!   `σ_m = K∞ θ + Σ Hᵢ`, `e` the deviatoric and `θ` the volumetric part of
//!   the mechanical strain `ε − ε_th − ε₀` (the thermal strain is not in the
//!   hereditary integral), `G∞ = G₀(1 − Σ gᵢ)`, `K∞ = K₀(1 − Σ kᵢ)`;
//! - the internal stresses by the recursive update exact for a strain that
//!   is linear in reduced time over the increment (Taylor, Pister &
//!   Goudreau, *Int. J. Numer. Meth. Eng.* 2 (1970) 45; Simo & Hughes,
//!   *Computational Inelasticity* (1998), §10.3):
//!   `hᵢ ← e^{−Δξ/τᵢ} hᵢ + 2 gᵢ G₀ (1 − e^{−Δξ/τᵢ}) τᵢ/Δξ · Δe`, and the same
//!   for `Hᵢ` with `kᵢ K₀` and `Δθ`; `Δξ` is the increment `Δt` times the
//!   mean of `1/a_T` at its two end temperatures (exact at constant
//!   temperature);
//! - the tangent is the isotropic one of `G₀(1 − Σ gᵢ (1 − cᵢ))` and
//!   `K₀(1 − Σ kᵢ (1 − cᵢ))`, `cᵢ = (1 − e^{−Δξ/τᵢ}) τᵢ/Δξ`: the update is
//!   linear in the strain, so this tangent is exact.
//!
//! A step without time (`*STATIC`, `Δt = 0`) gives the instantaneous
//! response. Units: MPa, s, °C; Voigt `[xx, yy, zz, xy, yz, xz]` with
//! engineering shear strains.

use crate::Voigt6x6;

/// One term of the Prony series: the relaxing fractions of the shear and
/// the bulk modulus, and the relaxation time at the reference temperature.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PronyTerm {
    /// `gᵢ`, the share of the instantaneous shear modulus relaxing with `τᵢ`.
    pub shear: f64,
    /// `kᵢ`, the share of the instantaneous bulk modulus relaxing with `τᵢ`.
    pub bulk: f64,
    /// `τᵢ`, s, at the reference temperature of the shift.
    pub time: f64,
}

/// The time–temperature shift `a_T` of a thermorheologically simple
/// material.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shift {
    /// No shift: the relaxation times hold at every temperature.
    None,
    /// Williams–Landel–Ferry: reference temperature (°C), `C₁`, `C₂` (°C).
    Wlf { reference: f64, c1: f64, c2: f64 },
    /// Arrhenius: reference temperature (°C) and the activation energy over
    /// the gas constant `E_a/R` (K).
    Arrhenius { reference: f64, activation: f64 },
}

/// Absolute zero, °C.
pub const ABSOLUTE_ZERO: f64 = -273.15;

impl Shift {
    /// `1/a_T` at `t` (°C): the rate at which reduced time runs against
    /// real time; 0 where WLF freezes the material (`T ≤ T_ref − C₂`).
    pub fn rate(&self, t: f64) -> f64 {
        match *self {
            Shift::None => 1.0,
            Shift::Wlf { reference, c1, c2 } => {
                let d = t - reference;
                if c2 + d <= 0.0 {
                    return 0.0;
                }
                10f64.powf((c1 * d / (c2 + d)).min(300.0))
            }
            Shift::Arrhenius {
                reference,
                activation,
            } => {
                let (ta, ra) = (t - ABSOLUTE_ZERO, reference - ABSOLUTE_ZERO);
                (-activation * (1.0 / ta - 1.0 / ra)).min(690.0).exp()
            }
        }
    }
}

/// A Prony series with its shift.
#[derive(Clone, Debug, PartialEq)]
pub struct Viscoelasticity {
    pub terms: Vec<PronyTerm>,
    pub shift: Shift,
}

/// Why a Prony series is unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ViscoelasticError {
    #[error("no Prony term")]
    Empty,
    #[error(
        "Prony term {0}: g and k must be in [0, 1) and the relaxation time positive and finite"
    )]
    BadTerm(usize),
    #[error("the shear fractions g sum to {0}: they must sum to less than 1 (a positive long-term shear modulus)")]
    ShearSum(f64),
    #[error("the bulk fractions k sum to {0}: they must sum to less than 1")]
    BulkSum(f64),
    #[error("the shift needs finite constants{0}")]
    BadShift(&'static str),
}

/// The values a point's viscoelastic state holds before its Prony terms'.
const HEAD: usize = 8;

/// Where and over what an update runs: the instantaneous elastic
/// constants at the end of the increment, its end temperature and its time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Conditions {
    /// Instantaneous Young's modulus, MPa.
    pub young: f64,
    /// Instantaneous Poisson's ratio.
    pub poisson: f64,
    /// Temperature at the end of the increment, °C.
    pub temperature: f64,
    /// The increment's time, s (0: the instantaneous response).
    pub dt: f64,
}

/// The result of a stress update at one point.
#[derive(Clone, Copy, Debug)]
pub struct Update {
    /// Stress, MPa.
    pub stress: [f64; 6],
    /// Tangent `dσ/dε`, MPa.
    pub tangent: Voigt6x6,
}

impl Viscoelasticity {
    /// A law after checking its terms and shift.
    pub fn new(terms: Vec<PronyTerm>, shift: Shift) -> Result<Self, ViscoelasticError> {
        if terms.is_empty() {
            return Err(ViscoelasticError::Empty);
        }
        let fraction = |v: f64| v.is_finite() && (0.0..1.0).contains(&v);
        for (i, p) in terms.iter().enumerate() {
            if !fraction(p.shear) || !fraction(p.bulk) || !(p.time > 0.0 && p.time.is_finite()) {
                return Err(ViscoelasticError::BadTerm(i + 1));
            }
        }
        let (g, k): (f64, f64) = (
            terms.iter().map(|p| p.shear).sum(),
            terms.iter().map(|p| p.bulk).sum(),
        );
        if g >= 1.0 {
            return Err(ViscoelasticError::ShearSum(g));
        }
        if k >= 1.0 {
            return Err(ViscoelasticError::BulkSum(k));
        }
        match shift {
            Shift::Wlf { reference, c1, c2 }
                if !(reference.is_finite() && c1.is_finite() && c2 > 0.0 && c2.is_finite()) =>
            {
                return Err(ViscoelasticError::BadShift(" (WLF: C2 > 0)"))
            }
            Shift::Arrhenius {
                reference,
                activation,
            } if !(reference > ABSOLUTE_ZERO && activation.is_finite()) => {
                return Err(ViscoelasticError::BadShift(
                    " (Arrhenius: a reference above absolute zero)",
                ))
            }
            _ => {}
        }
        Ok(Viscoelasticity { terms, shift })
    }

    /// Sums of the shear and bulk fractions, `(Σ gᵢ, Σ kᵢ)`.
    pub fn sums(&self) -> (f64, f64) {
        (
            self.terms.iter().map(|p| p.shear).sum(),
            self.terms.iter().map(|p| p.bulk).sum(),
        )
    }

    /// The shear relaxation modulus `G(t)` (MPa) after `t` s held at `temp`
    /// °C, of instantaneous shear modulus `g0` (MPa).
    pub fn shear_modulus_after(&self, g0: f64, t: f64, temp: f64) -> f64 {
        let xi = t * self.shift.rate(temp);
        g0 * (1.0
            - self
                .terms
                .iter()
                .map(|p| p.shear * -(-xi / p.time).exp_m1())
                .sum::<f64>())
    }

    /// How many values one point's state holds: a start flag, the
    /// temperature (°C) and the mechanical strain (Voigt) of the last
    /// converged update, then per term the deviatoric internal stress
    /// (tensor Voigt, MPa) and the volumetric one (MPa).
    pub fn state_len(&self) -> usize {
        HEAD + 7 * self.terms.len()
    }

    /// The reduced-time increment (s) of an increment of `dt` s from `t0`
    /// to `t1` °C: `Δt` times the mean of `1/a_T` at both ends.
    pub fn reduced_time(&self, dt: f64, t0: f64, t1: f64) -> f64 {
        dt * 0.5 * (self.shift.rate(t0) + self.shift.rate(t1))
    }

    /// The stress and tangent after the mechanical strain `strain`
    /// (ε − ε_th − ε₀, Voigt) at the end of an increment under `at`, from
    /// the converged state `old`; the new state into `new` (both
    /// [`Self::state_len`] long; an all-zero state is a point without
    /// history).
    pub fn update(
        &self,
        at: Conditions,
        strain: &[f64; 6],
        old: &[f64],
        new: &mut [f64],
    ) -> Update {
        let (e, nu, t) = (at.young, at.poisson, at.temperature);
        let (g0, k0) = (e / (2.0 * (1.0 + nu)), e / (3.0 * (1.0 - 2.0 * nu)));
        let started = old[0] != 0.0;
        let t_old = if started { old[1] } else { t };
        let dxi = self.reduced_time(at.dt, t_old, t);
        let (dev_new, vol_new) = split(strain);
        let (dev_old, vol_old) = split(old[2..8].try_into().expect("six strains"));
        new[0] = 1.0;
        new[1] = t;
        new[2..8].copy_from_slice(strain);
        let (sg, sk) = self.sums();
        let mut dev_stress: [f64; 6] = dev_new.map(|d| 2.0 * g0 * (1.0 - sg) * d);
        let mut mean = k0 * (1.0 - sk) * vol_new;
        let (mut g_eff, mut k_eff) = (g0 * (1.0 - sg), k0 * (1.0 - sk));
        for (i, p) in self.terms.iter().enumerate() {
            let x = dxi / p.time;
            let decay = (-x).exp();
            // (1 − e^{−x})/x, its series near 0
            let c = if x < 1e-8 {
                1.0 - 0.5 * x
            } else {
                -(-x).exp_m1() / x
            };
            let o = HEAD + 7 * i;
            for k in 0..6 {
                let h = decay * old[o + k] + 2.0 * p.shear * g0 * c * (dev_new[k] - dev_old[k]);
                new[o + k] = h;
                dev_stress[k] += h;
            }
            let hv = decay * old[o + 6] + p.bulk * k0 * c * (vol_new - vol_old);
            new[o + 6] = hv;
            mean += hv;
            g_eff += p.shear * g0 * c;
            k_eff += p.bulk * k0 * c;
        }
        let stress = std::array::from_fn(|k| dev_stress[k] + if k < 3 { mean } else { 0.0 });
        Update {
            stress,
            tangent: isotropic_from(g_eff, k_eff),
        }
    }
}

/// The deviatoric part (tensor Voigt: shear components `ε_ij`, not `γ_ij`)
/// and the trace of a strain in engineering Voigt notation.
fn split(strain: &[f64; 6]) -> ([f64; 6], f64) {
    let vol = strain[0] + strain[1] + strain[2];
    let dev = std::array::from_fn(|k| {
        if k < 3 {
            strain[k] - vol / 3.0
        } else {
            0.5 * strain[k]
        }
    });
    (dev, vol)
}

/// The isotropic stiffness of shear modulus `g` and bulk modulus `k`, MPa.
pub fn isotropic_from(g: f64, k: f64) -> Voigt6x6 {
    let mut d = [[0.0; 6]; 6];
    for i in 0..3 {
        for j in 0..3 {
            d[i][j] = k - 2.0 * g / 3.0;
        }
        d[i][i] = k + 4.0 * g / 3.0;
        d[i + 3][i + 3] = g;
    }
    d
}

pub mod reader;

#[cfg(test)]
mod tests;
