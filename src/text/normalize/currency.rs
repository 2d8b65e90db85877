//! Money: every currency symbol of Unicode's Sc category has its name here, singular and
//! plural, and its minor unit where people say one ("$23.50" → "twenty three dollars and
//! fifty cents", "₩460 billion" → "four hundred sixty billion won", "5€", "50¢", "US$5",
//! "$20/mo" → "twenty dollars per month", "$50-$100" → "fifty dollars to one hundred
//! dollars"). A symbol with no amount is said by its name ("$ and 5%" → "dollar and five
//! percent": `symbols::remaining_symbols` asks [`name`]).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::numbers::{cardinal, decimal, integer, scale_word};
use super::rx;

/// A currency: its symbol, one and many of it, one and many of its minor unit ("" where
/// amounts are not said in it).
struct Currency {
    symbol: char,
    one: &'static str,
    many: &'static str,
    minor_one: &'static str,
    minor_many: &'static str,
}

const fn c(symbol: char, one: &'static str, many: &'static str) -> Currency {
    Currency {
        symbol,
        one,
        many,
        minor_one: "",
        minor_many: "",
    }
}

const fn cents(
    symbol: char,
    one: &'static str,
    many: &'static str,
    minor_one: &'static str,
    minor_many: &'static str,
) -> Currency {
    Currency {
        symbol,
        one,
        many,
        minor_one,
        minor_many,
    }
}

/// Every character of Unicode's Sc (currency symbol) category, as of Unicode 17; a unit
/// test checks the table against the category as the regex crate knows it.
const CURRENCIES: &[Currency] = &[
    cents('$', "dollar", "dollars", "cent", "cents"),
    c('¢', "cent", "cents"),
    cents('£', "pound", "pounds", "penny", "pence"),
    c('¤', "currency unit", "currency units"),
    c('¥', "yen", "yen"),
    c('֏', "dram", "drams"),
    c('؋', "afghani", "afghanis"),
    c('߾', "dorome", "doromes"),
    c('߿', "taman", "tamans"),
    c('৲', "rupee", "rupees"),
    c('৳', "taka", "taka"),
    c('৻', "ganda", "gandas"),
    c('૱', "rupee", "rupees"),
    c('௹', "rupee", "rupees"),
    c('฿', "baht", "baht"),
    c('៛', "riel", "riels"),
    c('₠', "ecu", "ecus"),
    c('₡', "colon", "colones"),
    c('₢', "cruzeiro", "cruzeiros"),
    c('₣', "franc", "francs"),
    c('₤', "lira", "lire"),
    c('₥', "mill", "mills"),
    c('₦', "naira", "naira"),
    c('₧', "peseta", "pesetas"),
    c('₨', "rupee", "rupees"),
    c('₩', "won", "won"),
    c('₪', "shekel", "shekels"),
    c('₫', "dong", "dong"),
    cents('€', "euro", "euros", "cent", "cents"),
    c('₭', "kip", "kip"),
    c('₮', "tugrik", "tugriks"),
    c('₯', "drachma", "drachmas"),
    c('₰', "pfennig", "pfennigs"),
    cents('₱', "peso", "pesos", "centavo", "centavos"),
    c('₲', "guarani", "guaranis"),
    c('₳', "austral", "australs"),
    c('₴', "hryvnia", "hryvnias"),
    c('₵', "cedi", "cedis"),
    c('₶', "livre tournois", "livres tournois"),
    c('₷', "spesmilo", "spesmilos"),
    c('₸', "tenge", "tenge"),
    cents('₹', "rupee", "rupees", "paisa", "paise"),
    c('₺', "lira", "lira"),
    c('₻', "mark", "marks"),
    c('₼', "manat", "manats"),
    cents('₽', "ruble", "rubles", "kopek", "kopeks"),
    c('₾', "lari", "lari"),
    c('₿', "bitcoin", "bitcoins"),
    c('\u{20c0}', "som", "som"),
    c('\u{20c1}', "riyal", "riyals"),
    c('꠸', "rupee", "rupees"),
    c('﷼', "rial", "rials"),
    cents('﹩', "dollar", "dollars", "cent", "cents"),
    cents('＄', "dollar", "dollars", "cent", "cents"),
    c('￠', "cent", "cents"),
    cents('￡', "pound", "pounds", "penny", "pence"),
    c('￥', "yen", "yen"),
    c('￦', "won", "won"),
    c('\u{11fdd}', "kaacu", "kaacu"),
    c('\u{11fde}', "panam", "panam"),
    c('\u{11fdf}', "pon", "pon"),
    c('\u{11fe0}', "varaakan", "varaakan"),
    c('\u{1e2ff}', "ngun", "nguns"),
    c('\u{1ecb0}', "rupee", "rupees"),
];

/// The cent signs: written after their amount, and worth a hundredth of the main unit.
const CENT_SIGNS: &[char] = &['¢', '￠'];

/// Letters glued before "$" that say whose dollar: "US$5" → "five US dollars".
const DOLLAR_COUNTRIES: &[(&str, &str)] = &[
    ("US", "US"),
    ("A", "Australian"),
    ("AU", "Australian"),
    ("C", "Canadian"),
    ("CA", "Canadian"),
    ("HK", "Hong Kong"),
    ("NZ", "New Zealand"),
    ("S", "Singapore"),
];

/// What an amount is "per": "$20/mo" → "twenty dollars per month".
const PERIODS: &[(&str, &str)] = &[
    ("mo", "month"),
    ("month", "month"),
    ("yr", "year"),
    ("year", "year"),
    ("wk", "week"),
    ("week", "week"),
    ("d", "day"),
    ("day", "day"),
    ("h", "hour"),
    ("hr", "hour"),
    ("hour", "hour"),
    ("min", "minute"),
    ("night", "night"),
    ("person", "person"),
    ("user", "user"),
    ("seat", "seat"),
    ("unit", "unit"),
    ("kg", "kilogram"),
    ("lb", "pound"),
    ("oz", "ounce"),
    ("gal", "gallon"),
    ("sqft", "square foot"),
];

fn find(symbol: char) -> Option<&'static Currency> {
    CURRENCIES.iter().find(|c| c.symbol == symbol)
}

/// A currency symbol's name ("dollar" for "$"), for a symbol with no amount.
pub fn name(symbol: char) -> Option<&'static str> {
    find(symbol).map(|c| c.one)
}

/// One and many of a currency ("dollar", "dollars").
#[cfg(test)]
pub(super) fn names(symbol: char) -> Option<(&'static str, &'static str)> {
    find(symbol).map(|c| (c.one, c.many))
}

/// Every symbol of the table, escaped for a character class.
fn symbols() -> String {
    CURRENCIES
        .iter()
        .filter(|c| !CENT_SIGNS.contains(&c.symbol))
        .map(|c| regex::escape(&c.symbol.to_string()))
        .collect()
}

/// An amount of a currency in words. `whole` may be empty (".01"); `fraction` is the digits
/// after the point; `scale` a word such as "million".
fn amount(
    currency: &Currency,
    whole: &str,
    fraction: &str,
    scale: Option<&str>,
    whose: &str,
) -> String {
    let many = format!("{whose}{}", currency.many);
    if let Some(scale) = scale {
        return format!("{} {scale} {many}", decimal(whole, fraction));
    }
    let single = whole.trim_start_matches('0') == "1";
    let units = format!(
        "{} {whose}{}",
        integer(whole),
        if single { currency.one } else { currency.many }
    );
    // "$20.500" is twenty dollars fifty; "$20.506" is not cents, read as a decimal.
    let significant = fraction.trim_end_matches('0');
    if significant.len() > 2 || (!significant.is_empty() && currency.minor_one.is_empty()) {
        return format!("{} {many}", decimal(whole, fraction));
    }
    let minor: u64 = format!("{significant:0<2}").parse().unwrap_or(0);
    if minor == 0 {
        return if whole.is_empty() {
            format!("zero {many}")
        } else {
            units
        };
    }
    let minor_words = format!(
        "{} {}",
        cardinal(minor),
        if minor == 1 {
            currency.minor_one
        } else {
            currency.minor_many
        }
    );
    if whole.trim_start_matches('0').is_empty() {
        minor_words
    } else {
        format!("{units} and {minor_words}")
    }
}

/// "/mo" after an amount: " per month".
fn per(c: &Captures, group: usize) -> String {
    c.get(group)
        .and_then(|m| {
            PERIODS
                .iter()
                .find(|(w, _)| w.eq_ignore_ascii_case(m.as_str()))
        })
        .map_or(String::new(), |(_, said)| format!(" per {said}"))
}

/// Amounts of money in words, the symbol before ("$5", "US$5", "€1.5M") or after ("5€",
/// "50¢") the number.
pub fn currency(text: &str) -> Cow<'_, str> {
    static BEFORE: LazyLock<Regex> = LazyLock::new(|| {
        let periods: Vec<&str> = PERIODS.iter().map(|(w, _)| *w).collect();
        rx::compile(&format!(
            r"(?i)(?:\b(US|AU|A|CA|C|HK|NZ|S)(?-i:\$)|([{}]))\s?(?:(\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.(\d+))?|\.(\d+))(?:\s?(thousand|million|billion|trillion|bn|mn|[kmbt])\b)?(?:\s?/\s?({})\b)?",
            symbols(),
            periods.join("|")
        ))
    });
    static AFTER: LazyLock<Regex> = LazyLock::new(|| {
        let all: String = CURRENCIES
            .iter()
            .map(|c| regex::escape(&c.symbol.to_string()))
            .collect();
        rx::compile(&format!(
            r"\b(\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.(\d+))?\s?([{all}])"
        ))
    });
    // "$50-$100": both ends of a range carry the symbol.
    static RANGE: LazyLock<Regex> = LazyLock::new(|| {
        let s = symbols();
        rx::compile(&format!(
            r"([{s}]\s?[\d.,]*\d(?:\s?(?i:thousand|million|billion|[kmb]))?)\s?[-–]\s?([{s}]\s?\d)"
        ))
    });
    let t = RANGE.replace_all(text, "$1 to $2");
    let t = BEFORE.replace_all(&t, |c: &Captures| {
        let (currency, whose) = match (c.get(1), c.get(2)) {
            (Some(country), _) => {
                let whose = DOLLAR_COUNTRIES
                    .iter()
                    .find(|(w, _)| w.eq_ignore_ascii_case(country.as_str()))
                    .map_or("", |(_, said)| said);
                (find('$'), format!("{whose} "))
            }
            (_, Some(symbol)) => (symbol.as_str().chars().next().and_then(find), String::new()),
            _ => (None, String::new()),
        };
        let Some(currency) = currency else {
            return c[0].to_owned();
        };
        let whole = c.get(3).map_or("", |m| m.as_str());
        let fraction = c.get(4).or(c.get(5)).map_or("", |m| m.as_str());
        let scale = c.get(6).and_then(|m| scale_word(m.as_str()));
        format!(
            " {}{} ",
            amount(currency, whole, fraction, scale, &whose),
            per(c, 7)
        )
    });
    let t = AFTER.replace_all(&t, |c: &Captures| {
        let Some(currency) = c[3].chars().next().and_then(find) else {
            return c[0].to_owned();
        };
        let fraction = c.get(2).map_or("", |m| m.as_str());
        format!(" {} ", amount(currency, &c[1], fraction, None, ""))
    });
    Cow::Owned(t.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(text: &str) -> String {
        currency(text)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn currency_with_cents_and_scales() {
        assert_eq!(
            say("It costs $23.50 today"),
            "It costs twenty three dollars and fifty cents today"
        );
        assert_eq!(say("$1"), "one dollar");
        assert_eq!(say("€0.99"), "ninety nine cents");
        assert_eq!(say("£5"), "five pounds");
        assert_eq!(say("£2.01"), "two pounds and one penny");
        assert_eq!(say("¥300"), "three hundred yen");
        assert_eq!(say("$1.5M"), "one point five million dollars");
        assert_eq!(say("$2 billion"), "two billion dollars");
        assert_eq!(say("₩460 billion"), "four hundred sixty billion won");
        assert_eq!(say("$1,200"), "one thousand two hundred dollars");
        assert_eq!(say("$.01"), "one cent");
        assert_eq!(
            say("$20.500 and $2.000"),
            "twenty dollars and fifty cents and two dollars"
        );
        assert_eq!(say("$20.506"), "twenty point five zero six dollars");
        assert_eq!(say("¥1.5"), "one point five yen");
    }

    #[test]
    fn symbols_after_countries_periods_and_ranges() {
        assert_eq!(say("5€ or 50¢"), "five euros or fifty cents");
        assert_eq!(
            say("US$76.3 trillion"),
            "seventy six point three trillion US dollars"
        );
        assert_eq!(say("A$1"), "one Australian dollar");
        assert_eq!(
            say("$20/mo and £10/wk"),
            "twenty dollars per month and ten pounds per week"
        );
        assert_eq!(say("$0.5/hr"), "fifty cents per hour");
        assert_eq!(
            say("$50.00-$100.00"),
            "fifty dollars to one hundred dollars"
        );
        assert_eq!(say("₽1 and ₽2"), "one ruble and two rubles");
    }

    /// Every currency symbol Unicode knows (as the regex crate's tables do) is in the table.
    #[test]
    fn every_currency_symbol_has_a_name() {
        let sc = regex::Regex::new(r"^\p{Sc}$").unwrap_or_else(|e| panic!("{e}"));
        let mut buf = [0; 4];
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            if sc.is_match(c.encode_utf8(&mut buf)) {
                assert!(name(c).is_some(), "{c:?} (U+{:04X}) has no name", c as u32);
            }
        }
    }
}
