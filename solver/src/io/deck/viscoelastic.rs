//! Viscoelastic materials (`*VISCOELASTIC, TIME=PRONY`, `*TRS`, and
//! `*ELASTIC, MODULI=`), in Abaqus's meaning: the Prony rows are
//! `gᵢ, kᵢ, τᵢ`; `*TRS, DEFINITION=WLF` takes `T_ref, C₁, C₂` and
//! `DEFINITION=ARRHENIUS` takes `T_ref, E_a/R` (K; an optional third field,
//! absolute zero, must be −273.15); the elastic constants of a viscoelastic
//! material are long-term ones unless `MODULI=INSTANTANEOUS` (Abaqus's
//! default is `LONG TERM`), converted here to the instantaneous ones the
//! solver uses: `G₀ = G∞/(1 − Σgᵢ)`, `K₀ = K∞/(1 − Σkᵢ)`.

use super::error::DeckError;
use super::lines::{err_at, fields, number, Card, Line};
use super::Reader;
use materials::viscoelastic::{PronyTerm, Shift, Viscoelasticity, ABSOLUTE_ZERO};
use materials::{Elastic, Table};

/// What the cards of one material said about its viscoelasticity.
#[derive(Clone, Debug)]
pub(super) struct ViscousCards {
    terms: Option<(Vec<PronyTerm>, Line)>,
    shift: Option<(Shift, Line)>,
    /// `*ELASTIC, MODULI=INSTANTANEOUS`.
    instantaneous: bool,
}

impl Default for ViscousCards {
    fn default() -> Self {
        ViscousCards {
            terms: None,
            shift: None,
            instantaneous: false,
        }
    }
}

impl Reader {
    fn viscous_cards(&mut self, c: &Card) -> Result<&mut ViscousCards, DeckError> {
        let Some(i) = self.current_material else {
            return Err(c.err("must follow a *MATERIAL card"));
        };
        Ok(self.viscous.entry(i).or_default())
    }

    /// `*ELASTIC`'s `MODULI=` parameter.
    pub(super) fn elastic_moduli(&mut self, c: &Card) -> Result<(), DeckError> {
        let instantaneous = match c.param("MODULI").map(str::to_ascii_uppercase).as_deref() {
            None | Some("LONG TERM") => false,
            Some("INSTANTANEOUS") => true,
            Some(other) => {
                return Err(c.err(format!(
                    "MODULI={other} is not supported (INSTANTANEOUS or LONG TERM)"
                )))
            }
        };
        self.viscous_cards(c)?.instantaneous = instantaneous;
        Ok(())
    }

    /// `*VISCOELASTIC, TIME=PRONY`: rows `g, k, τ`.
    pub(super) fn viscoelastic(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["TIME"])?;
        match c.param("TIME").map(str::to_ascii_uppercase).as_deref() {
            Some("PRONY") => {}
            Some(other) => return Err(c.err(format!("TIME={other} is not supported (TIME=PRONY)"))),
            None => return Err(c.err("needs TIME=PRONY (frequency-domain data is not supported)")),
        }
        let mut terms = Vec::new();
        for line in &c.data {
            let f: Vec<&str> = fields(line).into_iter().filter(|x| !x.is_empty()).collect();
            let [g, k, tau] = f.as_slice() else {
                return Err(err_at(
                    line,
                    "*VISCOELASTIC: expected 'g, k, relaxation time'".into(),
                ));
            };
            terms.push(PronyTerm {
                shear: number(line, g, "the shear fraction g")?,
                bulk: number(line, k, "the bulk fraction k")?,
                time: number(line, tau, "the relaxation time")?,
            });
        }
        if terms.is_empty() {
            return Err(c.err("needs at least one data line 'g, k, relaxation time'"));
        }
        Viscoelasticity::new(terms.clone(), Shift::None).map_err(|e| c.err(e.to_string()))?;
        self.viscous_cards(c)?.terms = Some((terms, c.head.clone()));
        Ok(())
    }

    /// `*TRS, DEFINITION=WLF | ARRHENIUS`.
    pub(super) fn trs(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["DEFINITION"])?;
        let line = match c.data.as_slice() {
            [line] => line,
            _ => return Err(c.err("takes one data line")),
        };
        let f: Vec<&str> = fields(line).into_iter().filter(|x| !x.is_empty()).collect();
        let get = |i: usize, what: &str| match f.get(i) {
            Some(x) => number(line, x, what),
            None => Err(err_at(line, format!("*TRS: missing {what}"))),
        };
        let shift = match c
            .param("DEFINITION")
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            None | Some("WLF") => {
                if f.len() != 3 {
                    return Err(err_at(
                        line,
                        "*TRS, DEFINITION=WLF: expected 'reference temperature, C1, C2'".into(),
                    ));
                }
                Shift::Wlf {
                    reference: get(0, "the reference temperature")?,
                    c1: get(1, "C1")?,
                    c2: get(2, "C2")?,
                }
            }
            Some("ARRHENIUS") => {
                if !(2..=3).contains(&f.len()) {
                    return Err(err_at(line, "*TRS, DEFINITION=ARRHENIUS: expected 'reference temperature, activation energy over R (K)'".into()));
                }
                if f.len() == 3 && (get(2, "absolute zero")? - ABSOLUTE_ZERO).abs() > 1e-6 {
                    return Err(err_at(line, format!("*TRS: pkgstress's temperatures are Celsius, absolute zero {ABSOLUTE_ZERO}")));
                }
                Shift::Arrhenius {
                    reference: get(0, "the reference temperature")?,
                    activation: get(1, "the activation energy over R")?,
                }
            }
            Some(other) => {
                return Err(c.err(format!(
                    "DEFINITION={other} is not supported (WLF or ARRHENIUS)"
                )))
            }
        };
        self.viscous_cards(c)?.shift = Some((shift, line.clone()));
        Ok(())
    }

    /// Makes each viscoelastic material's law, with its instantaneous
    /// elastic constants.
    pub(super) fn resolve_viscoelastic(&mut self) -> Result<(), DeckError> {
        for (&i, cards) in &self.viscous {
            let Some((terms, at)) = &cards.terms else {
                if let Some((_, line)) = &cards.shift {
                    return Err(err_at(
                        line,
                        "*TRS without *VISCOELASTIC in its material".into(),
                    ));
                }
                continue;
            };
            let shift = cards.shift.as_ref().map_or(Shift::None, |s| s.0);
            let law = Viscoelasticity::new(terms.clone(), shift)
                .map_err(|e| err_at(at, e.to_string()))?;
            let m = &mut self.materials[i];
            let Elastic::Isotropic(table) = &m.elastic else {
                return Err(err_at(
                    at,
                    format!(
                        "material {}: viscoelasticity needs isotropic elasticity",
                        m.name
                    ),
                ));
            };
            if !cards.instantaneous {
                let (sg, sk) = law.sums();
                let rows = table
                    .rows()
                    .iter()
                    .map(|&(t, [e, nu])| (t, instantaneous(e, nu, sg, sk)))
                    .collect();
                m.elastic =
                    Elastic::Isotropic(Table::new(rows).map_err(|e| err_at(at, e.to_string()))?);
            }
            m.viscoelastic = Some(law);
            m.validate().map_err(|e| err_at(at, e.to_string()))?;
        }
        Ok(())
    }
}

/// The instantaneous `[E, ν]` of long-term `E∞`, `ν∞` with relaxing
/// fractions summing to `sg` (shear) and `sk` (bulk).
pub(crate) fn instantaneous(e: f64, nu: f64, sg: f64, sk: f64) -> [f64; 2] {
    let g = e / (2.0 * (1.0 + nu)) / (1.0 - sg);
    let k = e / (3.0 * (1.0 - 2.0 * nu)) / (1.0 - sk);
    [
        9.0 * k * g / (3.0 * k + g),
        (3.0 * k - 2.0 * g) / (2.0 * (3.0 * k + g)),
    ]
}
