//! Units after a number: "72°F" → "seventy two degrees Fahrenheit", "60 km/h" → "sixty
//! kilometers per hour", "5 GB", "200 ms", "3 kg".

use std::borrow::Cow;

use regex::Captures;

use super::numbers::number;
use super::rx;

/// (written, one, many). Matched case-sensitively after a number: "5 m" is meters but
/// "5 M" is not a unit here (see `numbers::scaled`).
const UNITS: &[(&str, &str, &str)] = &[
    ("°F", "degree Fahrenheit", "degrees Fahrenheit"),
    ("°C", "degree Celsius", "degrees Celsius"),
    ("°", "degree", "degrees"),
    ("km/h", "kilometer per hour", "kilometers per hour"),
    ("kph", "kilometer per hour", "kilometers per hour"),
    ("mph", "mile per hour", "miles per hour"),
    ("m/s", "meter per second", "meters per second"),
    ("km", "kilometer", "kilometers"),
    ("cm", "centimeter", "centimeters"),
    ("mm", "millimeter", "millimeters"),
    ("m", "meter", "meters"),
    ("mi", "mile", "miles"),
    ("ft", "foot", "feet"),
    ("kg", "kilogram", "kilograms"),
    ("mg", "milligram", "milligrams"),
    ("g", "gram", "grams"),
    ("lbs", "pound", "pounds"),
    ("lb", "pound", "pounds"),
    ("oz", "ounce", "ounces"),
    ("ml", "milliliter", "milliliters"),
    ("mL", "milliliter", "milliliters"),
    ("TB", "terabyte", "terabytes"),
    ("GB", "gigabyte", "gigabytes"),
    ("MB", "megabyte", "megabytes"),
    ("KB", "kilobyte", "kilobytes"),
    ("kB", "kilobyte", "kilobytes"),
    ("Gbps", "gigabit per second", "gigabits per second"),
    ("Mbps", "megabit per second", "megabits per second"),
    ("GHz", "gigahertz", "gigahertz"),
    ("MHz", "megahertz", "megahertz"),
    ("kHz", "kilohertz", "kilohertz"),
    ("Hz", "hertz", "hertz"),
    ("kWh", "kilowatt hour", "kilowatt hours"),
    ("kW", "kilowatt", "kilowatts"),
    ("W", "watt", "watts"),
    ("mAh", "milliamp hour", "milliamp hours"),
    ("ms", "millisecond", "milliseconds"),
    ("sec", "second", "seconds"),
    ("secs", "second", "seconds"),
    ("min", "minute", "minutes"),
    ("mins", "minute", "minutes"),
    ("hr", "hour", "hours"),
    ("hrs", "hour", "hours"),
    ("px", "pixel", "pixels"),
    ("fps", "frame per second", "frames per second"),
];

/// Units whose symbol is no word at all, read even when `unit_normalization` is off.
const SYMBOL_UNITS: &[&str] = &["°F", "°C", "°", "km/h", "m/s"];

fn unit_regex(symbols_only: bool) -> regex::Regex {
    let mut written: Vec<&str> = UNITS
        .iter()
        .map(|(w, ..)| *w)
        .filter(|w| !symbols_only || SYMBOL_UNITS.contains(w))
        .collect();
    // Longest first, so "km/h" wins over "km" and "°F" over "°".
    written.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let alternatives = written
        .iter()
        .map(|w| regex::escape(w))
        .collect::<Vec<_>>()
        .join("|");
    rx::compile(&format!(
        r"(-)?\b(\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?)\s?({alternatives})(?:\b|$|[^\w])"
    ))
}

/// Numbers with units, in words. `all`: every unit in the table; otherwise only the
/// symbol units (°F, km/h, …).
pub fn units(text: &str, all: bool) -> Cow<'_, str> {
    static ALL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| unit_regex(false));
    static SYMBOLS: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| unit_regex(true));
    let re = if all { &*ALL } else { &*SYMBOLS };
    re.replace_all(text, |c: &Captures| {
        let whole = &c[0];
        let written = &c[3];
        let Some(&(_, one, many)) = UNITS.iter().find(|(w, ..)| *w == written) else {
            return whole.to_owned();
        };
        // The character after the unit (a space or punctuation) was consumed: give it back.
        let unit_end = c
            .get(3)
            .map_or(whole.len(), |m| m.end() - c.get(0).map_or(0, |m| m.start()));
        let trailing = &whole[unit_end..];
        let amount = &c[2];
        // "2-5lb": after a number the hyphen is a range, not a sign.
        let start = c.get(0).map_or(0, |m| m.start());
        let range = text[..start].ends_with(|c: char| c.is_ascii_digit());
        let minus = match (c.get(1), range) {
            (Some(_), true) => " to ",
            (Some(_), false) => "minus ",
            _ => "",
        };
        let name = if amount == "1" { one } else { many };
        format!("{minus}{} {name}{trailing}", number(amount))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temperatures_and_speeds() {
        assert_eq!(
            units("It is 72°F (22°C).", false),
            "It is seventy two degrees Fahrenheit (twenty two degrees Celsius)."
        );
        assert_eq!(
            units("at 60 km/h or 37 mph", true),
            "at sixty kilometers per hour or thirty seven miles per hour"
        );
        assert_eq!(units("a 90° angle", false), "a ninety degrees angle");
    }

    #[test]
    fn sizes_weights_and_times() {
        assert_eq!(units("5 GB of RAM", true), "five gigabytes of RAM");
        assert_eq!(units("in 200ms,", true), "in two hundred milliseconds,");
        assert_eq!(units("1 kg", true), "one kilogram");
        assert_eq!(units("2.5 kg", true), "two point five kilograms");
        assert_eq!(units("5 GB", false), "5 GB");
        // not a unit: a word that starts like one
        assert_eq!(units("5 minutes", true), "5 minutes");
        assert_eq!(units("3 many", true), "3 many");
    }
}
