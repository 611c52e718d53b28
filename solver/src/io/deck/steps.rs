//! Steps and their loads (`*STEP`, `*STATIC`, `*BOUNDARY`, `*CLOAD`,
//! `*TEMPERATURE`, `*INITIAL CONDITIONS`, `*END STEP`).

use super::error::DeckError;
use super::lines::{err_at, fields, integer, number, Card, Line};
use super::Reader;
use crate::model::Step;

impl Reader {
    /// Node indices named by a data field of card `c`: a node number or a node set.
    pub(super) fn node_targets(
        &self,
        c: &Card,
        line: &Line,
        field: &str,
    ) -> Result<Vec<usize>, DeckError> {
        let what = match field.parse::<i64>() {
            Ok(id) => {
                let v = u64::try_from(id)
                    .ok()
                    .and_then(|id| self.node_index.get(&id));
                match v {
                    Some(&v) => return Ok(vec![v]),
                    None => format!("node {id} is not defined"),
                }
            }
            Err(_) => match self.node_sets.get(&field.to_ascii_uppercase()) {
                Some(set) => return Ok(set.iter().copied().collect()),
                None => format!("'{field}' is neither a node number nor a defined node set"),
            },
        };
        Err(err_at(line, format!("*{}: {what}", c.keyword)))
    }

    pub(super) fn reset_if_new(c: &Card) -> Result<bool, DeckError> {
        match c.param("OP").map(str::to_ascii_uppercase).as_deref() {
            None | Some("MOD") => Ok(false),
            Some("NEW") => Ok(true),
            Some(o) => Err(c.err(format!("OP={o} is not valid (MOD or NEW)"))),
        }
    }

    pub(super) fn boundary(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["OP"])?;
        if Self::reset_if_new(c)? {
            self.constraints.clear();
        }
        for line in &c.data {
            let f: Vec<&str> = fields(line);
            if f.len() < 2 || f.len() > 4 {
                return Err(err_at(
                    line,
                    "*BOUNDARY: expected 'node or set, first dof[, last dof[, value]]'".into(),
                ));
            }
            let targets = self.node_targets(c, line, f[0])?;
            let (first, last, value) = match f[1].to_ascii_uppercase().as_str() {
                "ENCASTRE" | "PINNED" => (1, 3, 0.0),
                "XSYMM" => (1, 1, 0.0),
                "YSYMM" => (2, 2, 0.0),
                "ZSYMM" => (3, 3, 0.0),
                _ => {
                    let first = integer(line, f[1], "the first DOF")?;
                    let last = if f.len() > 2 && !f[2].is_empty() {
                        integer(line, f[2], "the last DOF")?
                    } else {
                        first
                    };
                    let value = if f.len() > 3 && !f[3].is_empty() {
                        number(line, f[3], "the displacement")?
                    } else {
                        0.0
                    };
                    (first, last, value)
                }
            };
            if !(1..=3).contains(&first) || last < first {
                return Err(err_at(line, format!("*BOUNDARY: DOFs {first}..{last}: solid elements have DOFs 1-3 (displacements)")));
            }
            for v in targets {
                for d in first..=last.min(3) {
                    self.constraints.insert((v, d as usize - 1), value);
                }
            }
        }
        Ok(())
    }

    /// `(node, value)` pairs of a `node or set, value` card.
    pub(super) fn node_values(&self, c: &Card, what: &str) -> Result<Vec<(usize, f64)>, DeckError> {
        let mut out = Vec::new();
        for line in &c.data {
            let f = fields(line);
            if f.len() != 2 {
                return Err(err_at(
                    line,
                    format!("*{}: expected 'node or set, {what}'", c.keyword),
                ));
            }
            let value = number(line, f[1], what)?;
            out.extend(
                self.node_targets(c, line, f[0])?
                    .into_iter()
                    .map(|v| (v, value)),
            );
        }
        Ok(out)
    }

    pub(super) fn initial_conditions(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["TYPE"])?;
        let ty = c.required("TYPE")?.to_ascii_uppercase();
        if ty != "TEMPERATURE" {
            return Err(c.err(format!(
                "TYPE={ty} is not supported (supported: TEMPERATURE)"
            )));
        }
        for (v, t) in self.node_values(c, "temperature")? {
            self.initial.insert(v, t);
        }
        Ok(())
    }

    pub(super) fn require_step(&self, c: &Card) -> Result<(), DeckError> {
        if self.in_step.is_none() {
            return Err(c.err("is step data and must be inside *STEP ... *END STEP"));
        }
        Ok(())
    }

    pub(super) fn temperature(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["OP"])?;
        self.require_step(c)?;
        if Self::reset_if_new(c)? {
            self.temperatures.clear();
        }
        for (v, t) in self.node_values(c, "temperature")? {
            self.temperatures.insert(v, t);
        }
        Ok(())
    }

    pub(super) fn cload(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["OP"])?;
        self.require_step(c)?;
        if Self::reset_if_new(c)? {
            self.loads.clear();
        }
        for line in &c.data {
            let f = fields(line);
            if f.len() != 3 {
                return Err(err_at(
                    line,
                    "*CLOAD: expected 'node or set, dof, force'".into(),
                ));
            }
            let d = integer(line, f[1], "the DOF")?;
            if !(1..=3).contains(&d) {
                return Err(err_at(
                    line,
                    format!("*CLOAD: DOF {d}: solid elements have DOFs 1-3"),
                ));
            }
            let value = number(line, f[2], "the force")?;
            for v in self.node_targets(c, line, f[0])? {
                self.loads.insert((v, d as usize - 1), value);
            }
        }
        Ok(())
    }

    pub(super) fn step(&mut self, c: &Card) -> Result<(), DeckError> {
        if let Some((name, ..)) = &self.in_step {
            return Err(c.err(format!("step '{name}' is still open (missing *END STEP)")));
        }
        if let Some(nl) = c.param("NLGEOM") {
            if !nl.eq_ignore_ascii_case("NO") {
                return Err(c.err("NLGEOM (geometric nonlinearity) is not supported: pkgstress solves linear steps"));
            }
        } else if c.has("NLGEOM") {
            return Err(c.err(
                "NLGEOM (geometric nonlinearity) is not supported: pkgstress solves linear steps",
            ));
        }
        for (k, _) in &c.params {
            if !["NLGEOM", "INC", "NAME"].contains(&k.as_str()) {
                self.warnings.push(format!(
                    "{}:{}: *STEP parameter {k} ignored",
                    c.head.file.display(),
                    c.head.number
                ));
            }
        }
        let name = c
            .param("NAME")
            .map(str::to_string)
            .unwrap_or_else(|| format!("step-{}", self.steps.len() + 1));
        self.in_step = Some((name, 1.0, c.head.clone()));
        self.step_increments = Default::default();
        self.step_visco = false;
        self.step_change = Default::default();
        Ok(())
    }

    /// `*CONTROLS`: accepted (pkgstress's Newton controls are its own, see
    /// the README), said once per card.
    pub(super) fn controls(&mut self, c: &Card) -> Result<(), DeckError> {
        self.warnings.push(format!(
            "{}:{}: *CONTROLS accepted and not applied (pkgstress's Newton tolerances hold)",
            c.head.file.display(),
            c.head.number
        ));
        Ok(())
    }

    /// `*STATIC` (`visco` false) or `*VISCO`: the data line gives the
    /// initial increment, the time period, the minimum and the maximum
    /// increment; `DIRECT` fixes the increments. `*VISCO` without `CETOL`
    /// also runs fixed increments (Abaqus's meaning); with it, increments
    /// adapt to Newton's convergence (pkgstress does not control the
    /// creep-strain error itself; the viscoelastic update is exact for
    /// strains linear in reduced time over an increment).
    pub(super) fn static_procedure(&mut self, c: &Card, visco: bool) -> Result<(), DeckError> {
        self.require_step(c)?;
        let keyword = if visco { "*VISCO" } else { "*STATIC" };
        if visco {
            c.only(&["DIRECT", "SOLVER", "CETOL"])?;
        } else {
            c.only(&["DIRECT", "SOLVER"])?;
        }
        self.step_visco = visco;
        let mut period = 1.0;
        let mut given = [None; 4];
        if let Some(extra) = c.data.get(1) {
            return Err(err_at(
                extra,
                format!("{keyword} takes one data line (initial increment, time period, minimum, maximum)"),
            ));
        }
        if let Some(line) = c.data.first() {
            let f = fields(line);
            let names = [
                "the initial increment",
                "the step time period",
                "the minimum increment",
                "the maximum increment",
            ];
            if f.len() > names.len() {
                return Err(err_at(line, format!("{keyword}: {} fields, at most {} (initial increment, time period, minimum, maximum)", f.len(), names.len())));
            }
            for (k, (field, what)) in f.iter().zip(names).enumerate() {
                if field.is_empty() {
                    continue;
                }
                let v = number(line, field, what)?;
                if !(v > 0.0) {
                    return Err(err_at(
                        line,
                        format!("{keyword}: {what} must be positive, found {field}"),
                    ));
                }
                given[k] = Some(v);
                if k == 1 {
                    period = v;
                }
            }
        }
        // increments as fractions of the period (CalculiX's defaults: the
        // whole period at once, the minimum 1e-5 of it)
        let max = given[3].map_or(1.0, |v: f64| (v / period).min(1.0));
        let initial = given[0].map_or(1.0, |v: f64| (v / period).min(max));
        self.step_increments = crate::model::Increments {
            initial,
            max,
            min: given[2].map_or(1e-5f64.min(initial), |v: f64| (v / period).min(initial)),
            fixed: c.has("DIRECT") || visco && !c.has("CETOL"),
        };
        if let Some(s) = &mut self.in_step {
            s.1 = period;
        }
        Ok(())
    }

    pub(super) fn end_step(&mut self, c: &Card) -> Result<(), DeckError> {
        let Some((name, period, _)) = self.in_step.take() else {
            return Err(c.err("without a matching *STEP"));
        };
        self.time += period;
        let step = Step {
            name,
            time: self.time,
            constraints: self.constraints.clone(),
            loads: self.loads.clone(),
            temperature: Vec::new(),
            increments: self.step_increments,
            visco: self.step_visco,
        };
        self.steps.push((step, self.temperatures.clone()));
        self.changes.push(std::mem::take(&mut self.step_change));
        Ok(())
    }
}
