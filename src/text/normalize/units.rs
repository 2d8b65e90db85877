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
    // The masculine ordinal indicator, often typed for a degree sign.
    ("ºF", "degree Fahrenheit", "degrees Fahrenheit"),
    ("ºC", "degree Celsius", "degrees Celsius"),
    ("º", "degree", "degrees"),
    ("km²", "square kilometer", "square kilometers"),
    ("m²", "square meter", "square meters"),
    ("m2", "square meter", "square meters"),
    ("cm²", "square centimeter", "square centimeters"),
    ("ft²", "square foot", "square feet"),
    ("km³", "cubic kilometer", "cubic kilometers"),
    ("m³", "cubic meter", "cubic meters"),
    ("m3", "cubic meter", "cubic meters"),
    ("cm³", "cubic centimeter", "cubic centimeters"),
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
    ("KG", "kilogram", "kilograms"),
    ("Kg", "kilogram", "kilograms"),
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
    ("gbps", "gigabit per second", "gigabits per second"),
    ("Mbps", "megabit per second", "megabits per second"),
    ("mbps", "megabit per second", "megabits per second"),
    ("kbps", "kilobit per second", "kilobits per second"),
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
const SYMBOL_UNITS: &[&str] = &[
    "°F", "°C", "°", "ºF", "ºC", "º", "km/h", "m/s", "km²", "m²", "cm²", "ft²", "km³", "m³", "cm³",
];

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
    // 1 a range's start ("1234-123kg") · 2 sign · 3 amount · 4 a scale word · 5 the unit ·
    // 6 what it is per ("12kg/kg") · 7 a bare "per" unit ("12/kg").
    rx::compile(&format!(
        r"(?:\b((?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?)\s?[-–]\s?)?(-)?\b((?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?)(?:(\s(?:thousand|million|billion|trillion))?\s?({alternatives})(?:/({alternatives}))?|/({alternatives}))(?:\b|$|[^\w])"
    ))
}

fn names(written: &str) -> Option<(&'static str, &'static str)> {
    UNITS
        .iter()
        .find(|(w, ..)| *w == written)
        .map(|&(_, one, many)| (one, many))
}

/// Numbers with units, in words: "12kg/kg" → "twelve kilograms per kilogram", "12/kg" →
/// "twelve per kilogram", "100 million kg". `all`: every unit in the table; otherwise only
/// the symbol units (°F, km/h, …).
pub fn units(text: &str, all: bool) -> Cow<'_, str> {
    static ALL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| unit_regex(false));
    static SYMBOLS: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| unit_regex(true));
    // "2x8 m²", "1920x1080 px": dimensions, "by", before the unit after them is read.
    static DIMENSIONS: rx::Lazy = rx::lazy!(r"\b(\d+(?:\.\d+)?)\s?[x×]\s?(\d)");
    let text = &*DIMENSIONS.replace_all(text, "$1 by $2");
    let re = if all { &*ALL } else { &*SYMBOLS };
    let out = re.replace_all(text, |c: &Captures| {
        let whole = &c[0];
        let start = c.get(0).map_or(0, |m| m.start());
        // The character after the unit (a space or punctuation) was consumed: give it back.
        let last = (5..=7)
            .filter_map(|i| c.get(i))
            .map(|m| m.end())
            .max()
            .unwrap_or(start);
        let trailing = &whole[last - start..];
        let amount = &c[3];
        // "2-5lb", "1234-123kg": a range; its start is a quantity too, not a year.
        let from = match (c.get(1), c.get(2)) {
            (Some(from), _) => format!("{} to ", number(from.as_str())),
            (None, Some(_)) => "minus ".to_owned(),
            _ => String::new(),
        };
        let per = c
            .get(6)
            .or(c.get(7))
            .and_then(|m| names(m.as_str()))
            .map_or(String::new(), |(one, _)| format!(" per {one}"));
        let scale = c.get(4).map_or("", |m| m.as_str());
        let Some(unit) = c.get(5) else {
            return format!("{from}{}{per}{trailing}", number(amount));
        };
        let Some((one, many)) = names(unit.as_str()) else {
            return whole.to_owned();
        };
        let name = if amount == "1" && scale.is_empty() {
            one
        } else {
            many
        };
        format!("{from}{}{scale} {name}{per}{trailing}", number(amount))
    });
    Cow::Owned(out.into_owned())
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
        assert_eq!(
            units("12KG and 3 mbps", true),
            "twelve kilograms and three megabits per second"
        );
        assert_eq!(units("12kg/kg", true), "twelve kilograms per kilogram");
        assert_eq!(units("12/kg", true), "twelve per kilogram");
        assert_eq!(
            units("100 million kg", true),
            "one hundred million kilograms"
        );
        assert_eq!(
            units("41,459.00 km³", false),
            "forty one thousand four hundred fifty nine point zero zero cubic kilometers"
        );
        assert_eq!(units("2-5lb", true), "two to five pounds");
        assert_eq!(
            units("1980-1970 kg", true),
            "one thousand nine hundred eighty to one thousand nine hundred seventy kilograms"
        );
        assert_eq!(
            units("it is -5 °C", true),
            "it is minus five degrees Celsius"
        );
    }
}
