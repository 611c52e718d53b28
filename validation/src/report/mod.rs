//! The reference groups of the validation report, one module each, and the
//! report's entry type.

pub(crate) mod adhesive;
pub(crate) mod convergence;
pub(crate) mod entry;
pub(crate) mod layered;
pub(crate) mod le11;
pub(crate) mod peer;
pub(crate) mod thermal;
