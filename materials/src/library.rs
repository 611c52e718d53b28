//! The material library: a TOML data file (the bundled `library.toml`, or a
//! user's own) of materials with units and sources, turned into the
//! [`Material`]s the solver evaluates.
//!
//! Expansion given as instantaneous (tangent) CTE, as datasheets give it, is
//! integrated into the secant coefficients the solver uses:
//! `α_sec(T) = (1 / (T − T_ref)) ∫_{T_ref}^{T} α_inst(τ) dτ`.

use crate::toml_reader::TomlReader as Reader;
use crate::units::Dimension;
use crate::{Elastic, Expansion, ExpansionTable, Material, Table};
use std::collections::BTreeMap;
use toml::Value;

/// The bundled library's text.
pub const BUNDLED: &str = include_str!("../library.toml");

pub use crate::toml_reader::TomlError as LibraryError;
use crate::viscoelastic::Viscoelasticity;

/// Thermal properties against temperature: conductivity mW/(mm·°C),
/// density t/mm³, specific heat mJ/(t·°C).
#[derive(Clone, Debug, PartialEq)]
pub struct ThermalProperties {
    pub conductivity: Table<1>,
    pub density: Table<1>,
    pub specific_heat: Table<1>,
}

/// One library entry.
#[derive(Clone, Debug)]
pub struct LibraryMaterial {
    pub material: Material,
    pub description: String,
    pub thermal: Option<ThermalProperties>,
    /// Cure kinetics of a thermosetting adhesive.
    pub cure: Option<crate::cure::Cure>,
    /// Source of each group of properties (`elastic`, `expansion`, `thermal`).
    pub sources: BTreeMap<String, String>,
}

/// A set of materials by name.
#[derive(Clone, Debug, Default)]
pub struct Library {
    pub materials: Vec<LibraryMaterial>,
}

/// Temperatures (°C) at which instantaneous CTE tables are turned into
/// secant ones: −60 °C to 400 °C every 5 °C, plus the table's own points.
fn secant_grid(table_points: &[f64], t_ref: f64) -> Vec<f64> {
    let mut g: Vec<f64> = (0..=92).map(|k| -60.0 + 5.0 * k as f64).collect();
    g.extend_from_slice(table_points);
    g.push(t_ref);
    g.sort_by(f64::total_cmp);
    g.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    g
}

/// `∫_{a}^{b} f` of a piecewise-linear table (constant beyond its ends), exact.
fn integrate<const K: usize>(t: &Table<K>, a: f64, b: f64, k: usize) -> f64 {
    let (lo, hi, sign) = if a <= b { (a, b, 1.0) } else { (b, a, -1.0) };
    let mut knots: Vec<f64> = vec![lo];
    knots.extend(t.temperatures().filter(|&x| x > lo && x < hi));
    knots.push(hi);
    let s: f64 = knots
        .windows(2)
        .map(|w| 0.5 * (w[1] - w[0]) * (t.at(w[0])[k] + t.at(w[1])[k]))
        .sum();
    sign * s
}

/// Secant coefficients about `t_ref` from an instantaneous table.
pub fn secant_from_instantaneous<const K: usize>(inst: &Table<K>, t_ref: f64) -> Table<K> {
    let points: Vec<f64> = inst.temperatures().collect();
    let rows = secant_grid(&points, t_ref)
        .into_iter()
        .map(|t| {
            let v = std::array::from_fn(|k| {
                if (t - t_ref).abs() < 1e-9 {
                    inst.at(t_ref)[k]
                } else {
                    integrate(inst, t_ref, t, k) / (t - t_ref)
                }
            });
            (t, v)
        })
        .collect();
    Table::new(rows).expect("grid is increasing and finite")
}

/// Merges per-property tables into one table of `N` columns at the union of
/// their temperatures.
fn merge<const N: usize>(columns: [&Table<1>; N]) -> Table<N> {
    let mut temps: Vec<f64> = columns.iter().flat_map(|c| c.temperatures()).collect();
    temps.sort_by(f64::total_cmp);
    temps.dedup();
    Table::new(
        temps
            .into_iter()
            .map(|t| (t, std::array::from_fn(|k| columns[k].at(t)[0])))
            .collect(),
    )
    .expect("union of valid tables")
}

impl Library {
    /// The bundled library.
    pub fn bundled() -> Self {
        Self::from_toml(BUNDLED, "materials/library.toml")
            .expect("the bundled library is valid (tested)")
    }

    /// Parses a library file's text; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Self, LibraryError> {
        let r = Reader::new(file);
        let doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| r.err("TOML", e.to_string()))?;
        r.only("top level", &doc, &["material"])?;
        match doc.get("material") {
            Some(Value::Array(a)) => Self::from_entries(a, file),
            Some(_) => Err(r.err("material", "expected [[material]] entries")),
            None => Ok(Library::default()),
        }
    }

    /// A library from `[[material]]` entries already read from a TOML file
    /// (a case file's inline materials); `file` names it in errors.
    pub fn from_entries(entries: &[Value], file: &str) -> Result<Self, LibraryError> {
        let r = Reader::new(file);
        let mut lib = Library::default();
        let mut raw: BTreeMap<String, toml::Table> = BTreeMap::new();
        for (i, e) in entries.iter().enumerate() {
            let t = e
                .as_table()
                .ok_or_else(|| r.err(&format!("material[{i}]"), "expected a table"))?;
            let name = r.string(&format!("material[{i}]"), t, "name")?;
            if lib.get(&name).is_some() {
                return Err(r.err(&format!("material '{name}'"), "defined twice"));
            }
            let t = Self::variant(&r, &name, t, &raw)?;
            lib.materials.push(Self::entry(&r, &name, &t)?);
            raw.insert(name, t);
        }
        Ok(lib)
    }

    /// An entry with `like = "other"`: the earlier entry `other` of the same
    /// file with this entry's keys in place of its own (its `sources` merged
    /// key by key); any other entry as it is.
    fn variant(
        r: &Reader<'_>,
        name: &str,
        t: &toml::Table,
        earlier: &BTreeMap<String, toml::Table>,
    ) -> Result<toml::Table, LibraryError> {
        let place = format!("material '{name}'");
        let Some(base) = r.optional_string(&place, t, "like")? else {
            return Ok(t.clone());
        };
        let mut merged = earlier
            .get(base)
            .ok_or_else(|| {
                r.err(
                    &format!("{place}.like"),
                    format!("no material '{base}' before this one in the file"),
                )
            })?
            .clone();
        for (k, v) in t {
            match (k.as_str(), merged.get_mut(k), v) {
                ("like", ..) => {}
                ("sources", Some(Value::Table(old)), Value::Table(new)) => {
                    old.extend(new.clone());
                }
                _ => {
                    merged.insert(k.clone(), v.clone());
                }
            }
        }
        Ok(merged)
    }

    fn entry(r: &Reader<'_>, name: &str, t: &toml::Table) -> Result<LibraryMaterial, LibraryError> {
        let place = format!("material '{name}'");
        r.only(
            &place,
            t,
            &[
                "name",
                "description",
                "density",
                "conductivity",
                "specific_heat",
                "elastic",
                "expansion",
                "plastic",
                "viscoelastic",
                "cure",
                "sources",
            ],
        )?;
        let description = r
            .optional_string(&place, t, "description")?
            .unwrap_or("")
            .to_string();
        let elastic_t = r
            .field(&place, t, "elastic")?
            .as_table()
            .ok_or_else(|| r.err(&format!("{place}.elastic"), "expected a table"))?;
        let elastic = Self::elastic(r, &format!("{place}.elastic"), elastic_t)?;
        let expansion = match t.get("expansion") {
            None => None,
            Some(v) => {
                let p = format!("{place}.expansion");
                Some(Self::expansion(
                    r,
                    &p,
                    v.as_table().ok_or_else(|| r.err(&p, "expected a table"))?,
                )?)
            }
        };
        let thermal = Self::thermal(r, &place, t)?;
        let cure = match t.get("cure") {
            None => None,
            Some(v) => {
                let p = format!("{place}.cure");
                let ct = v.as_table().ok_or_else(|| r.err(&p, "expected a table"))?;
                Some(crate::cure::Cure::parse(r, &p, ct, None)?)
            }
        };
        let mut sources = BTreeMap::new();
        if let Some(s) = t.get("sources") {
            let st = s
                .as_table()
                .ok_or_else(|| r.err(&format!("{place}.sources"), "expected a table"))?;
            for (k, v) in st {
                sources.insert(
                    k.clone(),
                    v.as_str()
                        .ok_or_else(|| r.err(&format!("{place}.sources.{k}"), "expected a string"))?
                        .to_string(),
                );
            }
        }
        let plastic = match t.get("plastic") {
            None => None,
            Some(v) => {
                let p = format!("{place}.plastic");
                let pt = v.as_table().ok_or_else(|| r.err(&p, "expected a table"))?;
                Some(Self::plastic(r, &p, pt)?)
            }
        };
        let (elastic, viscoelastic, elastic_equivalent) =
            Self::viscoelastic(r, &place, t, elastic)?;
        let material = Material {
            name: name.to_string(),
            elastic,
            expansion,
            plastic,
            viscoelastic,
            elastic_equivalent,
        };
        material
            .validate()
            .map_err(|e| r.err(&place, e.to_string()))?;
        Ok(LibraryMaterial {
            material,
            description,
            thermal,
            cure,
            sources,
        })
    }

    /// Conductivity, density and specific heat: all three or none.
    fn thermal(
        r: &Reader<'_>,
        place: &str,
        t: &toml::Table,
    ) -> Result<Option<ThermalProperties>, LibraryError> {
        match (
            t.get("conductivity"),
            t.get("density"),
            t.get("specific_heat"),
        ) {
            (None, None, None) => Ok(None),
            (Some(k), Some(rho), Some(cp)) => Ok(Some(ThermalProperties {
                conductivity: r.table(
                    &format!("{place}.conductivity"),
                    k,
                    Dimension::Conductivity,
                )?,
                density: r.table(&format!("{place}.density"), rho, Dimension::Density)?,
                specific_heat: r.table(
                    &format!("{place}.specific_heat"),
                    cp,
                    Dimension::SpecificHeat,
                )?,
            })),
            _ => Err(r.err(
                place,
                "give all of conductivity, density and specific_heat, or none",
            )),
        }
    }

    fn elastic(r: &Reader<'_>, place: &str, t: &toml::Table) -> Result<Elastic, LibraryError> {
        let model = r.string(place, t, "model")?;
        let tab = |key: &str, dim| -> Result<Table<1>, LibraryError> {
            r.table(&format!("{place}.{key}"), r.field(place, t, key)?, dim)
        };
        match model.as_str() {
            "isotropic" => {
                r.only(place, t, &["model", "E", "nu"])?;
                Ok(Elastic::Isotropic(merge([
                    &tab("E", Dimension::Stress)?,
                    &tab("nu", Dimension::Dimensionless)?,
                ])))
            }
            "orthotropic" => {
                let keys = [
                    "E1", "E2", "E3", "nu12", "nu13", "nu23", "G12", "G13", "G23",
                ];
                let mut allowed = vec!["model"];
                allowed.extend(keys);
                r.only(place, t, &allowed)?;
                let cols: Vec<Table<1>> = keys
                    .iter()
                    .map(|k| {
                        tab(
                            k,
                            if k.starts_with("nu") {
                                Dimension::Dimensionless
                            } else {
                                Dimension::Stress
                            },
                        )
                    })
                    .collect::<Result<_, _>>()?;
                Ok(Elastic::Orthotropic(merge(std::array::from_fn::<_, 9, _>(
                    |i| &cols[i],
                ))))
            }
            "cubic" => {
                r.only(place, t, &["model", "C11", "C12", "C44"])?;
                let c = |k: &str| {
                    r.scalar(
                        &format!("{place}.{k}"),
                        r.field(place, t, k)?,
                        Dimension::Stress,
                    )
                };
                let (c11, c12, c44) = (c("C11")?, c("C12")?, c("C44")?);
                // cubic symmetry as engineering constants along the crystal axes
                let e = (c11 - c12) * (c11 + 2.0 * c12) / (c11 + c12);
                let nu = c12 / (c11 + c12);
                Ok(Elastic::Orthotropic(Table::constant([
                    e, e, e, nu, nu, nu, c44, c44, c44,
                ])))
            }
            other => Err(r.err(
                &format!("{place}.model"),
                format!("unknown model '{other}' (isotropic, orthotropic, cubic)"),
            )),
        }
    }

    fn expansion(r: &Reader<'_>, place: &str, t: &toml::Table) -> Result<Expansion, LibraryError> {
        r.only(place, t, &["kind", "reference", "alpha"])?;
        let kind = r.string(place, t, "kind")?;
        let t_ref = r.scalar(
            &format!("{place}.reference"),
            r.field(place, t, "reference")?,
            Dimension::Temperature,
        )?;
        let alpha_v = r.field(place, t, "alpha")?;
        let ap = format!("{place}.alpha");
        let instantaneous = match kind.as_str() {
            "secant" => false,
            "instantaneous" => true,
            other => {
                return Err(r.err(
                    &format!("{place}.kind"),
                    format!("unknown kind '{other}' (secant, instantaneous)"),
                ))
            }
        };
        // orthotropic rows carry three coefficients
        let three = matches!(alpha_v, Value::Array(rows) if rows.first().and_then(Value::as_array).is_some_and(|c| c.len() == 4));
        let alpha = if three {
            let t = r.table::<3>(&ap, alpha_v, Dimension::Expansion)?;
            ExpansionTable::Orthotropic(if instantaneous {
                secant_from_instantaneous(&t, t_ref)
            } else {
                t
            })
        } else {
            let t = r.table::<1>(&ap, alpha_v, Dimension::Expansion)?;
            ExpansionTable::Isotropic(if instantaneous {
                secant_from_instantaneous(&t, t_ref)
            } else {
                t
            })
        };
        Ok(Expansion {
            reference_temperature: t_ref,
            alpha,
        })
    }

    /// `plastic = { hardening = "isotropic" | "kinematic", curve = [...] }`
    /// (one curve for every temperature) or `curves = [{ temperature =
    /// "25 C", points = [...] }, ...]`; a curve's points are `[plastic
    /// strain, true stress]` pairs (`[0, "100 MPa"], ["2 %", "130 MPa"]`),
    /// the first at zero plastic strain (first yield).
    /// `[material.viscoelastic]`, if any: the elastic model the law runs
    /// with (its own instantaneous constants when it gives them), the law,
    /// and the elastic model `--elastic` takes in their place.
    fn viscoelastic(
        r: &Reader<'_>,
        place: &str,
        t: &toml::Table,
        elastic: Elastic,
    ) -> Result<(Elastic, Option<Viscoelasticity>, Option<Elastic>), LibraryError> {
        let Some(v) = t.get("viscoelastic") else {
            return Ok((elastic, None, None));
        };
        let p = format!("{place}.viscoelastic");
        let vt = v.as_table().ok_or_else(|| r.err(&p, "expected a table"))?;
        let parsed = Viscoelasticity::parse(r, &p, vt)?;
        Ok(match parsed.instantaneous {
            None => (elastic, Some(parsed.law), None),
            Some(c) => (
                Elastic::Isotropic(crate::Table::constant(c)),
                Some(parsed.law),
                Some(elastic),
            ),
        })
    }

    fn plastic(
        r: &Reader<'_>,
        place: &str,
        t: &toml::Table,
    ) -> Result<crate::plastic::Plasticity, LibraryError> {
        use crate::plastic::{Hardening, Plasticity};
        r.only(place, t, &["hardening", "curve", "curves"])?;
        let hardening = match r.string(place, t, "hardening")?.as_str() {
            "isotropic" => Hardening::Isotropic,
            "kinematic" => Hardening::Kinematic,
            other => {
                return Err(r.err(
                    &format!("{place}.hardening"),
                    format!("unknown hardening '{other}' (isotropic, kinematic)"),
                ))
            }
        };
        let points = |p: &str, v: &Value| -> Result<Vec<(f64, f64)>, LibraryError> {
            let rows = v
                .as_array()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| r.err(p, "expected [[plastic strain, stress], ...]"))?;
            rows.iter()
                .enumerate()
                .map(|(i, row)| match row.as_array().map(Vec::as_slice) {
                    Some([e, s]) => Ok((
                        r.scalar(&format!("{p}[{i}][0]"), e, Dimension::Fraction)?,
                        r.scalar(&format!("{p}[{i}][1]"), s, Dimension::Stress)?,
                    )),
                    _ => Err(r.err(&format!("{p}[{i}]"), "expected [plastic strain, stress]")),
                })
                .collect()
        };
        let curves = match (t.get("curve"), t.get("curves")) {
            (Some(v), None) => vec![(0.0, points(&format!("{place}.curve"), v)?)],
            (None, Some(v)) => {
                let p = format!("{place}.curves");
                let list = v
                    .as_array()
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| r.err(&p, "expected [{ temperature, points }, ...]"))?;
                let mut curves = Vec::new();
                for (i, c) in list.iter().enumerate() {
                    let cp = format!("{p}[{i}]");
                    let ct = c.as_table().ok_or_else(|| r.err(&cp, "expected a table"))?;
                    r.only(&cp, ct, &["temperature", "points"])?;
                    let temperature = r.scalar(
                        &format!("{cp}.temperature"),
                        r.field(&cp, ct, "temperature")?,
                        Dimension::Temperature,
                    )?;
                    curves.push((
                        temperature,
                        points(&format!("{cp}.points"), r.field(&cp, ct, "points")?)?,
                    ));
                }
                curves
            }
            _ => return Err(r.err(place, "give either curve or curves")),
        };
        Plasticity::new(hardening, curves).map_err(|e| r.err(place, e.to_string()))
    }

    /// The entry called `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&LibraryMaterial> {
        self.materials
            .iter()
            .find(|m| m.material.name.eq_ignore_ascii_case(name))
    }

    /// Adds or replaces entries from another library (a user's file).
    pub fn extend(&mut self, other: Library) {
        for m in other.materials {
            match self
                .materials
                .iter_mut()
                .find(|x| x.material.name.eq_ignore_ascii_case(&m.material.name))
            {
                Some(slot) => *slot = m,
                None => self.materials.push(m),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn bundled_library_loads_with_sources_for_everything() {
        let lib = Library::bundled();
        assert!(lib.materials.len() >= 18);
        for m in &lib.materials {
            for key in ["elastic", "expansion", "thermal"] {
                assert!(
                    m.sources.get(key).is_some_and(|s| s.len() > 10),
                    "{}: no {key} source",
                    m.material.name
                );
            }
            assert!(m.thermal.is_some(), "{}: no thermal data", m.material.name);
            if m.material.plastic.is_some() {
                assert!(
                    m.sources.get("plastic").is_some_and(|s| s.len() > 10),
                    "{}: no plastic source",
                    m.material.name
                );
            }
            assert!(
                m.material.expansion.is_some(),
                "{}: no expansion",
                m.material.name
            );
        }
        for name in [
            "silicon",
            "borosilicate_glass",
            "gold",
            "acf_epoxy",
            "fr4",
            "sac305",
            "su8_resist",
        ] {
            assert!(lib.get(name).is_some(), "{name} missing");
        }
        for name in ["gold", "copper", "aluminium"] {
            let p = lib.get(name).unwrap().material.plastic.as_ref();
            assert!(p.is_some(), "{name} is elastic-plastic");
        }
        // gold's first yield at 25 C and 300 C, and halfway between
        let gold = lib.get("gold").unwrap().material.plastic.clone().unwrap();
        assert_eq!(gold.initial_yield(25.0), 100.0);
        assert_eq!(gold.initial_yield(300.0), 70.0);
        assert!((gold.initial_yield(162.5) - 85.0).abs() < 1e-12);
    }

    /// The plastic table: one curve or curves per temperature, strains as
    /// fractions or percentages, stresses with units; errors name the key.
    #[test]
    fn plastic_tables_read_with_units_and_errors_name_the_key() {
        let entry = |plastic: &str| {
            format!(
                "[[material]]\nname = \"m\"\nelastic = {{ model = \"isotropic\", E = \"100 GPa\", nu = 0.3 }}\n[material.plastic]\n{plastic}\n"
            )
        };
        let lib = Library::from_toml(
            &entry("hardening = \"kinematic\"\ncurve = [[0, \"0.1 GPa\"], [\"1 %\", \"120 MPa\"]]"),
            "x.toml",
        )
        .unwrap();
        let p = lib.get("m").unwrap().material.plastic.clone().unwrap();
        assert_eq!(p.hardening, crate::plastic::Hardening::Kinematic);
        assert_eq!(p.curves, vec![(0.0, vec![(0.0, 100.0), (0.01, 120.0)])]);
        let lib = Library::from_toml(
            &entry("hardening = \"isotropic\"\ncurves = [{ temperature = \"20 C\", points = [[0, \"90 MPa\"]] }, { temperature = \"200 C\", points = [[0, \"50 MPa\"]] }]"),
            "x.toml",
        )
        .unwrap();
        let p = lib.get("m").unwrap().material.plastic.clone().unwrap();
        assert_eq!(p.initial_yield(110.0), 70.0);
        for (bad, key) in [
            (
                "hardening = \"mixed\"\ncurve = [[0, \"90 MPa\"]]",
                "plastic.hardening",
            ),
            (
                "hardening = \"isotropic\"\ncurve = [[0, \"90 mm\"]]",
                "plastic.curve[0][1]",
            ),
            (
                "hardening = \"isotropic\"\ncurve = [[\"1 %\", \"90 MPa\"]]",
                "plastic",
            ),
            (
                "hardening = \"isotropic\"\ncurve = [[0, \"90 MPa\"], [0.01, \"80 MPa\"]]",
                "plastic",
            ),
            ("hardening = \"isotropic\"", "plastic"),
            (
                "hardening = \"isotropic\"\ncurves = [{ points = [[0, \"90 MPa\"]] }]",
                "curves[0]",
            ),
        ] {
            let e = Library::from_toml(&entry(bad), "x.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains("x.toml") && e.contains(key), "{bad}: {e}");
        }
    }

    #[test]
    fn viscoelastic_tables_read_with_units_and_errors_name_the_key() {
        use crate::viscoelastic::Shift;
        let entry = |visco: &str| {
            format!(
                "[[material]]\nname = \"m\"\nelastic = {{ model = \"isotropic\", E = [[\"25 C\", \"7 GPa\"], [\"150 C\", \"0.3 GPa\"]], nu = 0.35 }}\n[material.viscoelastic]\n{visco}\n"
            )
        };
        let ok = "E = \"7 GPa\"\nnu = 0.3\nterms = [[0.3, 0.2, \"1e-6 s\"], [0.5, 0.1, \"2 min\"]]\nshift = { model = \"wlf\", reference = \"130 C\", c1 = 17.44, c2 = 51.6 }";
        let lib = Library::from_toml(&entry(ok), "x.toml").unwrap();
        let m = &lib.get("m").unwrap().material;
        let v = m.viscoelastic.clone().unwrap();
        assert_eq!(v.terms[1].time, 120.0);
        assert_eq!(
            v.shift,
            Shift::Wlf {
                reference: 130.0,
                c1: 17.44,
                c2: 51.6
            }
        );
        assert_eq!(m.isotropic_constants(150.0), Some([7000.0, 0.3]));
        // --elastic's material: the datasheet table back
        let e = m.clone().elastic_part();
        assert!(e.viscoelastic.is_none());
        assert_eq!(e.isotropic_constants(150.0), Some([300.0, 0.35]));
        let arrhenius = "terms = [[0.3, 0.2, \"1 s\"]]\nshift = { model = \"arrhenius\", reference = \"100 C\", activation = \"83.14462618 kJ/mol\" }";
        let lib = Library::from_toml(&entry(arrhenius), "x.toml").unwrap();
        let m = &lib.get("m").unwrap().material;
        match m.viscoelastic.as_ref().unwrap().shift {
            Shift::Arrhenius {
                reference,
                activation,
            } => {
                assert_eq!(reference, 100.0);
                assert_relative_eq!(activation, 10000.0, max_relative = 1e-12);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            m.elastic_equivalent.is_none(),
            "no E, nu: the elastic model is the instantaneous one"
        );
        for (bad, key) in [
            ("terms = [[0.3, 0.2, \"1 mm\"]]", "terms[0][2]"),
            ("terms = [[0.7, 0.2, \"1 s\"], [0.4, 0.0, \"2 s\"]]", "viscoelastic"),
            ("terms = [[0.3, 0.2]]", "terms[0]"),
            ("E = \"7 GPa\"\nterms = [[0.3, 0.2, \"1 s\"]]", "viscoelastic"),
            ("terms = [[0.3, 0.2, \"1 s\"]]\nshift = { model = \"vft\" }", "shift.model"),
            ("terms = [[0.3, 0.2, \"1 s\"]]\nshift = { model = \"wlf\", reference = \"130 C\", c1 = 17.44 }", "shift"),
            ("terms = [[0.3, 0.2, \"1 s\"]]\ntau = 3", "viscoelastic"),
        ] {
            let e = Library::from_toml(&entry(bad), "x.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains("x.toml") && e.contains(key), "{bad}: {e}");
        }
    }

    #[test]
    fn a_variant_is_its_base_with_its_own_keys() {
        let lib = Library::bundled();
        let (base, variant) = (
            lib.get("acf_epoxy").unwrap(),
            lib.get("acf_epoxy_viscoelastic").unwrap(),
        );
        assert!(base.material.viscoelastic.is_none());
        assert!(variant.material.viscoelastic.is_some());
        assert_eq!(variant.cure, base.cure);
        assert_eq!(variant.material.expansion, base.material.expansion);
        assert_eq!(
            variant.material.clone().elastic_part().elastic,
            base.material.elastic
        );
        assert!(
            variant.sources.contains_key("cure") && variant.sources.contains_key("viscoelastic")
        );
        let e = Library::from_toml("[[material]]\nname = \"v\"\nlike = \"nothing\"\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("x.toml") && e.contains("like") && e.contains("nothing"),
            "{e}"
        );
    }

    /// A linear instantaneous CTE `α(T) = a + b T` has the closed-form secant
    /// `α_sec(T) = a + b (T + T_ref) / 2`.
    #[test]
    fn secant_of_a_linear_instantaneous_cte() {
        let (a, b, t_ref) = (2e-6, 1e-8, 25.0);
        let inst = Table::new(vec![(-60.0, [a - 60.0 * b]), (400.0, [a + 400.0 * b])]).unwrap();
        let sec = secant_from_instantaneous(&inst, t_ref);
        for t in [-40.0, 0.0, 25.0, 100.0, 180.0, 333.0] {
            assert_relative_eq!(
                sec.at(t)[0],
                a + b * (t + t_ref) / 2.0,
                max_relative = 1e-12
            );
        }
    }

    /// Through a Tg knee the secant strain equals the integral of the
    /// instantaneous CTE: ε(200) − ε(25) for CTE1 = 60 to 125 °C, ramp to
    /// 180 at 135 °C, then 180 ppm/K.
    #[test]
    fn secant_strain_through_the_glass_transition() {
        let acf = Library::bundled()
            .get("acf_epoxy")
            .unwrap()
            .material
            .clone();
        let eps = acf.thermal_strain(200.0, 25.0)[0];
        let exact = 60e-6 * 100.0 + 0.5 * (60e-6 + 180e-6) * 10.0 + 180e-6 * 65.0;
        assert_relative_eq!(eps, exact, max_relative = 1e-12);
    }

    #[test]
    fn cubic_silicon_matches_its_stiffness_constants() {
        let si = Library::bundled()
            .get("silicon_cubic")
            .unwrap()
            .material
            .clone();
        let d = si.stiffness(25.0);
        assert_relative_eq!(d[0][0], 165.7e3, max_relative = 1e-12);
        assert_relative_eq!(d[0][1], 63.9e3, max_relative = 1e-12);
        assert_relative_eq!(d[3][3], 79.6e3, max_relative = 1e-12);
    }

    #[test]
    fn errors_name_the_material_and_key() {
        let bad = "[[material]]\nname = \"x\"\nelastic = { model = \"isotropic\", E = \"70\", nu = 0.3 }\n";
        let e = Library::from_toml(bad, "my.toml").unwrap_err().to_string();
        assert!(
            e.contains("my.toml") && e.contains("material 'x'.elastic.E") && e.contains("no unit"),
            "{e}"
        );
        let bad = "[[material]]\nname = \"x\"\nelastic = { model = \"isotropic\", E = \"70 GPa\", nu = 0.3, G = 1 }\n";
        assert!(Library::from_toml(bad, "my.toml")
            .unwrap_err()
            .to_string()
            .contains("unknown key 'G'"));
        let bad = "[[material]]\nname = \"x\"\nelastic = { model = \"isotropic\", E = \"70 GPa\", nu = 0.5 }\n";
        assert!(Library::from_toml(bad, "my.toml")
            .unwrap_err()
            .to_string()
            .contains("nu < 0.5"));
    }
}
