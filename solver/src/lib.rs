//! pkgstress solver: thermo-elastic finite elements for package stress.
//!
//! # Units
//! One consistent system inside the solver, stated once here:
//! length **mm**, force **N**, stress and moduli **MPa** (N/mm²), time **s**,
//! temperature **°C**, thermal expansion **1/°C**. The thermal quantities
//! consistent with them (energy mJ = N·mm, power mW): conductivity
//! mW/(mm·°C) (numerically equal to W/(m·K)), density t/mm³
//! (1 kg/m³ = 1e-12 t/mm³), specific heat mJ/(t·°C) (1 J/(kg·K) = 1e6),
//! film coefficient mW/(mm²·°C) (1 W/(m²·K) = 1e-3). Stress is positive in
//! tension. Voigt order is `[xx, yy, zz, xy, yz, xz]` with engineering shear
//! strains.

pub mod analysis;
pub mod assembly;
pub mod dense;
pub mod element;
pub mod graph;
pub mod incompatible;
pub mod io;
pub mod linear;
pub mod loads;
pub mod mechanics;
pub mod memory;
pub mod model;
pub mod ordering;
pub mod points;
pub mod post;
pub mod quadrature;
pub mod thermal;
pub mod values;
