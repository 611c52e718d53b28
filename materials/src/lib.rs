//! Material laws for pkgstress.
//!
//! Units: stress and moduli in MPa, temperature in °C, expansion
//! coefficients in 1/°C (not ppm). Voigt order everywhere in pkgstress is
//! `[xx, yy, zz, xy, yz, xz]` (VTK's order for symmetric tensors) with
//! engineering shear strains `γ = 2ε`.
//!
//! The assembly asks a [`Material`] for `D(T)` and `ε_th(T)` at a quadrature
//! point; it never knows which material it is.

pub mod cure;
pub mod library;
pub mod plastic;
mod table;
pub mod toml_reader;
pub mod units;
pub mod viscoelastic;

pub use table::{Table, TableError};

/// A 6x6 matrix in Voigt notation (MPa for stiffness).
pub type Voigt6x6 = [[f64; 6]; 6];

/// Linear elasticity with temperature-dependent constants.
#[derive(Clone, Debug, PartialEq)]
pub enum Elastic {
    /// Rows `[E (MPa), ν]` against temperature.
    Isotropic(Table<2>),
    /// Engineering constants `[E1, E2, E3 (MPa), ν12, ν13, ν23, G12, G13, G23 (MPa)]`
    /// against temperature, material axes = global axes.
    Orthotropic(Table<9>),
}

/// Thermal expansion coefficients (1/°C) against temperature: secant values
/// measured from `reference_temperature`.
#[derive(Clone, Debug, PartialEq)]
pub struct Expansion {
    /// Reference temperature of the secant coefficients, °C (Abaqus `ZERO=`).
    pub reference_temperature: f64,
    pub alpha: ExpansionTable,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExpansionTable {
    /// `[α]` against temperature, 1/°C.
    Isotropic(Table<1>),
    /// `[α11, α22, α33]` against temperature, 1/°C.
    Orthotropic(Table<3>),
}

/// A material: elastic law, optional thermal expansion, and optionally J2
/// plasticity or linear viscoelasticity (either makes its response
/// path-dependent).
#[derive(Clone, Debug, PartialEq)]
pub struct Material {
    pub name: String,
    /// The elastic constants; of a viscoelastic material, the instantaneous
    /// ones (Abaqus's `MODULI=INSTANTANEOUS`).
    pub elastic: Elastic,
    pub expansion: Option<Expansion>,
    pub plastic: Option<plastic::Plasticity>,
    pub viscoelastic: Option<viscoelastic::Viscoelasticity>,
    /// The elastic model an elastic analysis (`--elastic`) puts in place of
    /// a viscoelastic material's instantaneous constants: the library's
    /// datasheet table (moduli at the rate of a DMA test); `None` keeps
    /// `elastic`.
    pub elastic_equivalent: Option<Elastic>,
}

/// Error in material data.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MaterialError {
    #[error("material {material}: {message}")]
    Invalid { material: String, message: String },
}

impl Material {
    /// An isotropic material with constant E (MPa), ν and α (1/°C), reference
    /// temperature 0 °C.
    pub fn isotropic(name: &str, youngs_modulus: f64, poisson_ratio: f64, alpha: f64) -> Self {
        Material {
            name: name.to_string(),
            elastic: Elastic::Isotropic(Table::constant([youngs_modulus, poisson_ratio])),
            expansion: Some(Expansion {
                reference_temperature: 0.0,
                alpha: ExpansionTable::Isotropic(Table::constant([alpha])),
            }),
            plastic: None,
            viscoelastic: None,
            elastic_equivalent: None,
        }
    }

    /// The material's elastic part: no plasticity, no viscoelasticity, the
    /// elastic equivalent of a viscoelastic material in place of its
    /// instantaneous constants.
    pub fn elastic_part(mut self) -> Material {
        self.plastic = None;
        self.viscoelastic = None;
        if let Some(e) = self.elastic_equivalent.take() {
            self.elastic = e;
        }
        self
    }

    /// Checks that the constants give a positive-definite stiffness at every
    /// tabulated temperature.
    pub fn validate(&self) -> Result<(), MaterialError> {
        let inelastic = self.plastic.is_some() || self.viscoelastic.is_some();
        if inelastic && matches!(self.elastic, Elastic::Orthotropic(_)) {
            let law = if self.plastic.is_some() {
                "plasticity"
            } else {
                "viscoelasticity"
            };
            return Err(MaterialError::Invalid {
                material: self.name.clone(),
                message: format!("{law} needs isotropic elasticity"),
            });
        }
        if self.plastic.is_some() && self.viscoelastic.is_some() {
            return Err(MaterialError::Invalid {
                material: self.name.clone(),
                message: "a material is either plastic or viscoelastic, not both".into(),
            });
        }
        let temps: Vec<f64> = match &self.elastic {
            Elastic::Isotropic(t) => t.temperatures().collect(),
            Elastic::Orthotropic(t) => t.temperatures().collect(),
        };
        for t in temps {
            let invalid = |message: String| MaterialError::Invalid {
                material: self.name.clone(),
                message,
            };
            match &self.elastic {
                Elastic::Isotropic(tab) => {
                    let [e, nu] = tab.at(t);
                    if !(e > 0.0) || !(nu > -1.0 && nu < 0.5) {
                        return Err(invalid(format!(
                            "isotropic constants at {t} C need E > 0 and -1 < nu < 0.5, got E = {e}, nu = {nu}"
                        )));
                    }
                }
                Elastic::Orthotropic(tab) => {
                    let c = tab.at(t);
                    if c.iter()
                        .take(3)
                        .chain(c.iter().skip(6))
                        .any(|&v| !(v > 0.0))
                    {
                        return Err(invalid(format!(
                            "orthotropic moduli at {t} C must be positive"
                        )));
                    }
                    let s = orthotropic_normal_compliance(&c);
                    if !(det3(&s) > 0.0) {
                        return Err(invalid(format!(
                            "orthotropic Poisson ratios at {t} C give a stiffness that is not positive definite"
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// `[E (MPa), ν]` at `temperature` of an isotropic material, `None`
    /// for an orthotropic one.
    pub fn isotropic_constants(&self, temperature: f64) -> Option<[f64; 2]> {
        match &self.elastic {
            Elastic::Isotropic(tab) => Some(tab.at(temperature)),
            Elastic::Orthotropic(_) => None,
        }
    }

    /// Whether the response depends on the path (plasticity,
    /// viscoelasticity): such a material needs incremental (Newton) analysis.
    pub fn is_path_dependent(&self) -> bool {
        self.plastic.is_some() || self.viscoelastic.is_some()
    }

    /// How many values one integration point's viscoelastic state holds
    /// (0 for a material that is not viscoelastic).
    pub fn viscous_state_len(&self) -> usize {
        self.viscoelastic.as_ref().map_or(0, |v| v.state_len())
    }

    /// Elastic stiffness `D(T)` in Voigt notation, MPa.
    pub fn stiffness(&self, temperature: f64) -> Voigt6x6 {
        match &self.elastic {
            Elastic::Isotropic(tab) => {
                let [e, nu] = tab.at(temperature);
                isotropic_stiffness(e, nu)
            }
            Elastic::Orthotropic(tab) => orthotropic_stiffness(&tab.at(temperature)),
        }
    }

    /// Secant expansion coefficients `α(T)` per axis, 1/°C.
    pub fn alpha(&self, temperature: f64) -> [f64; 3] {
        match &self.expansion {
            None => [0.0; 3],
            Some(exp) => match &exp.alpha {
                ExpansionTable::Isotropic(tab) => {
                    let [a] = tab.at(temperature);
                    [a; 3]
                }
                ExpansionTable::Orthotropic(tab) => tab.at(temperature),
            },
        }
    }

    /// Thermal strain (Voigt, shear components zero), dimensionless:
    /// `ε_th = α(T)(T − T_ref) − α(T₀)(T₀ − T_ref)` with `T₀` the
    /// stress-free (initial) temperature — CalculiX's secant convention.
    pub fn thermal_strain(&self, temperature: f64, initial_temperature: f64) -> [f64; 6] {
        let Some(exp) = &self.expansion else {
            return [0.0; 6];
        };
        let t_ref = exp.reference_temperature;
        let a = self.alpha(temperature);
        let a0 = self.alpha(initial_temperature);
        let mut eps = [0.0; 6];
        for d in 0..3 {
            eps[d] = a[d] * (temperature - t_ref) - a0[d] * (initial_temperature - t_ref);
        }
        eps
    }
}

/// Isotropic stiffness from E (MPa) and ν, Voigt `[xx,yy,zz,xy,yz,xz]`.
pub fn isotropic_stiffness(e: f64, nu: f64) -> Voigt6x6 {
    let lambda = e * nu / ((1.0 + nu) * (1.0 - 2.0 * nu));
    let mu = e / (2.0 * (1.0 + nu));
    let mut d = [[0.0; 6]; 6];
    for i in 0..3 {
        for j in 0..3 {
            d[i][j] = lambda;
        }
        d[i][i] = lambda + 2.0 * mu;
        d[i + 3][i + 3] = mu;
    }
    d
}

/// Normal part of the orthotropic compliance, `S[i][j]` for i, j in 0..3.
fn orthotropic_normal_compliance(c: &[f64; 9]) -> [[f64; 3]; 3] {
    let [e1, e2, e3, nu12, nu13, nu23, ..] = *c;
    [
        [1.0 / e1, -nu12 / e1, -nu13 / e1],
        [-nu12 / e1, 1.0 / e2, -nu23 / e2],
        [-nu13 / e1, -nu23 / e2, 1.0 / e3],
    ]
}

fn det3(m: &[[f64; 3]; 3]) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

/// Orthotropic stiffness from engineering constants
/// `[E1, E2, E3, ν12, ν13, ν23, G12, G13, G23]` (Abaqus order; ν_ij/E_i = ν_ji/E_j).
pub fn orthotropic_stiffness(c: &[f64; 9]) -> Voigt6x6 {
    let s = orthotropic_normal_compliance(c);
    let det = det3(&s);
    let mut d = [[0.0; 6]; 6];
    for i in 0..3 {
        for j in 0..3 {
            let (i1, i2) = ((i + 1) % 3, (i + 2) % 3);
            let (j1, j2) = ((j + 1) % 3, (j + 2) % 3);
            // inverse = adjugate / det (symmetric, so cofactor index order is free)
            d[j][i] = (s[j1][i1] * s[j2][i2] - s[j1][i2] * s[j2][i1]) / det;
        }
    }
    let [.., g12, g13, g23] = *c;
    d[3][3] = g12; // xy
    d[4][4] = g23; // yz
    d[5][5] = g13; // xz
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn orthotropic_with_isotropic_constants_equals_isotropic() {
        let (e, nu) = (130e3, 0.28);
        let g = e / (2.0 * (1.0 + nu));
        let ortho = orthotropic_stiffness(&[e, e, e, nu, nu, nu, g, g, g]);
        let iso = isotropic_stiffness(e, nu);
        for i in 0..6 {
            for j in 0..6 {
                assert_relative_eq!(ortho[i][j], iso[i][j], max_relative = 1e-12, epsilon = 1e-9);
            }
        }
    }

    #[test]
    fn orthotropic_stiffness_inverts_compliance() {
        let c = [20e3, 15e3, 5e3, 0.15, 0.3, 0.25, 4e3, 3e3, 2e3];
        let d = orthotropic_stiffness(&c);
        let s = orthotropic_normal_compliance(&c);
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| d[i][k] * s[k][j]).sum();
                assert_relative_eq!(v, if i == j { 1.0 } else { 0.0 }, epsilon = 1e-12);
            }
        }
    }

    #[test]
    fn secant_thermal_strain_follows_calculix_convention() {
        let mat = Material {
            name: "m".into(),
            elastic: Elastic::Isotropic(Table::constant([1e3, 0.3])),
            expansion: Some(Expansion {
                reference_temperature: 20.0,
                alpha: ExpansionTable::Isotropic(
                    Table::new(vec![(0.0, [1e-5]), (100.0, [3e-5])]).unwrap(),
                ),
            }),
            plastic: None,
            viscoelastic: None,
            elastic_equivalent: None,
        };
        // α(50) = 2e-5, α(150) = 3e-5 (clamped): ε = 2e-5*30 - 3e-5*130
        let eps = mat.thermal_strain(50.0, 150.0);
        assert_relative_eq!(eps[0], 2e-5 * 30.0 - 3e-5 * 130.0, max_relative = 1e-14);
        assert_eq!(eps[3], 0.0);
        assert_eq!(mat.thermal_strain(150.0, 150.0), [0.0; 6]);
    }

    #[test]
    fn validation_rejects_bad_constants() {
        let bad = Material::isotropic("bad", 1e3, 0.5, 0.0);
        assert!(bad.validate().is_err());
        assert!(Material::isotropic("ok", 1e3, 0.3, 0.0).validate().is_ok());
    }
}
