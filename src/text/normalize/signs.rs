//! Signs in the languages espeak-ng reads (Spanish, French, Hindi, Italian, Portuguese):
//! the math signs and the currencies people write in a reply ("2 + 2 = 4", "x ≤ 5",
//! "5 €", "$20", "§ 3") said in the language's words. espeak-ng is fed letters and digits
//! only (symbols have crashed it), so a sign left in the text would say nothing: one with a
//! name here is said, any other is reported by `speakable`, never dropped in silence.
//! Written by hand: the names are the language's, a short table per language.

use regex::Captures;

use super::rx;

/// A language's words for the signs and currencies this module says.
#[derive(Debug, PartialEq, Eq)]
pub struct Signs {
    /// A sign and what it says between two things ("a ≤ b": "a" + words + "b").
    pub signs: &'static [(char, &'static str)],
    /// A currency: its sign, one of it, many of it ("1 €" → "1 euro", "5 €" → "5 euros").
    pub money: &'static [(&'static str, &'static str, &'static str)],
    /// A number's own minus ("-5", "-x", "5--10"): Mandarin says 负 there and 减 between two
    /// terms; the other languages say the same word for both.
    pub negative: &'static str,
    /// ASCII's signs where they mean something (`said`): "x^2", "#1", "ana@correo", "5-10".
    pub power: &'static str,
    /// What closes an exponent in a run of math, where the language says one after it
    /// (Mandarin: "x 的 2 次方"); empty in the others.
    pub power_end: &'static str,
    pub number: &'static str,
    pub at: &'static str,
    pub to: &'static str,
    /// A time on the hour: "12:00" → "12" and this ("en punto"), not "doce cero cero".
    pub oclock: &'static str,
    /// ASCII's other signs by name, where no rule read them as math or a label ("gato/perro",
    /// "a | b", "*5"): said as English says them, never dropped.
    pub named: &'static [(char, &'static str)],
}

impl Signs {
    /// What `c` says between two things, if the language has a word for it.
    pub fn word(&self, c: char) -> Option<&'static str> {
        self.signs.iter().find(|(s, _)| *s == c).map(|(_, w)| *w)
    }

    /// What `c` says between two things, or nothing if the language has no word for it.
    fn sign(&self, c: char) -> &'static str {
        self.word(c).unwrap_or("")
    }
}

pub static SPANISH: Signs = Signs {
    signs: &[
        ('+', "más"),
        ('−', "menos"),
        ('=', "igual a"),
        ('<', "menor que"),
        ('>', "mayor que"),
        ('≤', "menor o igual que"),
        ('≥', "mayor o igual que"),
        ('×', "por"),
        ('÷', "entre"),
        ('±', "más o menos"),
        ('≠', "distinto de"),
        ('≈', "aproximadamente"),
        ('∞', "infinito"),
        ('√', "raíz de"),
        ('§', "sección"),
        ('¶', "párrafo"),
        ('‰', "por mil"),
    ],
    money: &[
        ("R$", "real", "reales"),
        ("$", "dólar", "dólares"),
        ("€", "euro", "euros"),
        ("£", "libra", "libras"),
        ("¥", "yen", "yenes"),
        ("₹", "rupia", "rupias"),
        ("¢", "centavo", "centavos"),
    ],
    negative: "menos",
    power: "elevado a",
    power_end: "",
    number: "número",
    at: "arroba",
    to: "a",
    oclock: "en punto",
    named: &[
        ('*', "asterisco"),
        ('/', "barra"),
        ('\\', "barra invertida"),
        ('|', "barra vertical"),
        ('~', "virgulilla"),
        ('^', "circunflejo"),
        ('#', "almohadilla"),
        ('@', "arroba"),
        ('_', "guion bajo"),
    ],
};

pub static FRENCH: Signs = Signs {
    signs: &[
        ('+', "plus"),
        ('−', "moins"),
        ('=', "égale"),
        ('<', "inférieur à"),
        ('>', "supérieur à"),
        ('≤', "inférieur ou égal à"),
        ('≥', "supérieur ou égal à"),
        ('×', "fois"),
        ('÷', "divisé par"),
        ('±', "plus ou moins"),
        ('≠', "différent de"),
        ('≈', "environ"),
        ('∞', "infini"),
        ('√', "racine de"),
        ('§', "paragraphe"),
        ('¶', "alinéa"),
        ('‰', "pour mille"),
    ],
    money: &[
        ("R$", "réal", "reais"),
        ("$", "dollar", "dollars"),
        ("€", "euro", "euros"),
        ("£", "livre", "livres"),
        ("¥", "yen", "yens"),
        ("₹", "roupie", "roupies"),
        ("¢", "centime", "centimes"),
    ],
    negative: "moins",
    power: "puissance",
    power_end: "",
    number: "numéro",
    at: "arobase",
    to: "à",
    oclock: "heures",
    named: &[
        ('*', "astérisque"),
        ('/', "barre oblique"),
        ('\\', "barre oblique inversée"),
        ('|', "barre verticale"),
        ('~', "tilde"),
        ('^', "accent circonflexe"),
        ('#', "dièse"),
        ('@', "arobase"),
        ('_', "tiret bas"),
    ],
};

pub static HINDI: Signs = Signs {
    signs: &[
        ('+', "प्लस"),
        ('−', "माइनस"),
        ('=', "बराबर"),
        ('<', "से कम"),
        ('>', "से अधिक"),
        ('≤', "से कम या बराबर"),
        ('≥', "से अधिक या बराबर"),
        ('×', "गुणा"),
        ('÷', "भाग"),
        ('±', "प्लस माइनस"),
        ('≠', "बराबर नहीं"),
        ('≈', "लगभग"),
        ('∞', "अनंत"),
        ('√', "वर्गमूल"),
        ('§', "धारा"),
        ('¶', "अनुच्छेद"),
        ('‰', "प्रति हज़ार"),
    ],
    money: &[
        ("R$", "रियल", "रियल"),
        ("$", "डॉलर", "डॉलर"),
        ("€", "यूरो", "यूरो"),
        ("£", "पाउंड", "पाउंड"),
        ("¥", "येन", "येन"),
        ("₹", "रुपया", "रुपये"),
        ("¢", "सेंट", "सेंट"),
    ],
    negative: "माइनस",
    power: "की घात",
    power_end: "",
    number: "नंबर",
    at: "ऐट",
    to: "से",
    oclock: "बजे",
    named: &[
        ('*', "तारांकन"),
        ('/', "स्लैश"),
        ('\\', "बैकस्लैश"),
        ('|', "पाइप"),
        ('~', "टिल्ड"),
        ('^', "कैरेट"),
        ('#', "हैश"),
        ('@', "ऐट"),
        ('_', "अंडरस्कोर"),
    ],
};

pub static ITALIAN: Signs = Signs {
    signs: &[
        ('+', "più"),
        ('−', "meno"),
        ('=', "uguale a"),
        ('<', "minore di"),
        ('>', "maggiore di"),
        ('≤', "minore o uguale a"),
        ('≥', "maggiore o uguale a"),
        ('×', "per"),
        ('÷', "diviso"),
        ('±', "più o meno"),
        ('≠', "diverso da"),
        ('≈', "circa"),
        ('∞', "infinito"),
        ('√', "radice di"),
        ('§', "paragrafo"),
        ('¶', "capoverso"),
        ('‰', "per mille"),
    ],
    money: &[
        ("R$", "real", "reais"),
        ("$", "dollaro", "dollari"),
        ("€", "euro", "euro"),
        ("£", "sterlina", "sterline"),
        ("¥", "yen", "yen"),
        ("₹", "rupia", "rupie"),
        ("¢", "centesimo", "centesimi"),
    ],
    negative: "meno",
    power: "elevato a",
    power_end: "",
    number: "numero",
    at: "chiocciola",
    to: "a",
    oclock: "in punto",
    named: &[
        ('*', "asterisco"),
        ('/', "barra"),
        ('\\', "barra rovesciata"),
        ('|', "barra verticale"),
        ('~', "tilde"),
        ('^', "accento circonflesso"),
        ('#', "cancelletto"),
        ('@', "chiocciola"),
        ('_', "trattino basso"),
    ],
};

pub static PORTUGUESE: Signs = Signs {
    signs: &[
        ('+', "mais"),
        ('−', "menos"),
        ('=', "igual a"),
        ('<', "menor que"),
        ('>', "maior que"),
        ('≤', "menor ou igual a"),
        ('≥', "maior ou igual a"),
        ('×', "vezes"),
        ('÷', "dividido por"),
        ('±', "mais ou menos"),
        ('≠', "diferente de"),
        ('≈', "aproximadamente"),
        ('∞', "infinito"),
        ('√', "raiz de"),
        ('§', "parágrafo"),
        ('¶', "parágrafo"),
        ('‰', "por mil"),
    ],
    money: &[
        ("R$", "real", "reais"),
        ("$", "dólar", "dólares"),
        ("€", "euro", "euros"),
        ("£", "libra", "libras"),
        ("¥", "iene", "ienes"),
        ("₹", "rupia", "rupias"),
        ("¢", "centavo", "centavos"),
    ],
    negative: "menos",
    power: "elevado a",
    power_end: "",
    number: "número",
    at: "arroba",
    to: "a",
    oclock: "em ponto",
    named: &[
        ('*', "asterisco"),
        ('/', "barra"),
        ('\\', "barra invertida"),
        ('|', "barra vertical"),
        ('~', "til"),
        ('^', "circunflexo"),
        ('#', "cerquilha"),
        ('@', "arroba"),
        ('_', "sublinhado"),
    ],
};

/// English's words for a run of math ([`math`]); its other signs are `symbols`' and its
/// currencies `currency`'s.
pub static ENGLISH: Signs = Signs {
    signs: &[
        ('+', "plus"),
        ('−', "minus"),
        ('=', "equals"),
        ('<', "is less than"),
        ('>', "is greater than"),
        ('×', "times"),
        ('÷', "over"),
        ('≠', "is not equal to"),
        ('≤', "is less than or equal to"),
        ('≥', "is greater than or equal to"),
    ],
    money: &[],
    negative: "minus",
    power: "to the power of",
    power_end: "",
    number: "number",
    at: "at",
    to: "to",
    oclock: "o'clock",
    named: &[],
};

/// Mandarin's words for a run of math ([`math`]) and for the signs its own normalizer says
/// (`g2p::zh`): a subtraction's minus is 减, a number's own minus 负 ("5--10" 5 减 负 10).
/// Its numbers, currencies and other signs are the Mandarin normalizer's.
pub static MANDARIN: Signs = Signs {
    signs: &[
        ('+', "加"),
        ('−', "减"),
        ('=', "等于"),
        ('<', "小于"),
        ('>', "大于"),
        ('≤', "小于等于"),
        ('≥', "大于等于"),
        ('×', "乘"),
        ('÷', "除以"),
        ('±', "正负"),
        ('≠', "不等于"),
        ('≈', "约等于"),
    ],
    money: &[],
    negative: "负",
    power: "的",
    power_end: "次方",
    number: "号",
    at: "艾特",
    to: "到",
    oclock: "点",
    named: &[],
};

/// `text` with its signs and currencies in `words`: an amount's currency after the amount
/// ("$20" and "20 $" → "20 dólares", "1 €" → "1 euro"), a currency alone by its name, a
/// sign by its words (when `signs`: `replace_remaining_symbols` on). A run of one sign
/// ("===", "+++") is decoration and left to drop, but "==" between two things is "=" and
/// "C++" says its two pluses. ASCII's signs that also mean other things are said where they
/// are math or a label ([`ascii`]).
pub fn said(text: &str, words: &Signs, signs: bool) -> String {
    static BEFORE: rx::Lazy = rx::lazy!(r"(R\$|US\$|[$€£¥₹¢])\s?(\d+(?:[.,]\d+)*)");
    static AFTER: rx::Lazy = rx::lazy!(r"(\d+(?:[.,]\d+)*)\s?(R\$|US\$|[$€£¥₹¢])");
    let amount = |number: &str, sign: &str| {
        let sign = sign.strip_prefix("US").unwrap_or(sign);
        match words.money.iter().find(|(s, ..)| *s == sign) {
            Some((_, one, _)) if number == "1" => format!("{number} {one}"),
            Some((_, _, many)) => format!("{number} {many}"),
            None => number.to_owned(),
        }
    };
    // Past 14 digits a number is read digit by digit: espeak-ng reads up to 14 (hundreds of
    // billions) and groups longer ones with "punto" between them in Spanish and Portuguese.
    static LONG: rx::Lazy = rx::lazy!(r"\d{15,}");
    let t = LONG.replace_all(text, |c: &Captures| {
        let digits: Vec<String> = c[0].chars().map(String::from).collect();
        digits.join(" ")
    });
    let t = AFTER.replace_all(&t, |c: &Captures| amount(&c[1], &c[2]));
    let t = BEFORE.replace_all(&t, |c: &Captures| amount(&c[2], &c[1]));
    if !signs {
        return t.into_owned();
    }
    let t = ascii(&t, words);
    let chars: Vec<char> = t.chars().collect();
    let mut out = String::with_capacity(t.len());
    for (i, &c) in chars.iter().enumerate() {
        let run = i.checked_sub(1).map(|j| chars[j]) == Some(c) || chars.get(i + 1) == Some(&c);
        let mut buf = [0; 4];
        let key: &str = c.encode_utf8(&mut buf);
        let name = words
            .signs
            .iter()
            .chain(words.named)
            .find(|(s, _)| *s == c)
            .map(|(_, w)| *w)
            .or_else(|| words.money.iter().find(|(s, ..)| *s == key).map(|m| m.1));
        match name {
            Some(name) if !run => {
                out.push(' ');
                out.push_str(name);
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

/// ASCII's signs where they are math or a label, in the signs' words: a negative number's
/// minus ("-5", "(-3", "= -2"; not a word's hyphen), a range or a score ("5-10", "5 - 10",
/// "ganó 3-1": a pair that falls is a score, not a subtraction; one next to "=" is; not a
/// chain such as a date or a code; a date's slashes only separate, "25/12" and "12/2025"
/// too), `*` and `/` between numbers ("5 * 3", "10/2"; not "km/h" or a date's
/// "1/2/2025"), `^` between things ("x^2"), `~` before a number (about it), `#` before one
/// (its number), `@` inside or before a word ("ana@correo", "@ana"), "==" between two
/// things and "C++".
fn ascii(text: &str, words: &Signs) -> String {
    static DATE: rx::Lazy = rx::lazy!(r"\b(\d{1,4})/(\d{1,2})/(\d{1,4})\b");
    // Two numbers and a slash, written together: a month and its year ("12/2025"), a day
    // that cannot be a month and its month ("25/12"), else a division ("10/2", "1/2").
    static PAIR: rx::Lazy = rx::lazy!(r"(^|[^\d/.,])(\d{1,2})/(\d{1,2}|[12]\d{3})($|[^\d/])");
    // A time on the hour, not followed by seconds: "12:00".
    static HOUR: rx::Lazy = rx::lazy!(r"\b(\d{1,2}):00($|[^:\d])");
    // A chain of three numbers or more joined by hyphens that no rule read as math: a code, a
    // score or a date, its numbers said apart ("1-413-5"; French would read "1 413" as one).
    static CHAIN: rx::Lazy = rx::lazy!(r"\b\d+(?:-\d+){2,}\b");
    // Two times and a dash: a range of time ("10:30-11:00").
    static HOURS: rx::Lazy = rx::lazy!(r"\b(\d{1,2}:\d{2}) ?[-–] ?(\d{1,2}:\d{2})\b");
    static RANGE: rx::Lazy =
        rx::lazy!(r"(^|[^\d\-.,/:])(-?\d+(?:[.,]\d+)?) ?[-–] ?(\d+(?:[.,]\d+)?)($|[^\d\-/:])");
    // A minus before a number, bracketed or not, at a start, after a space, a bracket or
    // another sign (10/-2, 5+-10, 2*-3, 5--10, -(5)).
    static NEGATIVE: rx::Lazy = rx::lazy!(r"(^|[\s(\[=:<>/*+^\-])-(\(*\d)");
    // A number less a negative one: 5--10, 5 - -10.
    static LESS_NEGATIVE: rx::Lazy = rx::lazy!(r"(\d) ?- ?-(\d)");
    // A minus between bracketed terms: (-5)-(-10).
    static BRACKETS: rx::Lazy = rx::lazy!(r"\) ?- ?\(");
    static TIMES: rx::Lazy = rx::lazy!(r"(\d) ?\* ?(\d)");
    static OVER: rx::Lazy =
        rx::lazy!(r"(^|[^\d/])(\d+(?:[.,]\d+)?) ?/ ?(\d+(?:[.,]\d+)?)($|[^\d/])");
    static POWER: rx::Lazy = rx::lazy!(r"([\p{L}\d)]) ?\^ ?([\p{L}\d(-])");
    static ABOUT: rx::Lazy = rx::lazy!(r"(^|[^\p{L}\d])~ ?(\d)");
    static NUMBER: rx::Lazy = rx::lazy!(r"(^|[^\p{L}\d&])# ?(\d)");
    static AT: rx::Lazy = rx::lazy!(r"(^|[\p{L}\d\s])@([\p{L}\d])");
    static EQUALS: rx::Lazy = rx::lazy!(r"([\p{L}\d)]) ?== ?([\p{L}\d(-])");
    static PLUSES: rx::Lazy = rx::lazy!(r"(\p{L})\+\+($|[^+])");
    let sign = |c: char| words.sign(c);
    let t = math(text, words);
    // A date's slashes separate its numbers, which the reader says one after the other.
    let t = DATE.replace_all(&t, "$1 $2 $3");
    let t = PAIR.replace_all(&t, |c: &Captures| {
        let (a, b): (u32, u32) = (c[2].parse().unwrap_or(0), c[3].parse().unwrap_or(0));
        let month = |n: u32| (1..=12).contains(&n);
        let date = (b >= 1000 && month(a)) || ((13..=31).contains(&a) && month(b));
        let sep = if date { " " } else { "/" };
        format!("{}{}{sep}{}{}", &c[1], &c[2], &c[3], &c[4])
    });
    let t = between(&HOURS, &t, words.to);
    let t = HOUR.replace_all(&t, |c: &Captures| {
        format!("{} {}{}", &c[1], words.oclock, &c[2])
    });
    let t = CHAIN.replace_all(&t, |c: &Captures| c[0].replace('-', ", "));
    let t = RANGE.replace_all(&t, |c: &Captures| {
        let (before, after) = (&c[1], &c[4]);
        // A number after the hyphen with a leading zero, or three digits and four, is a code
        // or a phone number (555-0199, 555-1234): its numbers said apart.
        let (a, b) = (&c[2], &c[3]);
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if digits(a)
            && digits(b)
            && ((b.len() > 1 && b.starts_with('0')) || (a.len() == 3 && b.len() == 4))
        {
            return format!("{before}{a}, {b}{after}");
        }
        // Falling or rising, a pair is a range or a score ("ganó 3-1": "3 a 1"); beside "="
        // it is a subtraction (a longer run of math is `math`'s).
        let word = if after == "=" || before == "=" {
            sign('−')
        } else {
            words.to
        };
        format!("{before}{} {word} {}{after}", &c[2], &c[3])
    });
    let t = between(&EQUALS, &t, sign('='));
    let t = PLUSES.replace_all(&t, |c: &Captures| {
        format!("{} {} {} {}", &c[1], sign('+'), sign('+'), &c[2])
    });
    let t = LESS_NEGATIVE.replace_all(&t, |c: &Captures| {
        format!("{} {} {} {}", &c[1], sign('−'), words.negative, &c[2])
    });
    let t = between(&NEGATIVE, &t, words.negative);
    let t = BRACKETS.replace_all(&t, |_: &Captures| format!(") {} (", sign('−')));
    let t = between(&TIMES, &t, sign('×'));
    let t = OVER.replace_all(&t, |c: &Captures| {
        format!("{}{} {} {}{}", &c[1], &c[2], sign('÷'), &c[3], &c[4])
    });
    let t = between(&POWER, &t, words.power);
    let t = between(&ABOUT, &t, sign('≈'));
    let t = between(&NUMBER, &t, words.number);
    between(&AT, &t, words.at).into_owned()
}

/// Runs of math in `text` said as math: terms (a number, a number with its variable as in
/// "5x", a lone lowercase letter, bracketed or not) joined by `+ - * / ^ = < > ==`, where
/// the run cannot be anything else: it has one of `= + * ^ < > != <= >=`, two hyphens
/// with spaces around one ("10 - 5 - 2": a code is not spaced), a sign before a term
/// after its start (10/-2, 5+-10), both a slash and a hyphen (10/2-1, 3/4-1/2), a
/// number times its variable and a hyphen (5x-3), or slashes between three numbers that are
/// not a date (100/10/2; 25/12/2025 is one); and a minus before a lone variable (x, y, z or
/// n: -x) or a bracketed number (-(5)). Every sign of such a run is said: a hyphen is a
/// minus ("x = 10-5-2"; a term's own minus is `negative`: 5 减 负 10), a slash a division
/// ("x = 15/3"), "5x" five times x. Runs of numbers and one kind of sign alone are left to
/// the rules for what they also are: dates (2025-12-07, 25/12), ranges and scores (5-10,
/// 3-1), codes (1-413-5, 10-5-2); and a letter, a hyphen and a number or a letter alone
/// are a label (x-5 as F-16, a-z, n-3, x-y, b-12).
pub fn math<'a>(text: &'a str, words: &Signs) -> std::borrow::Cow<'a, str> {
    const TERM: &str = r"\(*[-+]?\(*(?:\d+(?:[.,]\d+)?[a-z]?|[a-z])\)*";
    static RUN: rx::Lazy = std::sync::LazyLock::new(|| {
        rx::compile(&format!(
            r"-[xyzn]|-\(+\d+(?:[.,]\d+)?\)+|[-+]?{TERM}(?: ?(?:[=!<>]=|[-+*/^=<>]) ?{TERM})+"
        ))
    });
    let mut out = String::new();
    let (mut last, mut at) = (0, 0);
    while let Some(m) = RUN.find_at(text, at) {
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        let apart = before.is_none_or(|c| !(c.is_alphanumeric() || ".,:/-+".contains(c)))
            && after.is_none_or(|c| !c.is_alphanumeric());
        match apart.then(|| said_as_math(m.as_str(), words)).flatten() {
            Some(said) => {
                out.push_str(&text[last..m.start()]);
                out.push_str(&said);
                (last, at) = (m.end(), m.end());
            }
            None => at = m.start() + m.as_str().chars().next().map_or(1, char::len_utf8),
        }
    }
    if last == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[last..]);
    std::borrow::Cow::Owned(out)
}

/// One run that `math` found, said in `words` if it can only be math.
fn said_as_math(run: &str, words: &Signs) -> Option<String> {
    let sign = |c: char| words.sign(c);
    let mut said = String::new();
    let mut say = |word: &str| {
        if !said.is_empty() && !said.ends_with('(') && word != ")" {
            said.push(' ');
        }
        said.push_str(word);
    };
    let (mut terms, mut slashes, mut hyphens, mut strong) = (Vec::new(), 0, 0, false);
    let (mut signed, mut variable, mut spaced, mut product) = (false, false, false, false);
    // Whether the last thing read was a term or a closing bracket: a sign after one is
    // between two terms, any other is a term's own sign.
    let mut after_term = false;
    // Brackets open, and how many were open at a "^" whose exponent is being read: its
    // `power_end` is said when a term or a bracket ends there (x^(n+1) "x 的 (n 加 1) 次方").
    let (mut depth, mut exponent) = (0usize, None);
    let mut chars = run.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ' ' => {}
            '(' => {
                say("(");
                depth += 1;
                after_term = false;
            }
            ')' => {
                say(")");
                depth = depth.saturating_sub(1);
                if exponent == Some(depth) {
                    say(words.power_end);
                    exponent = None;
                }
                after_term = true;
            }
            '-' | '+' if !after_term => {
                signed |= i > 0;
                say(if c == '-' { words.negative } else { sign('+') });
            }
            '-' | '+' | '*' | '/' | '^' | '=' | '<' | '>' | '!' => {
                // "==" is "=", "!=" "≠", "<=" "≤", ">=" "≥".
                let c = match (c, chars.next_if(|&(_, n)| n == '=')) {
                    ('!', _) => '≠',
                    ('<', Some(_)) => '≤',
                    ('>', Some(_)) => '≥',
                    (c, _) => c,
                };
                slashes += usize::from(c == '/');
                if c == '-' {
                    hyphens += 1;
                    spaced |= run[..i].ends_with(' ');
                }
                strong |= "+*^=<>≠≤≥".contains(c);
                say(match c {
                    '-' => sign('−'),
                    '*' => sign('×'),
                    '/' => sign('÷'),
                    '^' => words.power,
                    c => sign(c),
                });
                if c == '^' && !words.power_end.is_empty() {
                    exponent = Some(depth);
                }
                after_term = false;
            }
            _ => {
                let end = run[i..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == ','))
                    .map_or(run.len(), |n| i + n);
                let term = &run[i..end];
                while chars.peek().is_some_and(|&(j, _)| j < end) {
                    chars.next();
                }
                // "5x": the number times its variable.
                let letter = term.find(|c: char| c.is_ascii_lowercase());
                // Only x, y, z and n are variables: "1960s" is a decade.
                let letter = letter.filter(|&at| "xyzn".contains(&term[at..]));
                variable |= letter.is_some();
                product |= letter.is_some_and(|at| at > 0);
                match letter {
                    Some(at) if at > 0 => {
                        say(&term[..at]);
                        say(sign('×'));
                        say(&term[at..]);
                    }
                    _ => say(term),
                }
                if exponent == Some(depth) {
                    say(words.power_end);
                    exponent = None;
                }
                terms.push(term);
                after_term = true;
            }
        }
    }
    let letters = terms
        .iter()
        .any(|t| t.contains(|c: char| c.is_ascii_lowercase()));
    let numbers = !letters && terms.len() == slashes + 1 && hyphens == 0;
    let date = |t: &[&str]| match t {
        [d, m, y] => {
            (d.len() <= 2 && m.len() <= 2 && (y.len() == 2 || y.len() == 4))
                || (d.len() == 4 && m.len() <= 2 && y.len() <= 2)
        }
        _ => false,
    };
    let lone = terms.len() == 1 && run.starts_with('-');
    let bracketed = lone && run.starts_with("-(");
    let math = strong
        || signed
        || (slashes > 0 && hyphens > 0)
        || (hyphens > 1 && spaced)
        || (product && hyphens > 0)
        || (variable && lone)
        || bracketed
        || (numbers && terms.len() >= 3 && !date(&terms));
    math.then_some(said)
}

/// `text` with each match of `rule` (what stands before the sign, the sign, what follows
/// it: two groups) as the two groups with `word` between them.
fn between<'a>(rule: &regex::Regex, text: &'a str, word: &str) -> std::borrow::Cow<'a, str> {
    rule.replace_all(text, |c: &Captures| format!("{} {word} {}", &c[1], &c[2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn signs_and_money_are_said_in_the_language() {
        for (text, words, want) in [
            ("2 + 2 = 4", &SPANISH, "2 más 2 igual a 4"),
            ("x ≤ y", &SPANISH, "x menor o igual que y"),
            ("Cuesta $5 o 1 €.", &SPANISH, "Cuesta 5 dólares o 1 euro."),
            (
                "Coûte 5€ et 2,50 €.",
                &FRENCH,
                "Coûte 5 euros et 2,50 euros.",
            ),
            ("Costa 3 €.", &ITALIAN, "Costa 3 euro."),
            ("Custa R$ 10 × 3.", &PORTUGUESE, "Custa 10 reais vezes 3."),
            ("Cost US$1.", &SPANISH, "Cost 1 dólar."),
            ("₹500 दें", &HINDI, "500 रुपये दें"),
            ("el € es", &SPANISH, "el euro es"),
            ("§ 3 ± 1", &FRENCH, "paragraphe 3 plus ou moins 1"),
        ] {
            assert_eq!(folded(&said(text, words, true)), want, "{text}");
        }
        // A run of one sign is decoration, left for the reader to drop.
        assert_eq!(
            folded(&said("=== Título ===", &SPANISH, true)),
            "=== Título ==="
        );
        // ASCII's signs where they are math or a label; elsewhere they are left.
        for (text, words, want) in [
            ("5 * 3 = 15", &SPANISH, "5 por 3 igual a 15"),
            (
                "10/2, 4/2, 100/4 y 10 / 2",
                &SPANISH,
                "10 entre 2, 4 entre 2, 100 entre 4 y 10 entre 2",
            ),
            // A month and year, a day and month: numbers; a fraction: a division.
            (
                "vence 12/2025, el 25/12, 1/2",
                &SPANISH,
                "vence 12 2025, el 25 12, 1 entre 2",
            ),
            ("x^2 + 1", &SPANISH, "x elevado a 2 más 1"),
            ("~5 km y #1", &SPANISH, "aproximadamente 5 km y número 1"),
            (
                "ana@correo y @ana",
                &PORTUGUESE,
                "ana arroba correo y arroba ana",
            ),
            ("a == b, C++", &ITALIAN, "a uguale a b, C più più"),
            (
                "Fait -5 degrés (-3) et = -2",
                &FRENCH,
                "Fait moins 5 degrés ( moins 3) et égale moins 2",
            ),
            ("तापमान -5 है", &HINDI, "तापमान माइनस 5 है"),
            // A range, and a pair that falls: a score, not a subtraction.
            (
                "de 5-10 y 5 - 10, ganó 3-1",
                &SPANISH,
                "de 5 a 10 y 5 a 10, ganó 3 a 1",
            ),
            ("a gagné 3-1", &FRENCH, "a gagné 3 à 1"),
            ("vinse 3-1", &ITALIAN, "vinse 3 a 1"),
            ("ganhou 3-1", &PORTUGUESE, "ganhou 3 a 1"),
            ("10-5 = 5", &SPANISH, "10 menos 5 igual a 5"),
            ("-5-10", &SPANISH, "menos 5 a 10"),
            // A minus after another sign, or between bracketed terms.
            (
                "10/-2, 5+-10, 2*-3",
                &SPANISH,
                "10 entre menos 2, 5 más menos 10, 2 por menos 3",
            ),
            // Runs that can only be math say every sign: chains, a variable's minus, a
            // slash after "=", slashes between three numbers that are not a date.
            (
                "10/2-1, 3/4-1/2, 10-5-2 = 3, x-5 = 0, 5x-3, -x",
                &SPANISH,
                "10 entre 2 menos 1, 3 entre 4 menos 1 entre 2, 10 menos 5 menos 2 igual a 3, \
                 x menos 5 igual a 0, 5 por x menos 3, menos x",
            ),
            (
                "x = 15/3, 100/10/2, 6/3/2, 5-+10",
                &SPANISH,
                "x igual a 15 entre 3, 100 entre 10 entre 2, 6 entre 3 entre 2, 5 menos más 10",
            ),
            // A range of time.
            ("10:30-11:00", &FRENCH, "10:30 à 11 heures"),
            (
                "a las 12:00, 12:00:30",
                &SPANISH,
                "a las 12 en punto, 12:00:30",
            ),
            // Not equal, at most, at least; a spaced chain is math, a minus before a bracket.
            (
                "a != b, x <= 5, y >= 2, 10 - 5 - 2, -(5)",
                &SPANISH,
                "a distinto de b, x menor o igual que 5, y mayor o igual que 2, \
                 10 menos 5 menos 2, menos (5)",
            ),
            // A code's numbers apart; a number past 14 digits, digit by digit.
            ("1-413-5", &FRENCH, "1, 413, 5"),
            ("123456789012345", &SPANISH, "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5"),
            ("12345678901234", &SPANISH, "12345678901234"),
            // Not math: a code or a score, dates, words with a hyphen or a slash.
            (
                "10-5-2, 1/2/25, 2025/12/7, y/o, x-ray, b-12, a-z, n-3, x-y",
                &SPANISH,
                "10, 5, 2, 1 2 25, 2025 12 7, y barra o, x-ray, b-12, a-z, n-3, x-y",
            ),
            (
                "5--10 y (-5)-(-10)",
                &SPANISH,
                "5 menos menos 10 y (menos 5) menos (menos 10)",
            ),
            ("5-10", &FRENCH, "5 à 10"),
            ("555-0199, 555-1234", &SPANISH, "555, 0199, 555, 1234"),
            // A hyphen, a chain (a date, a code), a unit's slash: not math, but the signs
            // no rule read are named.
            (
                "e-mail 2025-12-07 1-413-5 25/12/2025 km/h",
                &SPANISH,
                "e-mail 2025, 12, 07 1, 413, 5 25 12 2025 km barra h",
            ),
            (
                "gato/perro, a | b, *5",
                &SPANISH,
                "gato barra perro, a barra vertical b, asterisco 5",
            ),
            // Runs are decoration.
            ("// ## ~~ fin", &SPANISH, "// ## ~~ fin"),
        ] {
            assert_eq!(folded(&said(text, words, true)), want, "{text}");
        }
        // Symbols off: amounts keep their currency, the signs are left.
        assert_eq!(folded(&said("$5 + 2", &SPANISH, false)), "5 dólares + 2");
    }
}
