//! Reference models and the CalculiX cross-check for pkgstress.
//!
//! Models here are built from closed-form geometry so that tests, benches
//! and the shipped decks share one definition.

pub mod calculix;
pub mod convergence;
pub mod le11;
pub mod models;
pub mod plot;
