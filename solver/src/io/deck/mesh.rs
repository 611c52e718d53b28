//! Nodes, elements and named sets (`*NODE`, `*ELEMENT`, `*NSET`, `*ELSET`).

use super::error::DeckError;
use super::lines::{err_at, fields, integer, number, Card, Line};
use super::Reader;
use mesher::{CellBlock, CellKind};
use std::collections::BTreeSet;

impl Reader {
    pub(super) fn nodes(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["NSET"])?;
        for line in &c.data {
            let f = fields(line);
            if f.len() < 2 || f.len() > 4 {
                return Err(err_at(
                    line,
                    format!("*NODE: expected 'id, x, y, z', found {} fields", f.len()),
                ));
            }
            let id = integer(line, f[0], "the node number")?;
            if id <= 0 {
                return Err(err_at(
                    line,
                    format!("*NODE: node numbers must be positive, found {id}"),
                ));
            }
            let mut x = [0.0; 3];
            for d in 0..f.len() - 1 {
                x[d] = number(line, f[d + 1], "a coordinate")?;
            }
            let index = self.mesh.coordinates.len();
            if self.node_index.insert(id as u64, index).is_some() {
                return Err(err_at(line, format!("*NODE: node {id} is defined twice")));
            }
            self.mesh.coordinates.push(x);
            self.mesh.node_ids.push(id as u64);
            if let Some(set) = c.param("NSET") {
                self.node_sets
                    .entry(set.to_ascii_uppercase())
                    .or_default()
                    .insert(index);
            }
        }
        Ok(())
    }

    pub(super) fn elements(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["TYPE", "ELSET"])?;
        let ty = c.required("TYPE")?;
        let kind = CellKind::from_abaqus_name(ty).ok_or_else(|| {
            c.err(format!(
                "element type {ty} is not supported (supported: C3D8, C3D8I, C3D20, C3D20R, C3D10)"
            ))
        })?;
        let need = 1 + kind.nodes_per_cell();
        let mut pending: Vec<i64> = Vec::new();
        let mut start: Option<&Line> = None;
        for line in &c.data {
            start.get_or_insert(line);
            for f in fields(line) {
                if f.is_empty() {
                    continue;
                }
                pending.push(integer(line, f, "an element or node number")?);
            }
            if pending.len() > need {
                return Err(err_at(
                    line,
                    format!(
                        "*ELEMENT: {ty} needs {} node numbers, found {}",
                        need - 1,
                        pending.len() - 1
                    ),
                ));
            }
            if pending.len() == need {
                self.add_element(c, kind, &pending, start.unwrap())?;
                pending.clear();
                start = None;
            }
        }
        if !pending.is_empty() {
            return Err(c.err(format!(
                "the last element has {} of its {} nodes",
                pending.len() - 1,
                need - 1
            )));
        }
        Ok(())
    }

    /// Refuses element `id` of `kind` on `nodes` when its Jacobian is not
    /// positive at a corner node: a wrong node order, or mid-side nodes out
    /// of place, that integration points alone would not reveal.
    fn check_corners(
        &mut self,
        kind: CellKind,
        id: i64,
        nodes: &[usize],
        line: &Line,
    ) -> Result<(), DeckError> {
        let x: Vec<[f64; 3]> = nodes.iter().map(|&v| self.mesh.coordinates[v]).collect();
        let check = self
            .corner_checks
            .entry(kind)
            .or_insert_with(|| crate::values::CornerCheck::new(kind.shape()));
        check.check(&x).map_err(|e| {
            err_at(
                line,
                format!(
                    "*ELEMENT: element {id} ({}): the Jacobian determinant is {:.3e} at its corner node {} (node {}): the node order is wrong, or a mid-side node is out of place",
                    kind.abaqus_name(),
                    e.det_j,
                    e.point + 1,
                    self.mesh.node_ids[nodes[e.point]]
                ),
            )
        })
    }

    pub(super) fn add_element(
        &mut self,
        c: &Card,
        kind: CellKind,
        numbers: &[i64],
        line: &Line,
    ) -> Result<(), DeckError> {
        let id = numbers[0];
        if id <= 0 {
            return Err(err_at(
                line,
                format!("*ELEMENT: element numbers must be positive, found {id}"),
            ));
        }
        let mut nodes = Vec::with_capacity(numbers.len() - 1);
        for &n in &numbers[1..] {
            let v = u64::try_from(n)
                .ok()
                .and_then(|n| self.node_index.get(&n).copied());
            nodes.push(v.ok_or_else(|| {
                err_at(
                    line,
                    format!("*ELEMENT: element {id} references node {n}, which is not defined"),
                )
            })?);
        }
        self.check_corners(kind, id, &nodes, line)?;
        let block = self
            .blocks
            .entry(kind)
            .or_insert_with(|| CellBlock::new(kind));
        let local = block.len();
        if self
            .element_index
            .insert(id as u64, (kind, local))
            .is_some()
        {
            return Err(err_at(
                line,
                format!("*ELEMENT: element {id} is defined twice"),
            ));
        }
        block.connectivity.extend_from_slice(&nodes);
        block.cell_ids.push(id as u64);
        if let Some(set) = c.param("ELSET") {
            self.element_sets
                .entry(set.to_ascii_uppercase())
                .or_default()
                .insert(id as u64);
        }
        Ok(())
    }

    /// Visits the members of a set card's data lines — numbers, `GENERATE`
    /// ranges, names of sets defined before (`sets_have`) — with their line.
    /// A range of more numbers than there are nodes or elements
    /// (`defined`) must name undefined ones, and is refused before it is
    /// walked (a 13-byte `1, 100000000` must not take gigabytes).
    pub(super) fn set_items(
        c: &Card,
        defined: usize,
        sets_have: impl Fn(&str) -> Option<Vec<u64>>,
        mut visit: impl FnMut(u64, &Line) -> Result<(), DeckError>,
    ) -> Result<(), DeckError> {
        for line in &c.data {
            let f: Vec<&str> = fields(line).into_iter().filter(|s| !s.is_empty()).collect();
            if c.has("GENERATE") {
                let (a, b, inc) = Self::generate_range(c, line, &f)?;
                let count = (b - a) / inc + 1;
                if count > defined as i64 {
                    return Err(err_at(
                        line,
                        format!(
                            "*{} GENERATE: {a} to {b} by {inc} is {count} numbers, but only {defined} are defined",
                            c.keyword
                        ),
                    ));
                }
                for i in (a..=b).step_by(inc as usize) {
                    visit(i as u64, line)?;
                }
                continue;
            }
            for s in f {
                match s.parse::<i64>() {
                    Ok(i) if i > 0 => visit(i as u64, line)?,
                    Ok(i) => {
                        return Err(err_at(
                            line,
                            format!("*{}: numbers must be positive, found {i}", c.keyword),
                        ))
                    }
                    Err(_) => {
                        let members = sets_have(&s.to_ascii_uppercase()).ok_or_else(|| {
                            err_at(
                                line,
                                format!(
                                    "*{}: '{s}' is neither a number nor a defined set",
                                    c.keyword
                                ),
                            )
                        })?;
                        for m in members {
                            visit(m, line)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// `first, last[, increment]` of a `GENERATE` line.
    fn generate_range(c: &Card, line: &Line, f: &[&str]) -> Result<(i64, i64, i64), DeckError> {
        if f.len() < 2 || f.len() > 3 {
            return Err(err_at(
                line,
                format!(
                    "*{} GENERATE: expected 'first, last[, increment]'",
                    c.keyword
                ),
            ));
        }
        let a = integer(line, f[0], "the first number")?;
        let b = integer(line, f[1], "the last number")?;
        let inc = if f.len() == 3 {
            integer(line, f[2], "the increment")?
        } else {
            1
        };
        if inc <= 0 || b < a || a <= 0 {
            return Err(err_at(
                line,
                format!(
                    "*{} GENERATE: need 0 < first <= last and increment > 0",
                    c.keyword
                ),
            ));
        }
        Ok((a, b, inc))
    }

    pub(super) fn node_set(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["NSET", "GENERATE"])?;
        let name = c.required("NSET")?.to_ascii_uppercase();
        let ids = &self.mesh.node_ids;
        let (sets, index) = (&self.node_sets, &self.node_index);
        let mut added = BTreeSet::new();
        Self::set_items(
            c,
            index.len(),
            |s| sets.get(s).map(|m| m.iter().map(|&v| ids[v]).collect()),
            |id, line| {
                let v = index.get(&id).ok_or_else(|| {
                    err_at(line, format!("*NSET {name}: node {id} is not defined"))
                })?;
                added.insert(*v);
                Ok(())
            },
        )?;
        self.node_sets.entry(name).or_default().extend(added);
        Ok(())
    }

    pub(super) fn element_set(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["ELSET", "GENERATE"])?;
        let name = c.required("ELSET")?.to_ascii_uppercase();
        let (sets, index) = (&self.element_sets, &self.element_index);
        let mut added = BTreeSet::new();
        Self::set_items(
            c,
            index.len(),
            |s| sets.get(s).map(|m| m.iter().copied().collect()),
            |id, line| {
                if !index.contains_key(&id) {
                    return Err(err_at(
                        line,
                        format!("*ELSET {name}: element {id} is not defined"),
                    ));
                }
                added.insert(id);
                Ok(())
            },
        )?;
        self.element_sets.entry(name).or_default().extend(added);
        Ok(())
    }
}
