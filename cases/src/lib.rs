//! Case files: a package described by its parts (layers, blocks, bump
//! arrays, fills), materials, mesh controls, supports and temperatures, in
//! TOML with units on every quantity. A [`Case`] becomes a mesh
//! ([`Case::mesh`]) and an analysis model ([`Case::model`]): stress-free at
//! the bonding temperature, one step at room temperature, or through its
//! bonding recipe ([`recipe`]). The format is documented in
//! `cases/README.md`.

mod case;
mod fields;
mod format;
mod model;
pub mod output;
mod overrides;
mod part;
mod plot;
pub mod recipe;
pub mod summary;
mod supports;

pub use case::{Case, CaseError, Roles, Supports};
pub use overrides::apply_override;
pub use part::{CasePart, FaceRef};
