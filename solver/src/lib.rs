//! pkgstress solver: thermo-elastic finite elements for package stress.
//!
//! # Units
//! One consistent system inside the solver, stated once here:
//! length **mm**, force **N**, stress and moduli **MPa** (N/mm²), time **s**,
//! temperature **°C**, thermal expansion **1/°C**; (for the thermal analysis:
//! conductivity W/(mm·°C) = mW/(mm·°C)·10³, density t/mm³, specific heat
//! mJ/(t·°C) — the set consistent with mm, N, s). Stress is positive in
//! tension. Voigt order is `[xx, yy, zz, xy, yz, xz]` with engineering shear
//! strains.

pub mod analysis;
pub mod assembly;
pub mod dense;
pub mod element;
pub mod io;
pub mod linear;
pub mod mechanics;
pub mod model;
pub mod ordering;
pub mod post;
pub mod quadrature;
pub mod values;
