//! Materials and sections (`*MATERIAL`, `*ELASTIC`, `*EXPANSION`,
//! `*SOLID SECTION`).

use super::error::DeckError;
use super::lines::{err_at, fields, number, Card, Line};
use super::Reader;
use materials::plastic::{Hardening, Plasticity};
use materials::{Elastic, Expansion, ExpansionTable, Material, Table};

impl Reader {
    pub(super) fn material(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["NAME"])?;
        let name = c.required("NAME")?.to_ascii_uppercase();
        if self.materials.iter().any(|m| m.name == name) {
            return Err(c.err(format!("material {name} is defined twice")));
        }
        self.materials.push(Material {
            name,
            elastic: Elastic::Isotropic(Table::constant([0.0, 0.0])),
            expansion: None,
            plastic: None,
            viscoelastic: None,
            elastic_equivalent: None,
        });
        self.current_material = Some(self.materials.len() - 1);
        Ok(())
    }

    pub(super) fn current_material(&mut self, c: &Card) -> Result<&mut Material, DeckError> {
        match self.current_material {
            Some(i) => Ok(&mut self.materials[i]),
            None => Err(c.err("must follow a *MATERIAL card")),
        }
    }

    /// Rows of `k` values plus an optional temperature; a row may span
    /// several lines (`per_row_lines`), as engineering constants do.
    pub(super) fn rows<const K: usize>(c: &Card, what: &str) -> Result<Table<K>, DeckError> {
        let mut nums: Vec<(f64, Line)> = Vec::new();
        for line in &c.data {
            for f in fields(line) {
                if f.is_empty() {
                    continue;
                }
                nums.push((number(line, f, what)?, line.clone()));
            }
        }
        if nums.is_empty() {
            return Err(c.err("needs at least one data line"));
        }
        let rows: Vec<(f64, [f64; K])> = if nums.len() == K {
            vec![(0.0, std::array::from_fn(|k| nums[k].0))]
        } else if nums.len() % (K + 1) == 0 {
            nums.chunks(K + 1)
                .map(|r| (r[K].0, std::array::from_fn(|k| r[k].0)))
                .collect()
        } else {
            return Err(c.err(format!(
                "expected {K} values per row (plus a temperature when there are several rows), found {} values in all",
                nums.len()
            )));
        };
        Table::new(rows).map_err(|e| c.err(e.to_string()))
    }

    pub(super) fn elastic(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["TYPE", "MODULI"])?;
        self.elastic_moduli(c)?;
        let ty = c.param("TYPE").unwrap_or("ISO").to_ascii_uppercase();
        let elastic = match ty.as_str() {
            "ISO" | "ISOTROPIC" => Elastic::Isotropic(Self::rows::<2>(c, "an elastic constant")?),
            "ENGINEERING CONSTANTS" => {
                Elastic::Orthotropic(Self::rows::<9>(c, "an engineering constant")?)
            }
            other => {
                return Err(c.err(format!(
                    "TYPE={other} is not supported (supported: ISO, ENGINEERING CONSTANTS)"
                )))
            }
        };
        let m = self.current_material(c)?;
        m.elastic = elastic;
        m.validate().map_err(|e| c.err(e.to_string()))
    }

    pub(super) fn expansion(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["TYPE", "ZERO"])?;
        let zero = match c.param("ZERO") {
            Some(z) => number(&c.head, z, "ZERO=")?,
            None => 0.0,
        };
        let ty = c.param("TYPE").unwrap_or("ISO").to_ascii_uppercase();
        let alpha = match ty.as_str() {
            "ISO" | "ISOTROPIC" => {
                ExpansionTable::Isotropic(Self::rows::<1>(c, "an expansion coefficient")?)
            }
            "ORTHO" | "ORTHOTROPIC" => {
                ExpansionTable::Orthotropic(Self::rows::<3>(c, "an expansion coefficient")?)
            }
            other => {
                return Err(c.err(format!(
                    "TYPE={other} is not supported (supported: ISO, ORTHO)"
                )))
            }
        };
        self.current_material(c)?.expansion = Some(Expansion {
            reference_temperature: zero,
            alpha,
        });
        Ok(())
    }

    /// `*PLASTIC, HARDENING=ISOTROPIC|KINEMATIC`: rows `von Mises stress,
    /// equivalent plastic strain[, temperature]`; a new temperature starts a
    /// new curve (CalculiX's grouping).
    pub(super) fn plastic(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["HARDENING"])?;
        let hardening = match c.param("HARDENING").map(str::to_ascii_uppercase).as_deref() {
            None | Some("ISOTROPIC") => Hardening::Isotropic,
            Some("KINEMATIC") => Hardening::Kinematic,
            Some(other) => {
                return Err(c.err(format!(
                    "HARDENING={other} is not supported (ISOTROPIC or KINEMATIC)"
                )))
            }
        };
        let mut curves: Vec<(f64, Vec<(f64, f64)>)> = Vec::new();
        for line in &c.data {
            let f = fields(line);
            if f.len() < 2 || f.len() > 3 {
                return Err(err_at(
                    line,
                    "*PLASTIC: expected 'von Mises stress, equivalent plastic strain[, temperature]'".into(),
                ));
            }
            let s = number(line, f[0], "the von Mises stress")?;
            let e = number(line, f[1], "the equivalent plastic strain")?;
            let t = match f.get(2).filter(|x| !x.is_empty()) {
                Some(x) => number(line, x, "the temperature")?,
                None => 0.0,
            };
            match curves.last_mut() {
                Some((tc, rows)) if *tc == t => rows.push((e, s)),
                _ => curves.push((t, vec![(e, s)])),
            }
        }
        let law = Plasticity::new(hardening, curves).map_err(|e| c.err(e.to_string()))?;
        self.current_material(c)?.plastic = Some(law);
        Ok(())
    }

    pub(super) fn solid_section(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["ELSET", "MATERIAL"])?;
        let elset = c.required("ELSET")?.to_ascii_uppercase();
        let material = c.required("MATERIAL")?.to_ascii_uppercase();
        // a solid section's data line (a plane element's thickness) means
        // nothing for 3D cells: an empty one (`,`) is common, anything else
        // is said
        for line in &c.data {
            if fields(line).iter().any(|f| !f.is_empty()) {
                self.warnings.push(format!(
                    "{}:{}: *SOLID SECTION data line '{}' ignored (3D solid sections take none)",
                    line.file.display(),
                    line.number,
                    line.text.trim()
                ));
            }
        }
        self.current_material = None;
        self.sections.push((elset, material, c.head.clone()));
        Ok(())
    }
}
