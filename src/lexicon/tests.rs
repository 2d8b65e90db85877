#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use super::*;
use crate::engine::EngineFactory;
use crate::engine::tone::{SimulatedCost, ToneFactory};
use crate::text::markup::Item;

/// Kokoro v1.0's symbols (the test engine has the same vocabulary).
fn vocab() -> Arc<Vocab> {
    Arc::clone(&ToneFactory::new(SimulatedCost::default()).spec().vocab)
}

/// A PLS document in `lang` with these lexemes (XML written as is).
fn pls(lang: &str, lexemes: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <lexicon version=\"1.0\" xmlns=\"http://www.w3.org/2005/01/pronunciation-lexicon\"\n    \
         alphabet=\"ipa\" xml:lang=\"{lang}\">\n{lexemes}\n</lexicon>\n"
    )
}

/// The issue's lexicon: a name, an acronym's alias, an IPA phoneme.
const ACME: &str = "  <lexeme>\n    <grapheme>Acme</grapheme>\n    <grapheme>ACME</grapheme>\n    \
    <phoneme>ˈækmi</phoneme>\n  </lexeme>\n  <lexeme>\n    <grapheme>W3C</grapheme>\n    \
    <alias>World Wide Web Consortium</alias>\n  </lexeme>\n  <lexeme>\n    \
    <grapheme>Kokoro</grapheme>\n    <phoneme alphabet=\"ipa\">kˈOkəɹO</phoneme>\n  </lexeme>";

fn read(document: &str) -> Result<Lexicon> {
    Lexicon::from_pls(document.to_owned(), &vocab())
}

/// The message of a lexicon that is refused.
fn refused(document: &str) -> String {
    match read(document) {
        Err(Error::InvalidInput { message, param }) => {
            assert_eq!(param, Some("lexicon"));
            message
        }
        other => panic!("not refused: {other:?}\n{document}"),
    }
}

fn apply(lexicons: &[&Lexicon], text: &str) -> Vec<Item> {
    let set = Lexicons::new(
        lexicons
            .iter()
            .map(|l| Arc::new(read(l.document()).unwrap()))
            .collect(),
    );
    let mut out = Vec::new();
    set.apply(text, Language::EnUs, &mut out);
    out
}

fn text(s: &str) -> Item {
    Item::Text(s.into())
}

fn phonemes(written: &str, phonemes: &str) -> Item {
    Item::Phonemes {
        written: written.into(),
        phonemes: phonemes.into(),
    }
}

fn alias(written: &str, spoken: &str) -> Item {
    Item::Alias {
        written: written.into(),
        spoken: spoken.into(),
    }
}

#[test]
fn a_pls_document_is_read_whole_and_kept_as_written() {
    let document = pls("en-US", ACME);
    let lexicon = read(&document).unwrap();
    assert_eq!(lexicon.language(), "en-US");
    assert_eq!(lexicon.len(), 4);
    assert_eq!(lexicon.document(), document);
    assert_eq!(
        lexicon.get("ACME"),
        Some(&Pronunciation::Phonemes("ˈækmi".into()))
    );
    assert_eq!(
        lexicon.get("W3C"),
        Some(&Pronunciation::Alias("World Wide Web Consortium".into()))
    );
    assert!(lexicon.get("acme").is_none(), "graphemes keep their case");
}

#[test]
fn metadata_examples_comments_entities_and_namespaced_attributes_are_read_as_pls_says() {
    let lexicon = read(
        "\u{feff}<?xml version=\"1.0\"?>\n<!-- a comment -->\n\
         <lexicon version=\"1.0\" xmlns=\"http://www.w3.org/2005/01/pronunciation-lexicon\"\n\
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n\
         xsi:schemaLocation=\"http://www.w3.org/2005/01/pronunciation-lexicon pls.xsd\"\n\
         alphabet=\"ipa\" xml:lang=\"en\">\n\
         <meta name=\"author\" content=\"someone\"/>\n\
         <metadata><rdf:RDF xmlns:rdf=\"x\"><rdf:Description/></rdf:RDF></metadata>\n\
         <lexeme xml:id=\"att\"><grapheme>AT&amp;T</grapheme><alias>A T and T</alias>\
         <example>Call AT&amp;T.</example></lexeme>\n\
         <lexeme><grapheme>caf&#xE9;</grapheme><grapheme><![CDATA[R&D]]></grapheme>\
         <phoneme>kæfˈA</phoneme></lexeme>\n\
         </lexicon>",
    )
    .unwrap();
    assert_eq!(lexicon.language(), "en");
    assert_eq!(
        lexicon.get("AT&T"),
        Some(&Pronunciation::Alias("A T and T".into()))
    );
    assert!(lexicon.get("café").is_some());
    assert!(lexicon.get("R&D").is_some());
}

#[test]
fn the_preferred_pronunciation_wins_and_the_first_lexeme_of_a_grapheme() {
    let lexicon = read(&pls(
        "en-US",
        "<lexeme><grapheme>tomato</grapheme><phoneme>təmˈAtO</phoneme>\
         <phoneme prefer=\"true\">təmˈɑtO</phoneme><alias prefer=\"true\">tomahto</alias></lexeme>\
         <lexeme><grapheme>read</grapheme><alias>red</alias><phoneme>ɹˈid</phoneme></lexeme>\
         <lexeme><grapheme>tomato</grapheme><alias>tomayto</alias></lexeme>",
    ))
    .unwrap();
    assert_eq!(
        lexicon.get("tomato"),
        Some(&Pronunciation::Phonemes("təmˈɑtO".into()))
    );
    assert_eq!(
        lexicon.get("read"),
        Some(&Pronunciation::Alias("red".into()))
    );
    assert_eq!(lexicon.len(), 2);
}

#[test]
fn phonemes_are_mapped_as_inline_phonemes_and_an_unknown_symbol_is_refused() {
    // ASCII g is IPA's ɡ, as in `[word](/ipa/)`.
    let lexicon = read(&pls(
        "en-US",
        "<lexeme><grapheme>Gigi</grapheme><phoneme> ʤˈiʤi ɡ g </phoneme></lexeme>",
    ))
    .unwrap();
    assert_eq!(
        lexicon.get("Gigi"),
        Some(&Pronunciation::Phonemes("ʤˈiʤi ɡ ɡ".into()))
    );
    let message = refused(&pls(
        "en-US",
        "<lexeme>\n<grapheme>milk</grapheme>\n<phoneme>mɪɫk</phoneme>\n</lexeme>",
    ));
    assert!(message.starts_with("line 6, <phoneme>:"), "{message}");
    assert!(message.contains("'ɫ' (U+026B: write l)"), "{message}");
    let message = refused(&pls(
        "en-US",
        "<lexeme><grapheme>church</grapheme><phoneme>t͡ʃɝtʃ</phoneme></lexeme>",
    ));
    assert!(message.contains("U+0361"), "{message}");
    assert!(message.contains("'ɝ' (U+025D: write ɜɹ)"), "{message}");
    let message = refused(&pls(
        "en-US",
        "<lexeme><grapheme>Kubernetes</grapheme><phoneme>ˌkuː.bər.ˈnɛ.tiːz</phoneme></lexeme>",
    ));
    assert!(message.contains("syllable break"), "{message}");
    let message = refused(&pls(
        "en-US",
        "<lexeme><grapheme>moon</grapheme><phoneme>mu:n</phoneme></lexeme>",
    ));
    assert!(message.contains("ː (U+02D0)"), "{message}");
}

#[test]
fn bad_documents_are_refused_naming_the_line_and_the_element() {
    let cases: &[(&str, &str)] = &[
        ("<lexicon", "line 1: not well-formed XML"),
        (
            &pls(
                "en",
                "<lexeme><grapheme>a</grapheme><alias>b</alis></lexeme>",
            ),
            "not well-formed XML",
        ),
        (
            "<?xml version=\"1.0\"?>\n<!DOCTYPE lexicon [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \
             \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n<lexicon alphabet=\"ipa\" xml:lang=\"en\">\
             <lexeme><grapheme>x</grapheme><alias>&b;</alias></lexeme></lexicon>",
            "line 2, <!DOCTYPE>: a DTD is not accepted",
        ),
        (
            &pls(
                "en",
                "<lexeme><grapheme>x</grapheme><alias>&b;</alias></lexeme>",
            ),
            "line 4, <alias>: unknown entity '&b;'",
        ),
        (
            &pls(
                "en",
                "<lexeme><grapheme>x</grapheme><alias>&#0;</alias></lexeme>",
            ),
            "is not a character",
        ),
        (
            "<lexicon alphabet=\"x-sampa\" xml:lang=\"en\"></lexicon>",
            "line 1, <lexicon>: alphabet \"x-sampa\" is not one ttsd reads",
        ),
        (
            &pls(
                "en",
                "<lexeme><grapheme>x</grapheme>\n<phoneme alphabet=\"x-arpabet\">EH1 K S</phoneme></lexeme>",
            ),
            "line 5, <phoneme>: alphabet \"x-arpabet\"",
        ),
        (
            "<lexicon xml:lang=\"en\"><lexeme><grapheme>x</grapheme><phoneme>ɛks</phoneme>\
             </lexeme></lexicon>",
            "<phoneme>: no alphabet",
        ),
        (
            "<lexicon alphabet=\"ipa\"></lexicon>",
            "<lexicon>: no xml:lang",
        ),
        (
            "<lexicon alphabet=\"ipa\" xml:lang=\"de-DE\"></lexicon>",
            "language 'de-DE' is not one ttsd speaks",
        ),
        (
            "<lexicon alphabet=\"ipa\" xml:lang=\"english\"></lexicon>",
            "is not a language tag",
        ),
        (
            "<lexicon version=\"1.1\" alphabet=\"ipa\" xml:lang=\"en\"></lexicon>",
            "ttsd reads PLS 1.0",
        ),
        (
            "<lexicon xmlns=\"http://example.com\" alphabet=\"ipa\" xml:lang=\"en\"></lexicon>",
            "is not PLS's namespace",
        ),
        (
            "<lexicon colour=\"red\" alphabet=\"ipa\" xml:lang=\"en\"></lexicon>",
            "unknown attribute 'colour'",
        ),
        (
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><lexicon/>",
            "ttsd reads PLS documents in UTF-8",
        ),
        ("<speak>hello</speak>", "its root element must be <lexicon>"),
        ("", "no <lexicon> element"),
        (
            "<lexicon alphabet=\"ipa\" xml:lang=\"en\"></lexicon><lexicon/>",
            "an element after </lexicon>",
        ),
        (
            &pls(
                "en",
                "<lexeme role=\"noun\"><grapheme>x</grapheme><alias>y</alias></lexeme>",
            ),
            "<lexeme>: role is not supported",
        ),
        (
            &pls("en", "<lexeme><grapheme>x</grapheme><sub>y</sub></lexeme>"),
            "<sub>: not a PLS element here",
        ),
        (
            &pls("en", "<word>x</word>"),
            "<word>: not a PLS element here",
        ),
        (
            &pls("en", "stray words"),
            "<lexicon>: text 'stray words' outside",
        ),
        (
            &pls(
                "en",
                "<lexeme><grapheme>x<b>y</b></grapheme><alias>z</alias></lexeme>",
            ),
            "<b> inside it",
        ),
        (
            &pls(
                "en",
                "<lexeme><alias>z</alias><grapheme>x</grapheme></lexeme>",
            ),
            "a <grapheme> after the pronunciations",
        ),
        (
            &pls("en", "\n\n<lexeme>\n<alias>z</alias></lexeme>"),
            "line 6, <lexeme>: it has no <grapheme>",
        ),
        (
            &pls("en", "<lexeme><grapheme>x</grapheme></lexeme>"),
            "it has no <phoneme> and no <alias>",
        ),
        (&pls("en", "<lexeme/>"), "an empty <lexeme>"),
        (
            &pls("en", "<lexeme><grapheme/><alias>z</alias></lexeme>"),
            "<grapheme>: it is empty",
        ),
        (
            &pls(
                "en",
                "<lexeme><grapheme> </grapheme><alias>z</alias></lexeme>",
            ),
            "the grapheme is empty",
        ),
        (
            &pls(
                "en",
                "<lexeme><grapheme>x</grapheme><alias prefer=\"yes\">z</alias></lexeme>",
            ),
            "write true or false",
        ),
        (
            &pls(
                "en",
                "<lexeme><grapheme>x</grapheme><phoneme></phoneme></lexeme>",
            ),
            "the phonemes are empty",
        ),
    ];
    for (document, expected) in cases {
        let message = refused(document);
        assert!(
            message.contains(expected),
            "{message:?} lacks {expected:?} for\n{document}"
        );
    }
}

#[test]
fn limits_are_errors_that_say_which() {
    let long = "x".repeat(MAX_GRAPHEME_CHARS + 1);
    let message = refused(&pls(
        "en",
        &format!("<lexeme><grapheme>{long}</grapheme><alias>y</alias></lexeme>"),
    ));
    assert!(message.contains("longer than 100 characters"), "{message}");
    let long = "y".repeat(MAX_ALIAS_CHARS + 1);
    let message = refused(&pls(
        "en",
        &format!("<lexeme><grapheme>x</grapheme><alias>{long}</alias></lexeme>"),
    ));
    assert!(message.contains("longer than 256 characters"), "{message}");
    let long = "ə".repeat(MAX_PHONEMES + 1);
    let message = refused(&pls(
        "en",
        &format!("<lexeme><grapheme>x</grapheme><phoneme>{long}</phoneme></lexeme>"),
    ));
    assert!(message.contains("longer than 256 symbols"), "{message}");
    let entries: String = (0..=MAX_ENTRIES)
        .map(|i| format!("<lexeme><grapheme>w{i}</grapheme><alias>a</alias></lexeme>\n"))
        .collect();
    let message = refused(&pls("en", &entries));
    assert!(message.contains("more than 10000 entries"), "{message}");
    assert!(message.starts_with("line 10004, <lexeme>"), "{message}");
    let big = format!("<lexicon>{}</lexicon>", " ".repeat(MAX_DOCUMENT_BYTES));
    assert!(refused(&big).contains("larger than 4 MiB"));
}

#[test]
fn the_json_form_is_checked_as_pls_and_kept_as_pls() {
    let json = r#"[{"grapheme": "Acme", "phoneme": "ˈækmi"},
                   {"grapheme": " W3C ", "alias": "World Wide Web Consortium"},
                   {"grapheme": "AT&T", "alias": "A T <and> T"}]"#;
    let lexicon = Lexicon::from_json(json.as_bytes(), "en-GB", &vocab()).unwrap();
    assert_eq!(lexicon.language(), "en-GB");
    assert_eq!(lexicon.len(), 3);
    // Its document is PLS, read back to the same entries.
    let again = read(lexicon.document()).unwrap();
    assert_eq!(again.entries, lexicon.entries);
    assert_eq!(again.language(), "en-GB");
    assert_eq!(
        again.get("AT&T"),
        Some(&Pronunciation::Alias("A T <and> T".into()))
    );
    let bad = |json: &str| match Lexicon::from_json(json.as_bytes(), "en", &vocab()) {
        Err(Error::InvalidInput { message, .. }) => message,
        other => panic!("not refused: {other:?}"),
    };
    assert!(bad(r#"{"grapheme": "x"}"#).contains("not a list"));
    assert!(bad(r#"[{"grapheme": "x", "phoneme": "a", "alias": "b"}]"#).contains("entry 1"));
    assert!(bad(r#"[{"grapheme": "x"}]"#).contains("exactly one of"));
    assert!(bad(r#"[{"grapheme": "x", "ipa": "a"}]"#).contains("unknown field"));
    let message = bad(r#"[{"grapheme": "x", "alias": "y"}, {"grapheme": "z", "phoneme": "ɫ"}]"#);
    assert!(message.starts_with("entry 2, phoneme:"), "{message}");
    match Lexicon::from_json(b"[]", "fr-CA", &vocab()) {
        Err(e) => panic!("{e}"),
        Ok(l) => assert!(l.applies_to(Language::Fr)),
    }
    assert!(Lexicon::from_json(b"[]", "xx", &vocab()).is_err());
}

#[test]
fn languages_apply_by_primary_language_and_region() {
    let lexicon = |lang: &str| read(&pls(lang, "")).unwrap();
    assert!(lexicon("en").applies_to(Language::EnUs));
    assert!(lexicon("en").applies_to(Language::EnGb));
    assert!(lexicon("en-US").applies_to(Language::EnUs));
    assert!(!lexicon("en-US").applies_to(Language::EnGb));
    assert!(lexicon("EN-gb").applies_to(Language::EnGb));
    assert!(lexicon("es-MX").applies_to(Language::Es));
    assert!(lexicon("en-AU").applies_to(Language::EnUs));
    assert!(lexicon("en-AU").applies_to(Language::EnGb));
    assert!(lexicon("pt-PT").applies_to(Language::PtBr));
    assert!(!lexicon("pt-PT").applies_to(Language::Es));
    assert!(!lexicon("es-MX").applies_to(Language::PtBr));
    assert!(lexicon("zh-Hans-CN").applies_to(Language::Zh));
    assert!(lexicon("ja").applies_to(Language::Ja));
}

#[test]
fn whole_words_and_phrases_are_found_longest_first() {
    let acme = read(&pls("en-US", ACME)).unwrap();
    assert_eq!(
        apply(&[&acme], "Acme joined the W3C, said Kokoro."),
        vec![
            phonemes("Acme", "ˈækmi"),
            text(" joined the "),
            alias("W3C", "World Wide Web Consortium"),
            text(", said "),
            phonemes("Kokoro", "kˈOkəɹO"),
            text("."),
        ]
    );
    // Not inside longer words, nor joined by an apostrophe or a hyphen; case as written.
    for unchanged in [
        "Acmes and W3Cs",
        "Acme's",
        "Acme’s",
        "Acme-branded",
        "pre-Acme",
        "acme",
        "xAcme",
        "Acme2",
        "Acméa",
    ] {
        assert_eq!(
            apply(&[&acme], unchanged),
            vec![text(unchanged)],
            "{unchanged}"
        );
    }
    // Punctuation and brackets around are boundaries; so is an elision's apostrophe.
    assert_eq!(
        apply(&[&acme], "(ACME) \"Acme\" l'Acme 'Acme'"),
        vec![
            text("("),
            phonemes("ACME", "ˈækmi"),
            text(") \""),
            phonemes("Acme", "ˈækmi"),
            text("\" l'"),
            phonemes("Acme", "ˈækmi"),
            text(" '"),
            phonemes("Acme", "ˈækmi"),
            text("'"),
        ]
    );
    assert_eq!(
        apply(&[&acme], "No entries here."),
        vec![text("No entries here.")]
    );
    assert_eq!(apply(&[&acme], ""), vec![]);
}

#[test]
fn phrases_match_across_any_whitespace_and_the_longest_wins() {
    let places = read(&pls(
        "en",
        "<lexeme><grapheme>New York</grapheme><alias>Noo Yawk</alias></lexeme>\
         <lexeme><grapheme>New   York\n Times</grapheme><alias>the Times</alias></lexeme>\
         <lexeme><grapheme>York</grapheme><alias>Yorrk</alias></lexeme>\
         <lexeme><grapheme>McDonald’s</grapheme><alias>Mac Donalds</alias></lexeme>",
    ))
    .unwrap();
    assert_eq!(
        apply(
            &[&places],
            "The New York\tTimes of New\n\nYork, York and New Yorkers. McDonald's!"
        ),
        vec![
            text("The "),
            alias("New York\tTimes", "the Times"),
            text(" of "),
            alias("New\n\nYork", "Noo Yawk"),
            text(", "),
            alias("York", "Yorrk"),
            text(" and New Yorkers. "),
            alias("McDonald's", "Mac Donalds"),
            text("!"),
        ]
    );
    // The longest entry that ends a word: "New York Times" does not end one here, so the
    // shorter "New York" is taken.
    assert_eq!(
        apply(&[&places], "New York Timesheet"),
        vec![alias("New York", "Noo Yawk"), text(" Timesheet")]
    );
}

#[test]
fn several_lexicons_the_longest_then_the_first_named_wins() {
    let first = read(&pls(
        "en",
        "<lexeme><grapheme>Acme</grapheme><alias>first</alias></lexeme>",
    ))
    .unwrap();
    let second = read(&pls(
        "en",
        "<lexeme><grapheme>Acme</grapheme><alias>second</alias></lexeme>\
         <lexeme><grapheme>Acme Labs</grapheme><alias>labs</alias></lexeme>\
         <lexeme><grapheme>Zed</grapheme><alias>zee</alias></lexeme>",
    ))
    .unwrap();
    assert_eq!(
        apply(&[&first, &second], "Acme, Acme Labs, Zed"),
        vec![
            alias("Acme", "first"),
            text(", "),
            alias("Acme Labs", "labs"),
            text(", "),
            alias("Zed", "zee"),
        ]
    );
    assert_eq!(
        apply(&[&second, &first], "Acme")[0],
        alias("Acme", "second")
    );
}

#[test]
fn a_lexicon_applies_to_text_in_its_language_only() {
    let british = read(&pls(
        "en-GB",
        "<lexeme><grapheme>tomato</grapheme><phoneme>təmˈɑːtəʊ</phoneme></lexeme>",
    ));
    // ʊ after ə: both are Kokoro symbols.
    let british = Arc::new(british.unwrap());
    let set = Lexicons::new(vec![british]);
    let mut out = Vec::new();
    set.apply("tomato", Language::EnUs, &mut out);
    assert_eq!(out, vec![text("tomato")]);
    out.clear();
    set.apply("tomato", Language::EnGb, &mut out);
    assert_eq!(out, vec![phonemes("tomato", "təmˈɑːtəʊ")]);
}

#[test]
fn text_without_spaces_matches_anywhere() {
    let ja = Arc::new(
        read(&pls(
            "ja",
            "<lexeme><grapheme>東京</grapheme><alias>とうきょう</alias></lexeme>",
        ))
        .unwrap(),
    );
    let set = Lexicons::new(vec![ja]);
    let mut out = Vec::new();
    set.apply("私は東京タワーに", Language::Ja, &mut out);
    assert_eq!(
        out,
        vec![text("私は"), alias("東京", "とうきょう"), text("タワーに")]
    );
}

#[test]
fn matching_never_splits_a_character_and_keeps_every_byte() {
    let acme = Arc::new(read(&pls("en-US", ACME)).unwrap());
    let set = Lexicons::new(vec![acme]);
    let texts = [
        "Ácme Acme\u{301} Acme é\u{301} W3C’ ’W3C Kokoro—Acme…W3C",
        "\u{feff}Acme\u{200b}Acme  ",
        "ACME\r\nACME\tACME ",
        "🙂Acme🙂 W3C🙂",
    ];
    for t in texts {
        let mut out = Vec::new();
        set.apply(t, Language::EnUs, &mut out);
        // Every non-space character is in some item's written text, in order.
        let written: String = out
            .iter()
            .map(|i| match i {
                Item::Text(s) => s.as_str(),
                Item::Phonemes { written, .. } | Item::Alias { written, .. } => written,
                other => panic!("{other:?}"),
            })
            .collect();
        let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(strip(&written), strip(t), "{t:?} → {out:?}");
    }
}

mod store {
    use super::*;

    fn acme() -> Lexicon {
        read(&pls("en-US", ACME)).unwrap()
    }

    fn other() -> Lexicon {
        read(&pls(
            "en",
            "<lexeme><grapheme>Zed</grapheme><alias>zee</alias></lexeme>",
        ))
        .unwrap()
    }

    #[test]
    fn names_are_lower_case_letters_digits_dashes_and_underscores() {
        for good in ["acme", "a", "acme-2_b", "0x", &"a".repeat(64)] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Acme",
            "-acme",
            "_a",
            "a.b",
            "a/b",
            "..",
            "é",
            &"a".repeat(65),
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn put_get_list_delete_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data/lexicons");
        let store = Store::open(&root, vocab()).unwrap();
        assert!(store.list().is_empty());
        assert!(!root.exists(), "made at the first put");
        assert!(store.put("acme", acme()).unwrap(), "a new name");
        assert!(store.put("zed", other()).unwrap());
        assert!(!store.put("zed", other()).unwrap(), "replaced");
        assert_eq!(
            store.list(),
            vec![
                Summary {
                    name: "acme".into(),
                    language: "en-US".into(),
                    entries: 4
                },
                Summary {
                    name: "zed".into(),
                    language: "en".into(),
                    entries: 1
                },
            ]
        );
        assert_eq!(
            std::fs::read_to_string(root.join("acme.pls")).unwrap(),
            pls("en-US", ACME)
        );
        // Another process reads the same lexicons back.
        let again = Store::open(&root, vocab()).unwrap();
        assert_eq!(again.list(), store.list());
        assert_eq!(
            again.get("acme").unwrap().document(),
            store.get("acme").unwrap().document()
        );
        store.delete("zed").unwrap();
        assert!(matches!(store.get("zed"), Err(Error::UnknownLexicon(_))));
        assert!(matches!(store.delete("zed"), Err(Error::UnknownLexicon(_))));
        assert!(!root.join("zed.pls").exists());
        assert_eq!(Store::open(&root, vocab()).unwrap().list().len(), 1);
        // Only lexicon files are in the directory: no temporary file is left.
        let files: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(files, ["acme.pls"]);
    }

    #[test]
    fn a_write_cut_short_leaves_the_old_lexicon_and_is_cleaned_up() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), vocab()).unwrap();
        store.put("acme", acme()).unwrap();
        // What a process killed between writing its temporary file and renaming it leaves:
        // half a new document beside the old.
        let half = &pls(
            "en",
            "<lexeme><grapheme>Acme</grapheme><alias>new</alias></lexeme>",
        )[..90];
        let temporary = dir.path().join(".acme.4242.0.tmp");
        std::fs::write(&temporary, half).unwrap();
        let reopened = Store::open(dir.path(), vocab()).unwrap();
        assert_eq!(reopened.get("acme").unwrap().document(), pls("en-US", ACME));
        assert!(!temporary.exists(), "removed at start");
    }

    #[test]
    fn a_file_that_fails_stops_the_start_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("good.pls"), pls("en", ACME)).unwrap();
        std::fs::write(
            dir.path().join("bad.pls"),
            pls(
                "en",
                "<lexeme>\n<grapheme>x</grapheme><phoneme>ɫ</phoneme></lexeme>",
            ),
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a lexicon").unwrap();
        let message = Store::open(dir.path(), vocab()).unwrap_err().to_string();
        assert!(message.contains("bad.pls"), "{message}");
        assert!(message.contains("line 5, <phoneme>"), "{message}");
        assert!(message.contains("fix the file or delete it"), "{message}");
        std::fs::remove_file(dir.path().join("bad.pls")).unwrap();
        std::fs::write(dir.path().join("Bad.pls"), pls("en", ACME)).unwrap();
        let message = Store::open(dir.path(), vocab()).unwrap_err().to_string();
        assert!(message.contains("not a lexicon name"), "{message}");
        std::fs::remove_file(dir.path().join("Bad.pls")).unwrap();
        assert_eq!(Store::open(dir.path(), vocab()).unwrap().list().len(), 1);
    }

    #[test]
    fn a_write_that_fails_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("lexicons");
        let store = Store::open(&root, vocab()).unwrap();
        store.put("acme", acme()).unwrap();
        // The directory is gone and a file is in its place: no write can succeed there
        // (root ignores permissions, so they cannot stand in for a full or read-only disk).
        std::fs::remove_dir_all(&root).unwrap();
        std::fs::write(&root, "a file, not a directory").unwrap();
        let failed = store.put("acme", other()).unwrap_err();
        assert_eq!(failed.code(), "internal_error", "{failed}");
        assert!(failed.to_string().contains("cannot create"), "{failed}");
        assert!(store.put("zed", other()).is_err());
        // In use: the old lexicon, and no new name.
        assert_eq!(store.get("acme").unwrap().document(), pls("en-US", ACME));
        assert_eq!(store.list().len(), 1);
        assert!(store.delete("acme").is_err());
        assert!(
            store.get("acme").is_ok(),
            "a delete that fails keeps it too"
        );
    }

    #[test]
    fn a_request_resolves_names_in_order_once_each() {
        let store = Store::in_memory(vocab());
        store.put("acme", acme()).unwrap();
        store.put("zed", other()).unwrap();
        assert_eq!(store.resolve(&["zed", "acme"]).unwrap().len(), 2);
        assert!(store.resolve::<&str>(&[]).unwrap().is_empty());
        assert!(matches!(
            store.resolve(&["acme", "nope"]),
            Err(Error::UnknownLexicon(n)) if n == "nope"
        ));
        let twice = store.resolve(&["acme", "acme"]).unwrap_err().to_string();
        assert!(twice.contains("named twice"), "{twice}");
        let many = vec!["acme"; MAX_PER_REQUEST + 1];
        assert!(
            store
                .resolve(&many)
                .unwrap_err()
                .to_string()
                .contains("at most 8")
        );
        assert!(store.resolve(&["ACME"]).is_err());
    }

    #[test]
    fn the_default_list_is_checked_at_start_used_when_none_is_named_and_kept() {
        let store = Store::in_memory(vocab());
        store.put("acme", acme()).unwrap();
        store.put("zed", other()).unwrap();
        let missing = Store::in_memory(vocab()).with_defaults(vec!["acme".into()]);
        assert!(
            matches!(&missing, Err(Error::Config(m)) if m.contains("--lexicons") && m.contains("acme")),
            "{missing:?}"
        );
        let store = store
            .with_defaults(vec!["zed".into(), "acme".into()])
            .unwrap();
        assert_eq!(store.defaults(), ["zed", "acme"]);
        assert_eq!(store.for_request(None).unwrap().len(), 2);
        assert!(store.for_request(Some(&[])).unwrap().is_empty());
        assert_eq!(store.for_request(Some(&["acme".into()])).unwrap().len(), 1);
        // A default cannot go (it was there at start, so requests rely on it); it can be
        // replaced.
        assert!(matches!(store.delete("acme"), Err(Error::LexiconInUse(n)) if n == "acme"));
        store.put("acme", acme()).unwrap();
        assert_eq!(store.for_request(None).unwrap().len(), 2);
    }

    #[test]
    fn a_server_keeps_at_most_so_many_lexicons() {
        let store = Store::in_memory(vocab());
        for i in 0..MAX_LEXICONS {
            store.put(&format!("l{i}"), other()).unwrap();
        }
        let full = store.put("one-more", other()).unwrap_err().to_string();
        assert!(full.contains("at most 100 lexicons"), "{full}");
        // Replacing one is not adding one.
        assert!(!store.put("l0", acme()).unwrap());
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Text made of the lexicon's words, pieces of them, and what sits around words.
    fn texty() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "Acme",
            "ACME",
            "Acm",
            "W3C",
            "Kokoro",
            "New",
            "York",
            "Times",
            " ",
            "  ",
            "\n",
            "'",
            "’",
            "-",
            "s",
            "é",
            "\u{301}",
            "東京",
            "タワー",
            ",",
            ".",
            "(",
            "🙂",
            "x",
        ]);
        prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
    }

    fn lexicons() -> Vec<Arc<Lexicon>> {
        let acme = read(&pls("en-US", ACME)).unwrap();
        let more = read(&pls(
            "en",
            "<lexeme><grapheme>New York</grapheme><alias>Noo Yawk</alias></lexeme>\
             <lexeme><grapheme>New York Times</grapheme><alias>the Times</alias></lexeme>\
             <lexeme><grapheme>Acme’s</grapheme><alias>Acme's own</alias></lexeme>\
             <lexeme><grapheme>東京</grapheme><alias>とうきょう</alias></lexeme>",
        ))
        .unwrap();
        vec![Arc::new(acme), Arc::new(more)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Any document is read or refused, never a panic.
        #[test]
        fn any_document_is_read_or_refused(document in ".{0,400}") {
            let _ = read(&document);
            let _ = read(&pls("en", &document));
        }

        /// Matching keeps every character in order (only whitespace-only pieces are left
        /// out), and each match is an entry, written as it was in the text.
        #[test]
        fn matching_keeps_the_text_and_matches_only_entries(text in texty()) {
            let lexicons = lexicons();
            let mut out = Vec::new();
            Lexicons::new(lexicons.clone()).apply(&text, Language::EnUs, &mut out);
            let mut rest = text.as_str();
            for item in &out {
                let (written, said) = match item {
                    Item::Text(t) => (t.as_str(), None),
                    Item::Phonemes { written, phonemes } => (written.as_str(), Some(phonemes)),
                    Item::Alias { written, spoken } => (written.as_str(), Some(spoken)),
                    other => panic!("{other:?}"),
                };
                let at = rest.find(written).expect("each piece in order");
                prop_assert!(rest[..at].trim().is_empty(), "{text:?} lost {:?}", &rest[..at]);
                rest = &rest[at + written.len()..];
                if said.is_some() {
                    let key = checked_grapheme(written).unwrap();
                    prop_assert!(
                        lexicons.iter().any(|l| l.get(&key).is_some()),
                        "{written:?} is no entry"
                    );
                }
            }
            prop_assert!(rest.trim().is_empty(), "{text:?} lost the end {rest:?}");
        }
    }
}
