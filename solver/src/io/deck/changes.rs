//! `*MODEL CHANGE, TYPE=ELEMENT, ADD[=STRAIN FREE] | REMOVE` inside a step:
//! element birth and death, the cards `export-inp` writes for a recipe.
//! Elements (ids or element sets) are removed or added strain-free in the
//! deformed state at the start of the step, as pkgstress's recipe births
//! them (`StaticAnalysis::add`, `remove`); `ADD=WITH STRAIN` is refused.

use super::error::DeckError;
use super::lines::Card;
use super::Reader;
use std::collections::BTreeSet;

/// The element ids a step removes and adds, in deck numbers.
#[derive(Clone, Debug, Default)]
pub(super) struct StepChange {
    pub remove: BTreeSet<u64>,
    pub add: BTreeSet<u64>,
}

impl Reader {
    pub(super) fn model_change(&mut self, c: &Card) -> Result<(), DeckError> {
        self.require_step(c)?;
        c.only(&["TYPE", "ADD", "REMOVE"])?;
        match c.param("TYPE").map(str::to_ascii_uppercase).as_deref() {
            None | Some("ELEMENT") => {}
            Some(other) => {
                return Err(c.err(format!("TYPE={other} is not supported (TYPE=ELEMENT)")))
            }
        }
        let add = match (c.has("ADD"), c.has("REMOVE")) {
            (true, false) => {
                match c.param("ADD").map(str::to_ascii_uppercase).as_deref() {
                    None | Some("") | Some("STRAIN FREE") => true,
                    Some(other) => {
                        return Err(c.err(format!(
                            "ADD={other} is not supported (ADD=STRAIN FREE: elements born strain-free where they stand)"
                        )))
                    }
                }
            }
            (false, true) => false,
            _ => return Err(c.err("needs exactly one of ADD and REMOVE")),
        };
        let (sets, index) = (&self.element_sets, &self.element_index);
        let mut ids = BTreeSet::new();
        Self::set_items(
            c,
            index.len(),
            |s| sets.get(s).map(|m| m.iter().copied().collect()),
            |id, line| {
                if !index.contains_key(&id) {
                    return Err(super::lines::err_at(
                        line,
                        format!("*MODEL CHANGE: element {id} is not defined"),
                    ));
                }
                ids.insert(id);
                Ok(())
            },
        )?;
        let change = &mut self.step_change;
        if add {
            change.add.extend(ids);
        } else {
            change.remove.extend(ids);
        }
        Ok(())
    }
}
