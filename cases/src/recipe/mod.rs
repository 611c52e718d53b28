//! The bonding recipe: an ordered list of steps, each a time interval
//! with the head and stage faces following their temperature profiles
//! (prescribed temperatures, or a contact conductance to the tool), every
//! other exterior face convecting to the ambient, a head pressure or force
//! carried by the stage, and parts added (born strain-free, e.g. a film
//! deposited hot) or removed (e.g. a temporary stress-preventing layer) at
//! the step's end.
//!
//! Adhesives listed under `[process.cure]` follow their cure kinetics
//! (`materials::cure`) cell by cell from their cell-mean temperature: a cell
//! is born strain-free in the deformed state when its degree of cure
//! reaches the gel point, and from then on shrinks chemically.
//!
//! Heat conduction runs through the whole recipe (all parts conduct from the
//! start, uncured adhesive included); the thermo-elastic state is solved at
//! each step's output times and whenever cells gel, with the current
//! temperature field, parts present from the start being stress-free at the
//! recipe's start temperature.
//!
//! Any string value in the steps may be `"$name"`, naming a parameter given
//! as another key of `[process]` (`peak_temperature = "200 C"`), so that
//! `--set process.peak_temperature="180 C"` changes every step using it.

mod conditions;
mod cure;
mod deck_export;
pub(crate) mod format;
mod history;
mod run;

pub use cure::CureState;
pub use deck_export::{recipe_deck_model, RecipeDeck};
pub use format::{Load, Profile, Recipe, RecipeStep, Tool};
pub use history::{history_csv, history_json, HistoryRow};
pub use run::{end_warnings, run_recipe, NewtonTally, Progress, RecipeOutput, Timings};
