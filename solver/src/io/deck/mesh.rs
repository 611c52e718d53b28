//! Nodes, elements and named sets (`*NODE`, `*ELEMENT`, `*NSET`, `*ELSET`).

use super::error::DeckError;
use super::lines::{err_at, fields, integer, number, Card, Line};
use super::Reader;
use mesher::{CellBlock, CellKind};

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

    /// Items of a set definition: numbers, GENERATE ranges, or other set names.
    pub(super) fn set_items(
        c: &Card,
        sets_have: impl Fn(&str) -> Option<Vec<u64>>,
    ) -> Result<Vec<(u64, Line)>, DeckError> {
        let mut items = Vec::new();
        for line in &c.data {
            let f: Vec<&str> = fields(line).into_iter().filter(|s| !s.is_empty()).collect();
            if c.has("GENERATE") {
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
                if (b - a) / inc > 100_000_000 {
                    return Err(err_at(
                        line,
                        format!("*{} GENERATE: range too large", c.keyword),
                    ));
                }
                items.extend(
                    (a..=b)
                        .step_by(inc as usize)
                        .map(|i| (i as u64, line.clone())),
                );
            } else {
                for s in f {
                    match s.parse::<i64>() {
                        Ok(i) if i > 0 => items.push((i as u64, line.clone())),
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
                            items.extend(members.into_iter().map(|m| (m, line.clone())));
                        }
                    }
                }
            }
        }
        Ok(items)
    }

    pub(super) fn node_set(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["NSET", "GENERATE"])?;
        let name = c.required("NSET")?.to_ascii_uppercase();
        let ids = &self.mesh.node_ids;
        let items = Self::set_items(c, |s| {
            self.node_sets
                .get(s)
                .map(|m| m.iter().map(|&v| ids[v]).collect())
        })?;
        let mut set = self.node_sets.remove(&name).unwrap_or_default();
        for (id, line) in items {
            let v = self
                .node_index
                .get(&id)
                .ok_or_else(|| err_at(&line, format!("*NSET {name}: node {id} is not defined")))?;
            set.insert(*v);
        }
        self.node_sets.insert(name, set);
        Ok(())
    }

    pub(super) fn element_set(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["ELSET", "GENERATE"])?;
        let name = c.required("ELSET")?.to_ascii_uppercase();
        let items = Self::set_items(c, |s| {
            self.element_sets
                .get(s)
                .map(|m| m.iter().copied().collect())
        })?;
        let mut set = self.element_sets.remove(&name).unwrap_or_default();
        for (id, line) in items {
            if !self.element_index.contains_key(&id) {
                return Err(err_at(
                    &line,
                    format!("*ELSET {name}: element {id} is not defined"),
                ));
            }
            set.insert(id);
        }
        self.element_sets.insert(name, set);
        Ok(())
    }
}
