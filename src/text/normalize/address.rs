//! Street addresses: "1211 E Arques Ave" → "twelve eleven East Arques Avenue", "221B Baker
//! St." → "two twenty one B Baker Street", "123 Laguna Ct, Town, CA 95051" → "one twenty
//! three Laguna Court, Town, California nine five zero five one". The house number is read
//! in pairs as people say it, a letter after it is a letter (not "billion"), the direction
//! and the street type are said whole, a state's code after the city is its name, a ZIP code
//! digit by digit. Only a number, words with capitals and a street type make an address:
//! "1990 for the Ata ST" is not one.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::numbers::{cardinal, digits};
use super::rx;

const STREET_TYPES: &[(&str, &str)] = &[
    ("St", "Street"),
    ("Ave", "Avenue"),
    ("Av", "Avenue"),
    ("Blvd", "Boulevard"),
    ("Rd", "Road"),
    ("Dr", "Drive"),
    ("Ln", "Lane"),
    ("Ct", "Court"),
    ("Pl", "Place"),
    ("Sq", "Square"),
    ("Ter", "Terrace"),
    ("Cir", "Circle"),
    ("Pkwy", "Parkway"),
    ("Hwy", "Highway"),
    ("Expy", "Expressway"),
    ("Fwy", "Freeway"),
    ("Way", "Way"),
    ("Street", "Street"),
    ("Avenue", "Avenue"),
    ("Road", "Road"),
    ("Drive", "Drive"),
    ("Lane", "Lane"),
    ("Court", "Court"),
    ("Place", "Place"),
    ("Boulevard", "Boulevard"),
    ("Highway", "Highway"),
];

const DIRECTIONS: &[(&str, &str)] = &[
    ("N", "North"),
    ("S", "South"),
    ("E", "East"),
    ("W", "West"),
    ("NE", "Northeast"),
    ("NW", "Northwest"),
    ("SE", "Southeast"),
    ("SW", "Southwest"),
];

const STATES: &[(&str, &str)] = &[
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "D C"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
];

fn lookup(table: &'static [(&str, &str)], key: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| *v)
}

/// A house number in pairs: 708 → "seven oh eight", 2788 → "twenty seven eighty eight",
/// 1200 → "twelve hundred".
fn house_number(n: u64) -> String {
    let pair = |hi: u64, lo: u64| match lo {
        0 => format!("{} hundred", cardinal(hi)),
        1..=9 => format!("{} oh {}", cardinal(hi), cardinal(lo)),
        _ => format!("{} {}", cardinal(hi), cardinal(lo)),
    };
    match n {
        0..=99 => cardinal(n),
        n if n % 1000 == 0 => cardinal(n),
        100..=9999 => pair(n / 100, n % 100),
        _ => cardinal(n),
    }
}

fn pattern() -> Regex {
    let types: Vec<&str> = STREET_TYPES.iter().map(|(t, _)| *t).collect();
    let directions: Vec<&str> = DIRECTIONS.iter().map(|(d, _)| *d).collect();
    // 1 number · 2 letter · 3 direction · 4 name · 5 type · 6 its period · 7 city · 8 state ·
    // 9 ZIP · 10 ZIP+4.
    rx::compile(&format!(
        r"\b(\d{{1,5}})([A-Z])?\s+(?:({})\.?\s+)?((?:\d{{1,3}}(?:st|nd|rd|th)|[A-Z][a-z]+)(?:\s+[A-Z][a-z]+){{0,2}})\s+(?i:({}))\b(\.)?(?:,\s*([A-Z][a-z]+(?:\s[A-Z][a-z]+)?))?(?:,\s*([A-Z]{{2}})\b)?(?:,?\s+(\d{{5}})(?:-(\d{{4}}))?\b)?",
        directions.join("|"),
        types.join("|")
    ))
}

/// Street addresses in words.
pub fn addresses(text: &str) -> Cow<'_, str> {
    static RE: LazyLock<Regex> = LazyLock::new(pattern);
    RE.replace_all(text, |c: &Captures| {
        let mut out = house_number(c[1].parse().unwrap_or(0));
        if let Some(letter) = c.get(2) {
            out.push(' ');
            out.push_str(letter.as_str());
        }
        if let Some(direction) = c.get(3).and_then(|d| lookup(DIRECTIONS, d.as_str())) {
            out.push(' ');
            out.push_str(direction);
        }
        out.push(' ');
        out.push_str(&c[4]);
        out.push(' ');
        out.push_str(lookup(STREET_TYPES, &c[5]).unwrap_or(&c[5]));
        let end = c.get(0).map_or(0, |m| m.end());
        if c.get(6).is_some() && c.get(7).is_none() && super::ends_sentence(&text[end..]) {
            out.push('.');
        }
        if let Some(city) = c.get(7) {
            out.push_str(", ");
            out.push_str(city.as_str());
        }
        if let Some(state) = c.get(8) {
            out.push_str(", ");
            out.push_str(lookup(STATES, state.as_str()).unwrap_or(state.as_str()));
        }
        for zip in [c.get(9), c.get(10)].into_iter().flatten() {
            out.push(' ');
            out.push_str(&digits(zip.as_str()));
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_as_people_say_them() {
        assert_eq!(
            addresses("221B Baker St."),
            "two twenty one B Baker Street."
        );
        assert_eq!(
            addresses("1211 E Arques Ave"),
            "twelve eleven East Arques Avenue"
        );
        assert_eq!(
            addresses("123 Smth St, City, NY"),
            "one twenty three Smth Street, City, New York"
        );
        assert_eq!(
            addresses("2788 San Tomas Expy, Santa Clara, CA 95051"),
            "twenty seven eighty eight San Tomas Expressway, Santa Clara, California nine five zero five one"
        );
        assert_eq!(addresses("12 S 1st st"), "twelve South 1st Street");
        assert_eq!(
            addresses("at 1428 Elm St. It was"),
            "at fourteen twenty eight Elm Street. It was"
        );
    }

    #[test]
    fn what_is_not_an_address_is_left() {
        for text in [
            "1990 for the Ata ST",
            "5 Apples",
            "Main St.",
            "in 2024 Dr Smith",
        ] {
            assert_eq!(addresses(text), text);
        }
    }
}
