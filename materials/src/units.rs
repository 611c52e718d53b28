//! Quantities with units, as case files and the material library write
//! them ("30 um", "200 C", "2.5 GPa", "60 ppm/K"), converted to pkgstress's
//! internal system: mm, N, MPa, s, °C, and the thermal units consistent with
//! them (conductivity mW/(mm·°C), density t/mm³, specific heat mJ/(t·°C),
//! film coefficient mW/(mm²·°C)).
//!
//! A bare number is refused where the quantity has a unit, so a case file
//! cannot silently mean metres where it says millimetres.

/// What a quantity measures.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Dimension {
    /// Length, to mm.
    Length,
    /// Temperature (a point on the scale), to °C.
    Temperature,
    /// Stress, pressure or modulus, to MPa.
    Stress,
    /// Thermal expansion coefficient, to 1/°C.
    Expansion,
    /// Time, to s.
    Time,
    /// Force, to N.
    Force,
    /// Thermal conductivity, to mW/(mm·°C).
    Conductivity,
    /// Density, to t/mm³.
    Density,
    /// Specific heat, to mJ/(t·°C).
    SpecificHeat,
    /// Film (convection) coefficient, to mW/(mm²·°C).
    FilmCoefficient,
    /// A pure number (Poisson's ratio, a reaction order); units refused.
    Dimensionless,
    /// A rate constant (pre-exponential factor), to 1/s.
    Rate,
    /// A molar energy (activation energy), to J/mol.
    MolarEnergy,
    /// A fraction such as a cure shrinkage: "1.5 %" or a plain number 0.015.
    Fraction,
}

impl Dimension {
    /// What a value of this dimension should look like, for error messages.
    pub fn example(self) -> &'static str {
        match self {
            Dimension::Length => "a length such as \"30 um\" or \"0.5 mm\"",
            Dimension::Temperature => "a temperature such as \"200 C\" or \"473.15 K\"",
            Dimension::Stress => "a stress or modulus such as \"2.5 GPa\" or \"40 MPa\"",
            Dimension::Expansion => {
                "an expansion coefficient such as \"60 ppm/K\" or \"2.6e-6 1/K\""
            }
            Dimension::Time => "a time such as \"10 s\" or \"2 min\"",
            Dimension::Force => "a force such as \"50 N\"",
            Dimension::Conductivity => "a conductivity such as \"1.1 W/(m K)\"",
            Dimension::Density => "a density such as \"2380 kg/m^3\" or \"2.38 g/cm^3\"",
            Dimension::SpecificHeat => "a specific heat such as \"700 J/(kg K)\"",
            Dimension::FilmCoefficient => "a film coefficient such as \"10 W/(m^2 K)\"",
            Dimension::Dimensionless => "a plain number such as 0.3",
            Dimension::Rate => "a rate constant such as \"3.3e7 1/s\"",
            Dimension::MolarEnergy => "an activation energy such as \"80 kJ/mol\"",
            Dimension::Fraction => "a fraction such as \"1.5 %\" or 0.015",
        }
    }
}

/// Why a quantity could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UnitError {
    #[error("'{text}' has no unit; expected {}", .dimension.example())]
    MissingUnit { text: String, dimension: Dimension },
    #[error("'{text}': unknown unit '{unit}' for {}", .dimension.example())]
    UnknownUnit {
        text: String,
        unit: String,
        dimension: Dimension,
    },
    #[error("'{text}' does not start with a number; expected {}", .dimension.example())]
    NotANumber { text: String, dimension: Dimension },
    #[error("'{text}' is below absolute zero")]
    BelowAbsoluteZero { text: String },
    #[error("'{}' is out of range (a number of magnitude below about 1e300 in internal units, {})", short(text), .dimension.example())]
    OutOfRange { text: String, dimension: Dimension },
}

/// `(spelling, factor, offset)`: internal = value · factor + offset.
/// Spellings are compared after [`normalise`].
const UNITS: &[(Dimension, &[(&str, f64, f64)])] = &[
    (
        Dimension::Length,
        &[
            ("mm", 1.0, 0.0),
            ("um", 1e-3, 0.0),
            ("micron", 1e-3, 0.0),
            ("nm", 1e-6, 0.0),
            ("a", 1e-7, 0.0),
            ("angstrom", 1e-7, 0.0),
            ("cm", 10.0, 0.0),
            ("m", 1e3, 0.0),
            ("mil", 0.0254, 0.0),
            ("in", 25.4, 0.0),
        ],
    ),
    (
        Dimension::Temperature,
        &[
            ("c", 1.0, 0.0),
            ("degc", 1.0, 0.0),
            ("k", 1.0, -273.15),
            ("f", 5.0 / 9.0, -160.0 / 9.0),
            ("degf", 5.0 / 9.0, -160.0 / 9.0),
        ],
    ),
    (
        Dimension::Stress,
        &[
            ("mpa", 1.0, 0.0),
            ("gpa", 1e3, 0.0),
            ("kpa", 1e-3, 0.0),
            ("pa", 1e-6, 0.0),
            ("n/mm2", 1.0, 0.0),
            ("n/m2", 1e-6, 0.0),
            ("psi", 6.894_757_293e-3, 0.0),
            ("ksi", 6.894_757_293, 0.0),
            ("bar", 0.1, 0.0),
        ],
    ),
    (
        Dimension::Expansion,
        &[
            ("ppm/k", 1e-6, 0.0),
            ("ppm/c", 1e-6, 0.0),
            ("1/k", 1.0, 0.0),
            ("1/c", 1.0, 0.0),
            ("/k", 1.0, 0.0),
            ("/c", 1.0, 0.0),
            ("k-1", 1.0, 0.0),
            ("c-1", 1.0, 0.0),
        ],
    ),
    (
        Dimension::Time,
        &[
            ("s", 1.0, 0.0),
            ("ms", 1e-3, 0.0),
            ("min", 60.0, 0.0),
            ("h", 3600.0, 0.0),
        ],
    ),
    (
        Dimension::Force,
        &[
            ("n", 1.0, 0.0),
            ("kn", 1e3, 0.0),
            ("mn", 1e-3, 0.0),
            ("kgf", 9.806_65, 0.0),
            ("gf", 9.806_65e-3, 0.0),
        ],
    ),
    (
        Dimension::Conductivity,
        &[
            ("w/mk", 1.0, 0.0),
            ("w/mc", 1.0, 0.0),
            ("w/m/k", 1.0, 0.0),
            ("mw/mmk", 1.0, 0.0),
            ("w/mmk", 1e3, 0.0),
            ("w/cmk", 100.0, 0.0),
        ],
    ),
    (
        Dimension::Density,
        &[
            ("kg/m3", 1e-12, 0.0),
            ("g/cm3", 1e-9, 0.0),
            ("g/cc", 1e-9, 0.0),
            ("t/mm3", 1.0, 0.0),
        ],
    ),
    (
        Dimension::SpecificHeat,
        &[
            ("j/kgk", 1e6, 0.0),
            ("j/kgc", 1e6, 0.0),
            ("j/kg/k", 1e6, 0.0),
            ("j/gk", 1e9, 0.0),
            ("mj/tk", 1.0, 0.0),
        ],
    ),
    (
        Dimension::FilmCoefficient,
        &[
            ("w/m2k", 1e-3, 0.0),
            ("w/m2c", 1e-3, 0.0),
            ("w/m2/k", 1e-3, 0.0),
            ("mw/mm2k", 1.0, 0.0),
        ],
    ),
    (
        Dimension::Rate,
        &[
            ("1/s", 1.0, 0.0),
            ("/s", 1.0, 0.0),
            ("s-1", 1.0, 0.0),
            ("1/min", 1.0 / 60.0, 0.0),
            ("1/h", 1.0 / 3600.0, 0.0),
        ],
    ),
    (
        Dimension::MolarEnergy,
        &[
            ("j/mol", 1.0, 0.0),
            ("kj/mol", 1e3, 0.0),
            ("kcal/mol", 4184.0, 0.0),
        ],
    ),
    (Dimension::Fraction, &[("%", 0.01, 0.0)]),
];

/// Lower-cases a unit and drops what only decorates it: spaces, `°`, `^`,
/// `*`, `·`, parentheses; `µ`/`μ` become `u`, `Å` becomes `a`.
pub fn normalise(unit: &str) -> String {
    unit.chars()
        .filter(|c| !matches!(c, ' ' | '°' | '^' | '*' | '·' | '(' | ')' | '.'))
        .map(|c| match c {
            'µ' | 'μ' => 'u',
            'Å' => 'a',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The first 40 characters of `text` (for messages about long input).
fn short(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if text.chars().nth(40).is_some() {
        s.push('…');
    }
    s
}

/// Longest number accepted, characters.
const MAX_NUMBER: usize = 64;

/// Splits "2.5 GPa" into the number and the rest: the longest prefix of
/// digits, signs, points and exponents that parses. `Ok(None)` when there
/// is no number, `Err(())` when it is not finite (out of range).
fn split(text: &str) -> Result<Option<(f64, &str)>, ()> {
    let t = text.trim();
    let run = t
        .bytes()
        .take_while(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        .count();
    if run > MAX_NUMBER {
        return Ok(None);
    }
    for end in (1..=run).rev() {
        if let Ok(value) = t[..end].parse::<f64>() {
            return if value.is_finite() {
                Ok(Some((value, t[end..].trim())))
            } else {
                Err(())
            };
        }
    }
    Ok(None)
}

/// Reads `text` as a quantity of `dimension` in internal units.
pub fn parse_quantity(text: &str, dimension: Dimension) -> Result<f64, UnitError> {
    let out_of_range = || UnitError::OutOfRange {
        text: text.into(),
        dimension,
    };
    let (value, unit) =
        split(text)
            .map_err(|_| out_of_range())?
            .ok_or_else(|| UnitError::NotANumber {
                text: short(text),
                dimension,
            })?;
    if dimension == Dimension::Dimensionless {
        return if unit.is_empty() {
            Ok(value)
        } else {
            Err(UnitError::UnknownUnit {
                text: text.into(),
                unit: unit.into(),
                dimension,
            })
        };
    }
    if unit.is_empty() && dimension == Dimension::Fraction {
        return Ok(value);
    }
    if unit.is_empty() {
        return Err(UnitError::MissingUnit {
            text: text.into(),
            dimension,
        });
    }
    let key = normalise(unit);
    let table = UNITS
        .iter()
        .find(|(d, _)| *d == dimension)
        .map(|(_, t)| *t)
        .unwrap_or(&[]);
    let &(_, factor, offset) = table
        .iter()
        .find(|(spelling, ..)| *spelling == key)
        .ok_or_else(|| UnitError::UnknownUnit {
            text: text.into(),
            unit: unit.into(),
            dimension,
        })?;
    let v = value * factor + offset;
    if !(v.is_finite() && v.abs() < 1e300) {
        return Err(out_of_range());
    }
    if dimension == Dimension::Temperature && v < -273.15 - 1e-9 {
        return Err(UnitError::BelowAbsoluteZero { text: text.into() });
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// Numbers beyond f64 or beyond 1e300 in internal units are out of
    /// range, not "not a number"; a number of thousands of digits is read
    /// in time linear in its length.
    #[test]
    fn out_of_range_and_long_numbers() {
        for text in ["1e400 mm", "1e308 m", "-1e301 MPa"] {
            let dim = if text.ends_with("MPa") {
                Dimension::Stress
            } else {
                Dimension::Length
            };
            assert!(
                matches!(parse_quantity(text, dim), Err(UnitError::OutOfRange { .. })),
                "{text}"
            );
        }
        let long = format!("{} mm", "1".repeat(100_000));
        assert!(matches!(
            parse_quantity(&long, Dimension::Length),
            Err(UnitError::NotANumber { .. })
        ));
        assert_relative_eq!(parse_quantity("2.5e-3 m", Dimension::Length).unwrap(), 2.5);
    }

    #[test]
    fn converts_to_the_internal_system() {
        let q = |t, d| parse_quantity(t, d).unwrap();
        assert_relative_eq!(q("30 um", Dimension::Length), 0.03);
        assert_relative_eq!(q("30µm", Dimension::Length), 0.03);
        assert_relative_eq!(q("1000 Å", Dimension::Length), 1e-4);
        assert_relative_eq!(
            q("473.15 K", Dimension::Temperature),
            200.0,
            epsilon = 1e-12
        );
        assert_relative_eq!(q("200 °C", Dimension::Temperature), 200.0);
        assert_relative_eq!(q("212 F", Dimension::Temperature), 100.0, epsilon = 1e-12);
        assert_relative_eq!(q("2.5 GPa", Dimension::Stress), 2500.0);
        assert_relative_eq!(q("60 ppm/K", Dimension::Expansion), 60e-6);
        assert_relative_eq!(q("2.6e-6 1/K", Dimension::Expansion), 2.6e-6);
        assert_relative_eq!(q("2 min", Dimension::Time), 120.0);
        assert_relative_eq!(q("1.1 W/(m K)", Dimension::Conductivity), 1.1);
        assert_relative_eq!(q("2380 kg/m^3", Dimension::Density), 2.38e-9);
        assert_relative_eq!(q("2.38 g/cm^3", Dimension::Density), 2.38e-9);
        assert_relative_eq!(q("700 J/(kg K)", Dimension::SpecificHeat), 7e8);
        assert_relative_eq!(q("10 W/(m^2 K)", Dimension::FilmCoefficient), 1e-2);
        assert_relative_eq!(q("0.28", Dimension::Dimensionless), 0.28);
        assert_relative_eq!(q("3.3e7 1/s", Dimension::Rate), 3.3e7);
        assert_relative_eq!(q("60 1/min", Dimension::Rate), 1.0);
        assert_relative_eq!(q("80 kJ/mol", Dimension::MolarEnergy), 8e4);
        assert_relative_eq!(q("1.5 %", Dimension::Fraction), 0.015);
        assert_relative_eq!(q("0.015", Dimension::Fraction), 0.015);
    }

    /// Consistency of the thermal units with mm, N, s: a 1 mm³ silicon cube
    /// (2330 kg/m³, 700 J/(kg K)) heated 1 K stores ρ·c·V = 1.631e-3 J = 1.631 mJ.
    #[test]
    fn thermal_units_are_consistent() {
        let rho = parse_quantity("2330 kg/m3", Dimension::Density).unwrap();
        let cp = parse_quantity("700 J/kg/K", Dimension::SpecificHeat).unwrap();
        assert_relative_eq!(rho * cp * 1.0, 1.631, max_relative = 1e-12);
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(matches!(
            parse_quantity("30", Dimension::Length),
            Err(UnitError::MissingUnit { .. })
        ));
        assert!(matches!(
            parse_quantity("30 furlong", Dimension::Length),
            Err(UnitError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse_quantity("30 MPa", Dimension::Length),
            Err(UnitError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse_quantity("thirty mm", Dimension::Length),
            Err(UnitError::NotANumber { .. })
        ));
        assert!(matches!(
            parse_quantity("inf mm", Dimension::Length),
            Err(UnitError::NotANumber { .. })
        ));
        assert!(matches!(
            parse_quantity("-300 C", Dimension::Temperature),
            Err(UnitError::BelowAbsoluteZero { .. })
        ));
        assert!(matches!(
            parse_quantity("0.3 mm", Dimension::Dimensionless),
            Err(UnitError::UnknownUnit { .. })
        ));
        let msg = parse_quantity("30", Dimension::Length)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("30 um"), "{msg}");
    }
}
