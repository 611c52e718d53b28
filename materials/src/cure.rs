//! Cure of thermosetting adhesives (ACF/ACA, underfill): the degree of cure
//! α ∈ [0, 1] against time and temperature, the gel point at which the
//! adhesive starts to carry stress (pkgstress births it strain-free there),
//! and the chemical shrinkage it accumulates after gelation.
//!
//! Two models:
//! - Kamal–Sourour autocatalytic kinetics,
//!   `dα/dt = (k₁ + k₂ αᵐ)(1 − α)ⁿ`, `kᵢ = Aᵢ exp(−Eᵢ / (R T))` with T in
//!   kelvin, integrated with classical Runge–Kutta in sub-steps that advance
//!   α by at most [`MAX_SUBSTEP_CURE`];
//! - "time above": the adhesive counts as cured once it has spent
//!   `time` (s) above `temperature` (°C); α is the fraction of that time
//!   spent so far, exact for temperatures linear in time within a step.

use crate::toml_reader::{TomlError, TomlReader};
use crate::units::Dimension;
use toml::Value;

/// Gas constant, J/(mol·K).
pub const GAS_CONSTANT: f64 = 8.314_462_618;

/// Largest change of α in one Runge–Kutta sub-step (sub-steps are also
/// kept below a tenth of the kinetics' time scale 1/(k₁ + k₂)).
pub const MAX_SUBSTEP_CURE: f64 = 0.01;

/// Kinetics faster than this many times the rest of an increment
/// ((k₁ + k₂)·Δt) are integrated implicitly ([`Cure::advance`]): the
/// explicit sub-steps, a tenth of 1/(k₁ + k₂) each, would number in
/// proportion to the stiffness (`a1 = 1e300 1/s` or `e1 = 0` would never
/// finish).
pub const STIFF: f64 = 1e4;

/// How the degree of cure evolves.
#[derive(Clone, Debug, PartialEq)]
pub enum CureModel {
    /// Kamal–Sourour: pre-exponential factors `a1`, `a2` (1/s), activation
    /// energies `e1`, `e2` (J/mol), reaction orders `m`, `n`.
    Kamal {
        a1: f64,
        e1: f64,
        a2: f64,
        e2: f64,
        m: f64,
        n: f64,
    },
    /// Cured after `time` (s) spent above `temperature` (°C).
    TimeAbove { temperature: f64, time: f64 },
}

/// A cure law with its gel point and chemical shrinkage.
#[derive(Clone, Debug, PartialEq)]
pub struct Cure {
    pub model: CureModel,
    /// Degree of cure at gelation (the adhesive's birth), in (0, 1].
    pub gel: f64,
    /// Volumetric chemical shrinkage from gelation to full cure, a fraction
    /// (0.015 = 1.5 %); the linear shrinkage strain at α is
    /// `−(shrinkage / 3)(α − gel)/(1 − gel)` beyond the gel point.
    pub shrinkage: f64,
}

impl CureModel {
    /// Checks the constants: non-negative rates and energies, reaction
    /// orders that let an uncured adhesive start, a positive time above.
    fn check(&self, r: &TomlReader<'_>, place: &str) -> Result<(), TomlError> {
        match *self {
            CureModel::Kamal {
                a1,
                a2,
                m,
                n,
                e1,
                e2,
            } => {
                if !(a1 >= 0.0 && a2 >= 0.0 && a1 + a2 > 0.0 && e1 >= 0.0 && e2 >= 0.0) {
                    return Err(r.err(
                        place,
                        "a1, a2, e1, e2 must be non-negative and a1 + a2 positive",
                    ));
                }
                if !(m >= 0.0 && n > 0.0) {
                    return Err(r.err(place, "reaction orders need m >= 0 and n > 0"));
                }
                if a1 == 0.0 && m > 0.0 {
                    return Err(r.err(
                        place,
                        "with a1 = 0 and m > 0 an uncured adhesive never starts to cure",
                    ));
                }
            }
            CureModel::TimeAbove { time, .. } => {
                if !(time > 0.0) {
                    return Err(r.err(&format!("{place}.time"), "must be positive"));
                }
            }
        }
        Ok(())
    }
}

impl Cure {
    /// The Kamal rate constants `[k₁, k₂]` (1/s) at `t` (°C); zero for the
    /// time-above model.
    pub fn rate_constants(&self, t: f64) -> [f64; 2] {
        match self.model {
            CureModel::Kamal { a1, e1, a2, e2, .. } => {
                let tk = t + 273.15;
                [
                    a1 * (-e1 / (GAS_CONSTANT * tk)).exp(),
                    a2 * (-e2 / (GAS_CONSTANT * tk)).exp(),
                ]
            }
            CureModel::TimeAbove { .. } => [0.0; 2],
        }
    }

    /// dα/dt (1/s) at degree of cure `alpha` and temperature `t` (°C);
    /// for the time-above model, the rate while above the threshold.
    pub fn rate(&self, alpha: f64, t: f64) -> f64 {
        let a = alpha.clamp(0.0, 1.0);
        match self.model {
            CureModel::Kamal { m, n, .. } => {
                let [k1, k2] = self.rate_constants(t);
                (k1 + k2 * a.powf(m)) * (1.0 - a).powf(n)
            }
            CureModel::TimeAbove { temperature, time } => {
                if t >= temperature && a < 1.0 {
                    1.0 / time
                } else {
                    0.0
                }
            }
        }
    }

    /// The degree of cure after `dt` (s) starting from `alpha`, with the
    /// temperature going linearly from `t0` to `t1` (°C).
    pub fn advance(&self, alpha: f64, t0: f64, t1: f64, dt: f64) -> f64 {
        if dt <= 0.0 || alpha >= 1.0 {
            return alpha.min(1.0);
        }
        match self.model {
            CureModel::TimeAbove { temperature, time } => {
                // time within [0, dt] with T(τ) ≥ threshold, T linear
                let above = if (t1 - t0).abs() < 1e-300 {
                    if t0 >= temperature {
                        dt
                    } else {
                        0.0
                    }
                } else {
                    let tau = ((temperature - t0) / (t1 - t0) * dt).clamp(0.0, dt);
                    if t1 > t0 {
                        dt - tau
                    } else {
                        tau
                    }
                };
                (alpha + above / time).min(1.0)
            }
            CureModel::Kamal { .. } => {
                let temp = |tau: f64| t0 + (t1 - t0) * tau / dt;
                let (mut a, mut tau) = (alpha, 0.0);
                while tau < dt && a < 1.0 {
                    let scale = self.rate_constants(temp(tau)).iter().sum::<f64>();
                    if scale * (dt - tau) > STIFF {
                        return self.advance_stiff(a, tau, dt, scale, &temp);
                    }
                    let r = self.rate(a, temp(tau));
                    let mut h = dt - tau;
                    if r * h > MAX_SUBSTEP_CURE {
                        h = MAX_SUBSTEP_CURE / r;
                    }
                    // resolve the kinetics' own time scale 1/(k₁ + k₂)
                    if scale * h > 0.1 {
                        h = 0.1 / scale;
                    }
                    let f = |a: f64, s: f64| self.rate(a, temp(s));
                    let k1 = f(a, tau);
                    let k2 = f(a + 0.5 * h * k1, tau + 0.5 * h);
                    let k3 = f(a + 0.5 * h * k2, tau + 0.5 * h);
                    let k4 = f(a + h * k3, tau + h);
                    a = (a + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)).min(1.0);
                    tau += h;
                }
                a
            }
        }
    }

    /// The rest of an increment, from `alpha` at `tau` to `dt` (s), when
    /// the kinetics are far faster than it (`scale`, k₁ + k₂ in 1/s, times
    /// the time left above [`STIFF`]): backward Euler, stable at any step,
    /// with steps growing geometrically from a tenth of the kinetics' time
    /// scale, so that the cost grows with the logarithm of the stiffness
    /// (about 60 steps at k·Δt = 10¹⁸) instead of in proportion to it.
    fn advance_stiff(
        &self,
        alpha: f64,
        mut tau: f64,
        dt: f64,
        scale: f64,
        temp: &impl Fn(f64) -> f64,
    ) -> f64 {
        let mut a = alpha;
        let mut h = 0.1 / scale;
        while tau < dt && a < 1.0 {
            h = h.min(dt - tau);
            let t = temp(tau + h);
            // α⁺ = α + h r(α⁺, T): g(x) = x − α − h r(x) is ≤ 0 at α and
            // 1 − α ≥ 0 at 1, where the rate vanishes
            let (mut lo, mut hi) = (a, 1.0);
            for _ in 0..64 {
                let mid = 0.5 * (lo + hi);
                if mid - a - h * self.rate(mid, t) < 0.0 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            a = hi;
            tau += h;
            h *= 2.0;
        }
        a.min(1.0)
    }

    /// Linear chemical shrinkage strain (negative) at degree of cure `alpha`,
    /// counted from the gel point.
    pub fn shrinkage_strain(&self, alpha: f64) -> f64 {
        if alpha <= self.gel || self.gel >= 1.0 {
            return 0.0;
        }
        -(self.shrinkage / 3.0) * (alpha.min(1.0) - self.gel) / (1.0 - self.gel)
    }

    /// Reads a cure table: `model = "kamal"` with `a1, e1, a2, e2, m, n`, or
    /// `model = "time-above"` with `temperature, time`; `gel` (default 0.5
    /// for Kamal, 1 for time-above) and `shrinkage` (default 0) optional.
    /// Keys absent here are taken from `base` when it is given (a case
    /// overriding a library entry's gel point, say).
    pub fn parse(
        r: &TomlReader<'_>,
        place: &str,
        t: &toml::Table,
        base: Option<&Cure>,
    ) -> Result<Cure, TomlError> {
        r.only(
            place,
            t,
            &[
                "model",
                "a1",
                "e1",
                "a2",
                "e2",
                "m",
                "n",
                "temperature",
                "time",
                "gel",
                "shrinkage",
            ],
        )?;
        let get = |key: &str, dim: Dimension| -> Result<f64, TomlError> {
            r.scalar(&format!("{place}.{key}"), r.field(place, t, key)?, dim)
        };
        let model = match t.get("model") {
            None => base
                .map(|b| b.model.clone())
                .ok_or_else(|| r.err(place, "missing key 'model' (\"kamal\" or \"time-above\")"))?,
            Some(Value::String(s)) if s == "kamal" => CureModel::Kamal {
                a1: get("a1", Dimension::Rate)?,
                e1: get("e1", Dimension::MolarEnergy)?,
                a2: get("a2", Dimension::Rate)?,
                e2: get("e2", Dimension::MolarEnergy)?,
                m: get("m", Dimension::Dimensionless)?,
                n: get("n", Dimension::Dimensionless)?,
            },
            Some(Value::String(s)) if s == "time-above" => CureModel::TimeAbove {
                temperature: get("temperature", Dimension::Temperature)?,
                time: get("time", Dimension::Time)?,
            },
            Some(_) => {
                return Err(r.err(
                    &format!("{place}.model"),
                    "expected \"kamal\" or \"time-above\"",
                ))
            }
        };
        model.check(r, place)?;
        let default_gel = match model {
            CureModel::Kamal { .. } => 0.5,
            CureModel::TimeAbove { .. } => 1.0,
        };
        let gel = match t.get("gel") {
            Some(v) => r.scalar(&format!("{place}.gel"), v, Dimension::Fraction)?,
            None => base
                .filter(|b| b.model == model)
                .map_or(default_gel, |b| b.gel),
        };
        if !(gel > 0.0 && gel <= 1.0) {
            return Err(r.err(&format!("{place}.gel"), "must be in (0, 1]"));
        }
        let shrinkage = match t.get("shrinkage") {
            Some(v) => r.scalar(&format!("{place}.shrinkage"), v, Dimension::Fraction)?,
            None => base.map_or(0.0, |b| b.shrinkage),
        };
        if !(0.0..0.5).contains(&shrinkage) {
            return Err(r.err(
                &format!("{place}.shrinkage"),
                "expected a volumetric fraction in [0, 0.5), e.g. \"1.5 %\"",
            ));
        }
        Ok(Cure {
            model,
            gel,
            shrinkage,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn kamal(m: f64, n: f64) -> Cure {
        Cure {
            model: CureModel::Kamal {
                a1: 3.3e7,
                e1: 8e4,
                a2: 8.3e8,
                e2: 8e4,
                m,
                n,
            },
            gel: 0.5,
            shrinkage: 0.015,
        }
    }

    fn k(a: f64, e: f64, t: f64) -> f64 {
        a * (-e / (GAS_CONSTANT * (t + 273.15))).exp()
    }

    /// m = n = 1 isothermal: `dα/dt = (k₁ + k₂α)(1 − α)` integrates to
    /// `α = k₁(E − 1)/(k₁E + k₂)` with `E = exp((k₁ + k₂)t)`.
    #[test]
    fn autocatalytic_isothermal_matches_closed_form() {
        let c = kamal(1.0, 1.0);
        let t = 180.0;
        let (k1, k2) = (k(3.3e7, 8e4, t), k(8.3e8, 8e4, t));
        for time in [1.0, 4.0, 8.0, 15.0] {
            let e = ((k1 + k2) * time).exp();
            let exact = k1 * (e - 1.0) / (k1 * e + k2);
            let a = c.advance(0.0, t, t, time);
            assert_relative_eq!(a, exact, max_relative = 1e-6);
        }
        // advancing in pieces equals advancing at once (to the sub-step error)
        let mut a = 0.0;
        for _ in 0..10 {
            a = c.advance(a, t, t, 0.8);
        }
        assert_relative_eq!(a, c.advance(0.0, t, t, 8.0), max_relative = 1e-6);
    }

    /// n-th order (k₂ = 0): `(1 − α)^(1−n) = 1 − (1 − n) k₁ t`.
    #[test]
    fn nth_order_isothermal_matches_closed_form() {
        let c = Cure {
            model: CureModel::Kamal {
                a1: 3.3e7,
                e1: 8e4,
                a2: 0.0,
                e2: 0.0,
                m: 0.0,
                n: 1.7,
            },
            gel: 0.5,
            shrinkage: 0.0,
        };
        let t = 200.0;
        let k1 = k(3.3e7, 8e4, t);
        for time in [2.0, 20.0, 60.0] {
            let exact = 1.0 - (1.0 - (1.0 - 1.7) * k1 * time).powf(1.0 / (1.0 - 1.7));
            assert_relative_eq!(c.advance(0.0, t, t, time), exact, max_relative = 1e-6);
        }
    }

    /// Kinetics far faster than the increment (k₁·Δt from 10⁵ to 10³⁰⁰,
    /// the stiff path) against the closed form of the n-th order reaction,
    /// `1 − α = (1 + (n − 1) k₁ t)^(−1/(n−1))`: within 1e-5 of α (backward
    /// Euler is first order, but the cure is all but complete). The
    /// explicit sub-steps would have needed ~k₁Δt/0.1 of them.
    #[test]
    fn stiff_kinetics_finish_and_match_the_closed_form() {
        for a1 in [1e5, 1e9, 1e30, 1e300] {
            let c = Cure {
                model: CureModel::Kamal {
                    a1,
                    e1: 0.0,
                    a2: 0.0,
                    e2: 0.0,
                    m: 0.0,
                    n: 1.7,
                },
                gel: 0.5,
                shrinkage: 0.0,
            };
            let t = 1.0;
            assert!(a1 * t > STIFF, "the stiff path");
            let exact = 1.0 - (1.0 + 0.7 * a1 * t).powf(-1.0 / 0.7);
            let a = c.advance(0.0, 150.0, 150.0, t);
            assert!((a - exact).abs() < 1e-5, "a1 = {a1:e}: {a} vs {exact}");
        }
        // autocatalytic with a slow start and an enormous k₂: still ends cured
        let c = Cure {
            model: CureModel::Kamal {
                a1: 1e-3,
                e1: 0.0,
                a2: 1e300,
                e2: 0.0,
                m: 1.0,
                n: 1.0,
            },
            gel: 0.5,
            shrinkage: 0.0,
        };
        let a = c.advance(0.0, 150.0, 150.0, 1.0);
        assert!(a > 0.999 && a <= 1.0, "{a}");
    }

    /// A linear ramp: first-order kinetics with E = 0 has k constant, so
    /// α = 1 − exp(−k t) whatever the temperature path.
    #[test]
    fn ramp_with_zero_activation_energy_is_exponential() {
        let c = Cure {
            model: CureModel::Kamal {
                a1: 0.3,
                e1: 0.0,
                a2: 0.0,
                e2: 0.0,
                m: 0.0,
                n: 1.0,
            },
            gel: 0.5,
            shrinkage: 0.0,
        };
        assert_relative_eq!(
            c.advance(0.0, 25.0, 200.0, 5.0),
            1.0 - (-1.5f64).exp(),
            max_relative = 1e-7
        );
    }

    #[test]
    fn time_above_counts_the_time_over_the_threshold() {
        let c = Cure {
            model: CureModel::TimeAbove {
                temperature: 150.0,
                time: 10.0,
            },
            gel: 1.0,
            shrinkage: 0.0,
        };
        // 100 -> 200 C over 4 s: above 150 C for the last 2 s
        assert_relative_eq!(c.advance(0.0, 100.0, 200.0, 4.0), 0.2, epsilon = 1e-12);
        // cooling 200 -> 100 C: the first 2 s
        assert_relative_eq!(c.advance(0.5, 200.0, 100.0, 4.0), 0.7, epsilon = 1e-12);
        assert_eq!(c.advance(0.0, 25.0, 25.0, 100.0), 0.0);
        assert_eq!(c.advance(0.95, 180.0, 180.0, 100.0), 1.0);
    }

    #[test]
    fn shrinkage_starts_at_the_gel_point() {
        let c = kamal(1.0, 1.0);
        assert_eq!(c.shrinkage_strain(0.4), 0.0);
        assert_relative_eq!(c.shrinkage_strain(0.75), -0.0025, epsilon = 1e-15);
        assert_relative_eq!(c.shrinkage_strain(1.0), -0.005, epsilon = 1e-15);
    }
}
