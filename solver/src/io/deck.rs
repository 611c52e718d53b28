//! Reader for the subset of the Abaqus/CalculiX keyword format that
//! describes linear thermo-elastic static analyses (see the README for the
//! list). Errors name the file, the line and the keyword; nothing in a deck
//! can make the reader panic.

use crate::model::{Model, Step};
use materials::{Elastic, Expansion, ExpansionTable, Material, Table};
use mesher::{CellBlock, CellKind, Mesh};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// An error in a deck, with its place.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}:{line}: {message}", file.display())]
pub struct DeckError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

/// A deck read into a model, with warnings about accepted-but-ignored input.
#[derive(Debug)]
pub struct Deck {
    pub model: Model,
    pub warnings: Vec<String>,
}

/// One source line.
#[derive(Clone, Debug)]
struct Line {
    file: Rc<PathBuf>,
    number: usize,
    text: String,
}

/// A keyword card: the keyword line, its parameters and its data lines.
#[derive(Debug)]
struct Card {
    keyword: String,
    params: Vec<(String, Option<String>)>,
    head: Line,
    data: Vec<Line>,
}

impl Card {
    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
    }

    fn has(&self, key: &str) -> bool {
        self.params.iter().any(|(k, _)| k == key)
    }

    fn err(&self, message: impl Into<String>) -> DeckError {
        err_at(&self.head, format!("*{}: {}", self.keyword, message.into()))
    }

    fn required(&self, key: &str) -> Result<&str, DeckError> {
        self.param(key)
            .ok_or_else(|| self.err(format!("missing required parameter {key}=")))
    }

    /// Rejects parameters outside `allowed`.
    fn only(&self, allowed: &[&str]) -> Result<(), DeckError> {
        match self
            .params
            .iter()
            .find(|(k, _)| !allowed.contains(&k.as_str()))
        {
            Some((k, _)) => Err(self.err(format!(
                "parameter {k} is not supported (supported: {})",
                if allowed.is_empty() {
                    "none".to_string()
                } else {
                    allowed.join(", ")
                }
            ))),
            None => Ok(()),
        }
    }
}

fn err_at(line: &Line, message: String) -> DeckError {
    DeckError {
        file: (*line.file).clone(),
        line: line.number,
        message,
    }
}

/// Reads a deck file (following `*INCLUDE`).
pub fn read_deck(path: &Path) -> Result<Deck, DeckError> {
    let mut lines = Vec::new();
    load_lines(path, &mut lines, 0, None)?;
    parse_lines(lines)
}

/// Parses deck text; `file` names it in errors.
pub fn parse_deck(text: &str, file: &Path) -> Result<Deck, DeckError> {
    let file = Rc::new(file.to_path_buf());
    let lines = text
        .lines()
        .enumerate()
        .map(|(i, t)| Line {
            file: file.clone(),
            number: i + 1,
            text: t.to_string(),
        })
        .collect();
    parse_lines(lines)
}

fn load_lines(
    path: &Path,
    out: &mut Vec<Line>,
    depth: usize,
    from: Option<&Line>,
) -> Result<(), DeckError> {
    let fail = |message: String| match from {
        Some(l) => err_at(l, message),
        None => DeckError {
            file: path.to_path_buf(),
            line: 0,
            message,
        },
    };
    if depth > 16 {
        return Err(fail("*INCLUDE nested more than 16 deep".into()));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
    let file = Rc::new(path.to_path_buf());
    for (i, t) in text.lines().enumerate() {
        let line = Line {
            file: file.clone(),
            number: i + 1,
            text: t.to_string(),
        };
        let upper = t.trim_start().to_ascii_uppercase();
        if upper.starts_with("*INCLUDE") {
            let input = t
                .split(',')
                .skip(1)
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("INPUT"))
                .map(|(_, v)| v.trim().trim_matches('"').to_string())
                .ok_or_else(|| {
                    err_at(&line, "*INCLUDE: missing required parameter INPUT=".into())
                })?;
            let target = path.parent().unwrap_or(Path::new(".")).join(input);
            load_lines(&target, out, depth + 1, Some(&line))?;
        } else {
            out.push(line);
        }
    }
    Ok(())
}

/// Groups lines into cards, dropping blank lines and `**` comments.
fn cards(lines: Vec<Line>) -> Result<Vec<Card>, DeckError> {
    let mut cards: Vec<Card> = Vec::new();
    for line in lines {
        let t = line.text.trim();
        if t.is_empty() || t.starts_with("**") {
            continue;
        }
        if let Some(rest) = t.strip_prefix('*') {
            let mut parts = rest.split(',');
            let keyword = parts.next().unwrap_or("").trim().to_ascii_uppercase();
            let keyword = keyword.split_whitespace().collect::<Vec<_>>().join(" ");
            let params = parts
                .filter(|p| !p.trim().is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (k.trim().to_ascii_uppercase(), Some(v.trim().to_string())),
                    None => (p.trim().to_ascii_uppercase(), None),
                })
                .collect();
            cards.push(Card {
                keyword,
                params,
                head: line,
                data: Vec::new(),
            });
        } else {
            match cards.last_mut() {
                Some(c) => c.data.push(line),
                None => return Err(err_at(&line, "data line before the first keyword".into())),
            }
        }
    }
    Ok(cards)
}

/// Splits a data line into trimmed fields (a trailing comma adds none).
fn fields(line: &Line) -> Vec<&str> {
    let t = line.text.trim().trim_end_matches(',');
    t.split(',').map(str::trim).collect()
}

fn number(line: &Line, field: &str, what: &str) -> Result<f64, DeckError> {
    let v: f64 = field.replace(['d', 'D'], "e").parse().map_err(|_| {
        err_at(
            line,
            format!("expected a number for {what}, found '{field}'"),
        )
    })?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(err_at(
            line,
            format!("{what} must be finite, found '{field}'"),
        ))
    }
}

fn integer(line: &Line, field: &str, what: &str) -> Result<i64, DeckError> {
    field.parse().map_err(|_| {
        err_at(
            line,
            format!("expected an integer for {what}, found '{field}'"),
        )
    })
}

/// The state of the reader while it walks the cards.
struct Reader {
    mesh: Mesh,
    node_index: HashMap<u64, usize>,
    /// element id -> (kind, local index in that kind's block)
    element_index: HashMap<u64, (CellKind, usize)>,
    blocks: BTreeMap<CellKind, CellBlock>,
    node_sets: BTreeMap<String, BTreeSet<usize>>,
    element_sets: BTreeMap<String, BTreeSet<u64>>,
    materials: Vec<Material>,
    /// Elastic data seen for the material being defined.
    current_material: Option<usize>,
    sections: Vec<(String, String, Line)>,
    initial: BTreeMap<usize, f64>,
    // step state (carried over between steps)
    constraints: BTreeMap<(usize, usize), f64>,
    loads: BTreeMap<(usize, usize), f64>,
    temperatures: BTreeMap<usize, f64>,
    in_step: Option<(String, f64, Line)>,
    time: f64,
    steps: Vec<(Step, BTreeMap<usize, f64>)>,
    warnings: Vec<String>,
}

fn parse_lines(lines: Vec<Line>) -> Result<Deck, DeckError> {
    let mut r = Reader {
        mesh: Mesh::default(),
        node_index: HashMap::new(),
        element_index: HashMap::new(),
        blocks: BTreeMap::new(),
        node_sets: BTreeMap::new(),
        element_sets: BTreeMap::new(),
        materials: Vec::new(),
        current_material: None,
        sections: Vec::new(),
        initial: BTreeMap::new(),
        constraints: BTreeMap::new(),
        loads: BTreeMap::new(),
        temperatures: BTreeMap::new(),
        in_step: None,
        time: 0.0,
        steps: Vec::new(),
        warnings: Vec::new(),
    };
    let first_line = lines.first().cloned();
    for card in cards(lines)? {
        r.card(&card)?;
    }
    if let Some((name, _, line)) = &r.in_step {
        return Err(err_at(line, format!("*STEP '{name}' has no *END STEP")));
    }
    let Some(first) = first_line else {
        return Err(DeckError {
            file: PathBuf::new(),
            line: 0,
            message: "the deck is empty".into(),
        });
    };
    r.finish(&first)
}

impl Reader {
    fn card(&mut self, c: &Card) -> Result<(), DeckError> {
        match c.keyword.as_str() {
            "HEADING" | "NODE FILE" | "EL FILE" | "NODE PRINT" | "EL PRINT" | "NODE OUTPUT" | "ELEMENT OUTPUT"
            | "OUTPUT" => Ok(()),
            "NODE" => self.nodes(c),
            "ELEMENT" => self.elements(c),
            "NSET" => self.node_set(c),
            "ELSET" => self.element_set(c),
            "MATERIAL" => self.material(c),
            "ELASTIC" => self.elastic(c),
            "EXPANSION" => self.expansion(c),
            "SOLID SECTION" => self.solid_section(c),
            "BOUNDARY" => self.boundary(c),
            "INITIAL CONDITIONS" => self.initial_conditions(c),
            "TEMPERATURE" => self.temperature(c),
            "CLOAD" => self.cload(c),
            "STEP" => self.step(c),
            "STATIC" => self.static_procedure(c),
            "END STEP" => self.end_step(c),
            other => Err(c.err(format!(
                "keyword *{other} is not supported by pkgstress (see the README for the supported subset)"
            ))),
        }
    }

    fn nodes(&mut self, c: &Card) -> Result<(), DeckError> {
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

    fn elements(&mut self, c: &Card) -> Result<(), DeckError> {
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

    fn add_element(
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
    fn set_items(
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

    fn node_set(&mut self, c: &Card) -> Result<(), DeckError> {
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

    fn element_set(&mut self, c: &Card) -> Result<(), DeckError> {
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

    fn material(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["NAME"])?;
        let name = c.required("NAME")?.to_ascii_uppercase();
        if self.materials.iter().any(|m| m.name == name) {
            return Err(c.err(format!("material {name} is defined twice")));
        }
        self.materials.push(Material {
            name,
            elastic: Elastic::Isotropic(Table::constant([0.0, 0.0])),
            expansion: None,
        });
        self.current_material = Some(self.materials.len() - 1);
        Ok(())
    }

    fn current_material(&mut self, c: &Card) -> Result<&mut Material, DeckError> {
        match self.current_material {
            Some(i) => Ok(&mut self.materials[i]),
            None => Err(c.err("must follow a *MATERIAL card")),
        }
    }

    /// Rows of `k` values plus an optional temperature; a row may span
    /// several lines (`per_row_lines`), as engineering constants do.
    fn rows<const K: usize>(c: &Card, what: &str) -> Result<Table<K>, DeckError> {
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

    fn elastic(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["TYPE"])?;
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

    fn expansion(&mut self, c: &Card) -> Result<(), DeckError> {
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

    fn solid_section(&mut self, c: &Card) -> Result<(), DeckError> {
        c.only(&["ELSET", "MATERIAL"])?;
        let elset = c.required("ELSET")?.to_ascii_uppercase();
        let material = c.required("MATERIAL")?.to_ascii_uppercase();
        self.current_material = None;
        self.sections.push((elset, material, c.head.clone()));
        Ok(())
    }

    /// Node indices named by a data field of card `c`: a node number or a node set.
    fn node_targets(&self, c: &Card, line: &Line, field: &str) -> Result<Vec<usize>, DeckError> {
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

    fn reset_if_new(c: &Card) -> Result<bool, DeckError> {
        match c.param("OP").map(str::to_ascii_uppercase).as_deref() {
            None | Some("MOD") => Ok(false),
            Some("NEW") => Ok(true),
            Some(o) => Err(c.err(format!("OP={o} is not valid (MOD or NEW)"))),
        }
    }

    fn boundary(&mut self, c: &Card) -> Result<(), DeckError> {
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
    fn node_values(&self, c: &Card, what: &str) -> Result<Vec<(usize, f64)>, DeckError> {
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

    fn initial_conditions(&mut self, c: &Card) -> Result<(), DeckError> {
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

    fn require_step(&self, c: &Card) -> Result<(), DeckError> {
        if self.in_step.is_none() {
            return Err(c.err("is step data and must be inside *STEP ... *END STEP"));
        }
        Ok(())
    }

    fn temperature(&mut self, c: &Card) -> Result<(), DeckError> {
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

    fn cload(&mut self, c: &Card) -> Result<(), DeckError> {
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

    fn step(&mut self, c: &Card) -> Result<(), DeckError> {
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
        Ok(())
    }

    fn static_procedure(&mut self, c: &Card) -> Result<(), DeckError> {
        self.require_step(c)?;
        let mut period = 1.0;
        if let Some(line) = c.data.first() {
            let f = fields(line);
            if f.len() >= 2 && !f[1].is_empty() {
                period = number(line, f[1], "the step time period")?;
                if period <= 0.0 {
                    return Err(err_at(
                        line,
                        "*STATIC: the time period must be positive".into(),
                    ));
                }
            }
        }
        if let Some(s) = &mut self.in_step {
            s.1 = period;
        }
        Ok(())
    }

    fn end_step(&mut self, c: &Card) -> Result<(), DeckError> {
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
        };
        self.steps.push((step, self.temperatures.clone()));
        Ok(())
    }

    fn finish(mut self, first: &Line) -> Result<Deck, DeckError> {
        let fail = |m: String| err_at(first, m);
        if self.steps.is_empty() {
            return Err(fail(
                "the deck has no *STEP ... *END STEP: nothing to solve".into(),
            ));
        }
        // blocks and global cell numbering
        let mut offsets = BTreeMap::new();
        let mut offset = 0;
        for (kind, block) in std::mem::take(&mut self.blocks) {
            offsets.insert(kind, offset);
            offset += block.len();
            self.mesh.blocks.push(block);
        }
        if offset == 0 {
            return Err(fail("the deck defines no elements".into()));
        }
        let global = |id: &u64| {
            let (kind, local) = self.element_index[id];
            offsets[&kind] + local
        };
        // sections -> part and material per cell
        let mut cell_material = vec![usize::MAX; offset];
        let mut cell_part = vec![usize::MAX; offset];
        for (elset, material, line) in &self.sections {
            let m = self
                .materials
                .iter()
                .position(|x| &x.name == material)
                .ok_or_else(|| {
                    err_at(
                        line,
                        format!("*SOLID SECTION: material {material} is not defined"),
                    )
                })?;
            let mat = &self.materials[m];
            if matches!(&mat.elastic, Elastic::Isotropic(t) if t.at(0.0)[0] == 0.0) {
                return Err(err_at(
                    line,
                    format!("*SOLID SECTION: material {material} has no *ELASTIC data"),
                ));
            }
            let set = self.element_sets.get(elset).ok_or_else(|| {
                err_at(
                    line,
                    format!("*SOLID SECTION: element set {elset} is not defined"),
                )
            })?;
            let part = self.mesh.part_index(elset);
            for id in set {
                let g = global(id);
                if cell_material[g] != usize::MAX {
                    return Err(err_at(
                        line,
                        format!("*SOLID SECTION: element {id} already has a section"),
                    ));
                }
                cell_material[g] = m;
                cell_part[g] = part;
            }
        }
        if let Some(g) = cell_material.iter().position(|&m| m == usize::MAX) {
            let id = self
                .mesh
                .cells()
                .find(|c| c.0 == g)
                .map(|(_, b, c)| self.mesh.blocks[b].cell_ids[c])
                .unwrap_or(0);
            return Err(fail(format!(
                "element {id} has no *SOLID SECTION (every element needs a material)"
            )));
        }
        self.mesh.cell_part = cell_part;
        self.mesh.node_sets = self
            .node_sets
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().copied().collect()))
            .collect();
        self.mesh.cell_sets = self
            .element_sets
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().map(&global).collect()))
            .collect();
        let n = self.mesh.num_nodes();
        let mut initial = vec![0.0; n];
        for (&v, &t) in &self.initial {
            initial[v] = t;
        }
        let steps = self
            .steps
            .into_iter()
            .map(|(mut step, temps)| {
                step.temperature = initial.clone();
                for (v, t) in temps {
                    step.temperature[v] = t;
                }
                step
            })
            .collect();
        Ok(Deck {
            model: Model {
                mesh: self.mesh,
                materials: self.materials,
                thermal: Vec::new(),
                cell_material,
                initial_temperature: initial,
                part_stress_free_temperature: Vec::new(),
                steps,
            },
            warnings: self.warnings,
        })
    }
}
