//! `[material.viscoelastic]` of the library and of case files:
//!
//! ```toml
//! [material.viscoelastic]
//! E = "2.5 GPa"        # instantaneous moduli (optional: else the elastic ones)
//! nu = 0.35
//! terms = [[0.3, 0.2, "1 s"], [0.4, 0.3, "100 s"]]   # [g, k, tau at the reference]
//! shift = { model = "wlf", reference = "130 C", c1 = 17.44, c2 = 51.6 }
//! # shift = { model = "arrhenius", reference = "130 C", activation = "100 kJ/mol" }
//! ```
//!
//! WLF's `c2` is a temperature difference in kelvin (a plain number);
//! Arrhenius's activation energy is per mole (divided by the gas constant).

use super::{PronyTerm, Shift, Viscoelasticity};
use crate::toml_reader::{TomlError, TomlReader};
use crate::units::Dimension;
use toml::Value;

/// The gas constant, J/(mol·K).
pub const GAS_CONSTANT: f64 = 8.314_462_618;

/// A Prony series with its shift and, when the table gives them, the
/// instantaneous `[E (MPa), ν]` that replace the material's elastic ones.
pub struct Parsed {
    pub law: Viscoelasticity,
    pub instantaneous: Option<[f64; 2]>,
}

impl Viscoelasticity {
    /// Reads `[material.viscoelastic]` (the table at `place`).
    pub fn parse(r: &TomlReader<'_>, place: &str, t: &toml::Table) -> Result<Parsed, TomlError> {
        r.only(place, t, &["E", "nu", "terms", "shift"])?;
        let instantaneous = match (t.get("E"), t.get("nu")) {
            (None, None) => None,
            (Some(e), Some(nu)) => Some([
                r.scalar(&format!("{place}.E"), e, Dimension::Stress)?,
                r.scalar(&format!("{place}.nu"), nu, Dimension::Dimensionless)?,
            ]),
            _ => {
                return Err(r.err(
                    place,
                    "give both E and nu (the instantaneous moduli) or neither",
                ))
            }
        };
        let p = format!("{place}.terms");
        let rows = r
            .field(place, t, "terms")?
            .as_array()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| r.err(&p, "expected [[g, k, relaxation time], ...]"))?;
        let terms = rows
            .iter()
            .enumerate()
            .map(|(i, row)| match row.as_array().map(Vec::as_slice) {
                Some([g, k, tau]) => Ok(PronyTerm {
                    shear: r.scalar(&format!("{p}[{i}][0]"), g, Dimension::Dimensionless)?,
                    bulk: r.scalar(&format!("{p}[{i}][1]"), k, Dimension::Dimensionless)?,
                    time: r.scalar(&format!("{p}[{i}][2]"), tau, Dimension::Time)?,
                }),
                _ => Err(r.err(&format!("{p}[{i}]"), "expected [g, k, relaxation time]")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let shift = match t.get("shift") {
            None => Shift::None,
            Some(v) => shift(r, &format!("{place}.shift"), v)?,
        };
        let law = Viscoelasticity::new(terms, shift).map_err(|e| r.err(place, e.to_string()))?;
        Ok(Parsed { law, instantaneous })
    }
}

fn shift(r: &TomlReader<'_>, place: &str, v: &Value) -> Result<Shift, TomlError> {
    let t = v
        .as_table()
        .ok_or_else(|| r.err(place, "expected a table"))?;
    let get = |key: &str, dim: Dimension| -> Result<f64, TomlError> {
        r.scalar(&format!("{place}.{key}"), r.field(place, t, key)?, dim)
    };
    match r.string(place, t, "model")?.as_str() {
        "wlf" => {
            r.only(place, t, &["model", "reference", "c1", "c2"])?;
            Ok(Shift::Wlf {
                reference: get("reference", Dimension::Temperature)?,
                c1: get("c1", Dimension::Dimensionless)?,
                c2: get("c2", Dimension::Dimensionless)?,
            })
        }
        "arrhenius" => {
            r.only(place, t, &["model", "reference", "activation"])?;
            Ok(Shift::Arrhenius {
                reference: get("reference", Dimension::Temperature)?,
                activation: get("activation", Dimension::MolarEnergy)? / GAS_CONSTANT,
            })
        }
        "none" => {
            r.only(place, t, &["model"])?;
            Ok(Shift::None)
        }
        other => Err(r.err(
            &format!("{place}.model"),
            format!("unknown shift '{other}' (wlf, arrhenius, none)"),
        )),
    }
}
