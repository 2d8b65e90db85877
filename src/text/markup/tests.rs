use std::time::Duration;

use super::*;

const TAGS: MarkupOptions = MarkupOptions {
    tags: true,
    voice_tags: false,
    ssml: false,
    streamed: false,
};
const VOICE: MarkupOptions = MarkupOptions {
    tags: true,
    voice_tags: true,
    ssml: false,
    streamed: false,
};
const SSML: MarkupOptions = MarkupOptions {
    tags: true,
    voice_tags: true,
    ssml: true,
    streamed: false,
};

fn text(s: &str) -> Item {
    Item::Text(s.to_owned())
}
fn pause(ms: u64) -> Item {
    Item::Pause(Duration::from_millis(ms))
}
fn ipa(written: &str, phonemes: &str) -> Item {
    Item::Phonemes {
        written: written.to_owned(),
        phonemes: phonemes.to_owned(),
    }
}
fn alias(written: &str, spoken: &str) -> Item {
    Item::Alias {
        written: written.to_owned(),
        spoken: spoken.to_owned(),
    }
}
fn voice(name: &str) -> Item {
    Item::Voice(name.to_owned())
}

fn items(input: &str, options: MarkupOptions) -> Vec<Item> {
    parse(input, options).unwrap_or_else(|e| panic!("{input:?}: {e}"))
}

/// The error message, which must be about `input` and say where.
fn error(input: &str, options: MarkupOptions) -> String {
    match parse(input, options) {
        Ok(items) => panic!("{input:?} parsed: {items:?}"),
        Err(e) => {
            assert_eq!(e.param(), Some("input"), "{e}");
            assert!(e.is_client_error(), "{e}");
            let message = e.to_string();
            assert!(message.contains("at character "), "{message}");
            message
        }
    }
}

#[test]
fn plain_text_is_one_item() {
    assert_eq!(items("Hello there.", TAGS), vec![text("Hello there.")]);
    assert_eq!(items("", TAGS), vec![]);
    assert_eq!(items("   \n ", TAGS), vec![]);
}

#[test]
fn pause_tags() {
    assert_eq!(
        items("Hello [pause:1.5s] world", TAGS),
        vec![text("Hello "), pause(1500), text(" world")]
    );
    // Case-insensitive as upstream; ttsd also takes ms and inner spaces.
    assert_eq!(
        items("[PAUSE:0.25S]a[pause: 500ms ]b", TAGS),
        vec![pause(250), text("a"), pause(500), text("b")]
    );
    assert_eq!(items("a[pause:10s]", TAGS), vec![text("a"), pause(10_000)]);
    // A zero pause is nothing.
    assert_eq!(items("a [pause:0s] b", TAGS), vec![text("a "), text(" b")]);
    let long = error("Wait [pause:10.5s] now", TAGS);
    assert!(
        long.contains("character 6") && long.contains("[pause:10.5s]") && long.contains("10 s"),
        "{long}"
    );
    for bad in [
        "[pause:]",
        "[pause:1]",
        "[pause:1.s]",
        "[pause:.5s]",
        "[pause:-1s]",
        "[pause:1e3s]",
        "[pause:infs]",
        "[pause:1h]",
        "[pause:1s",
        "[pause:[pause:1s]",
    ] {
        error(bad, TAGS);
    }
    // Eleven 10 s pauses are more than the total allowed.
    let many = "[pause:10s]x".repeat(13);
    assert!(error(&many, TAGS).contains("add up"));
}

#[test]
fn inline_phonemes() {
    assert_eq!(
        items("The city of [Worcester](/wˈʊstər/) is easy.", TAGS),
        vec![
            text("The city of "),
            ipa("Worcester", "wˈʊstər"),
            text(" is easy.")
        ]
    );
    // README example of upstream, with a pause.
    assert_eq!(
        items("[Kokoro](/kˈOkəɹO/) [pause:1s] See?", TAGS),
        vec![ipa("Kokoro", "kˈOkəɹO"), pause(1000), text(" See?")]
    );
    // ASCII g is IPA's ɡ.
    assert_eq!(items("[gig](/ɡɪg/)", TAGS), vec![ipa("gig", "ɡɪɡ")]);
    // An empty written word is allowed (upstream's pattern allows it).
    assert_eq!(items("[](/ə/)", TAGS), vec![ipa("", "ə")]);
    error("[word](/ /)", TAGS);
    error(&format!("[long](/{}/)", "a".repeat(MAX_PHONEMES + 1)), TAGS);
}

#[test]
fn brackets_that_are_not_tags_stay_text() {
    for prose in [
        "As shown in [1] and [2].",
        "see [the docs](https://example.com/docs)",
        "a [relative](/path/to/page) link",
        "[a](b) [c] (/d/) [e]( /f/) [g](/h/ ) [x](/y)",
        "unbalanced [ bracket ( and ] more )",
        "[pause] [voice] [rate]",
        "arrays like a[i] and <b>bold</b> and a < b > c",
        "H<sub>2</sub>O and <p>HTML</p>",
    ] {
        let got = items(prose, TAGS);
        let joined: String = got
            .iter()
            .map(|i| match i {
                Item::Text(t) => t.clone(),
                other => panic!("{prose:?}: {other:?}"),
            })
            .collect();
        assert_eq!(joined, prose);
    }
    // "[[nested](/n/)" is "[" then an inline word, as upstream's pattern reads it.
    assert_eq!(
        items("[[nested](/n/)", TAGS),
        vec![text("["), ipa("nested", "n")]
    );
}

#[test]
fn voice_and_rate_tags() {
    assert_eq!(
        items(
            "The narrator opens. [voice:af_bella] Did it land? [pause:0.3s] [voice:am_michael] It did.",
            VOICE
        ),
        vec![
            text("The narrator opens. "),
            voice("af_bella"),
            text(" Did it land? "),
            pause(300),
            voice("am_michael"),
            text(" It did."),
        ]
    );
    assert_eq!(
        items("[voice: af_bella(2)+af_sky - af_nicole(0.5) ]a", VOICE),
        vec![voice("af_bella(2)+af_sky - af_nicole(0.5)"), text("a")]
    );
    // A voice tag resets the rate, as upstream's split_by_voice.
    assert_eq!(
        items(
            "[rate:1.5]fast [voice:Narrator]calm [rate:1.5][rate:1.5]x",
            VOICE
        ),
        vec![
            Item::Speed(1.5),
            text("fast "),
            voice("Narrator"),
            Item::Speed(1.0),
            text("calm "),
            Item::Speed(1.5),
            text("x"),
        ]
    );
    for bad in [
        "[voice:]",
        "[voice:af bella]",
        "[voice:../../etc]",
        "[voice:a+]",
        "[rate:5]",
        "[rate:0.1]",
        "[rate:fast]",
    ] {
        error(bad, VOICE);
    }
    // Off: an error that names the switch, never read aloud.
    let off = error("Hi [voice:af_bella] there", TAGS);
    assert!(
        off.contains("allow_voice_tags") && off.contains("character 4"),
        "{off}"
    );
    error("[rate:1.2]", TAGS);
}

#[test]
fn switched_off_markup_is_plain_text() {
    let none = MarkupOptions {
        tags: false,
        voice_tags: false,
        ssml: false,
        streamed: false,
    };
    let written = "[pause:1s] [voice:x] [w](/p/) <speak>hi</speak> <break/>";
    assert_eq!(items(written, none), vec![text(written)]);
    // Voice tags alone: pause tags and SSML-looking text are text.
    let voice_only = MarkupOptions {
        voice_tags: true,
        ..none
    };
    assert_eq!(
        items("[pause:1s] [voice:af_sky] <break/>", voice_only),
        vec![text("[pause:1s] "), voice("af_sky"), text(" <break/>")]
    );
}

#[test]
fn ssml_is_refused_where_it_is_off() {
    let off = error("<speak>Hi<break time=\"1s\"/>there</speak>", TAGS);
    assert!(off.contains("\"ssml\": true"), "{off}");
    // Streamed input cannot switch SSML on: the error says where SSML is read.
    let streamed = MarkupOptions {
        streamed: true,
        ..TAGS
    };
    for input in ["<speak>Hi</speak>", "Hi <speak>there</speak>."] {
        let message = error(input, streamed);
        assert!(message.contains("one-shot request"), "{message}");
        assert!(!message.contains("set \"ssml\""), "{message}");
    }
    let message = error("[voice:af_sky] Hi.", streamed);
    assert!(
        message.contains("set allow_voice_tags to true"),
        "{message}"
    );
    // A piece of a streamed text gives positions in the whole.
    let message = match parse_from("Hi [voice:af_sky] there.", streamed, 40) {
        Err(e) => e.to_string(),
        Ok(items) => panic!("{items:?}"),
    };
    assert!(message.contains("markup at character 44: "), "{message}");
    let stray = error("Hi <break time=\"1s\"/> there", TAGS);
    assert!(
        stray.contains("character 4") && stray.contains("ssml"),
        "{stray}"
    );
    // With ssml on but no <speak> root, SSML elements are still not read aloud.
    let rootless = error("Hi <break/> there", SSML);
    assert!(rootless.contains("<speak>"), "{rootless}");
    error("</prosody>", TAGS);
    // XML is case-sensitive: an upper-case root is not a missing one.
    for (input, options) in [("<SPEAK>Hi</SPEAK>", SSML), ("<Speak>Hi</Speak>", TAGS)] {
        let upper = error(input, options);
        assert!(
            upper.contains("lower case") && upper.contains("<speak>"),
            "{upper}"
        );
        assert!(!upper.contains("needs the whole input"), "{upper}");
    }
    // Inside <speak> too: <Break> and <SUB> are named in lower case, not unsupported.
    for (input, name) in [
        ("<speak>Hi <Break time=\"1s\"/> there</speak>", "<break>"),
        ("<speak><SUB alias=\"x\">y</SUB></speak>", "<sub>"),
    ] {
        let upper = error(input, SSML);
        assert!(
            upper.contains("lower case") && upper.contains(name),
            "{upper}"
        );
    }
}

#[test]
fn ssml_breaks() {
    assert_eq!(
        items("<speak>Hi<break time=\"750ms\"/>there</speak>", SSML),
        vec![text("Hi"), pause(750), text("there")]
    );
    assert_eq!(
        items(
            "<?xml version=\"1.0\"?>\n<!-- c --><speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"en-US\">a<break/>b<break strength=\"x-strong\"></break>c<break strength=\"weak\" />d<break strength=\"none\"/>e<break time=\" 1.5 S \"/></speak>",
            SSML
        ),
        vec![
            text("a"),
            pause(500),
            text("b"),
            pause(1500),
            text("c"),
            pause(250),
            text("d"),
            text("e"),
            pause(1500),
        ]
    );
    for bad in [
        "<speak><break time=\"11s\"/></speak>",
        "<speak><break time=\"soon\"/></speak>",
        "<speak><break strength=\"huge\"/></speak>",
        "<speak><break tme=\"1s\"/></speak>",
        "<speak><break>text</break></speak>",
    ] {
        error(bad, SSML);
    }
}

#[test]
fn ssml_sub_phoneme_say_as() {
    assert_eq!(
        items(
            "<speak>The city of <phoneme alphabet=\"ipa\" ph=\"wˈʊstər\">Worcester</phoneme> is easy.<break time=\"1s\"/>See?</speak>",
            SSML
        ),
        vec![
            text("The city of "),
            ipa("Worcester", "wˈʊstər"),
            text(" is easy."),
            pause(1000),
            text("See?"),
        ]
    );
    assert_eq!(
        items(
            "<speak>the <sub alias=\"World Wide Web Consortium\">W3C</sub>, <phoneme ph=\"t&#x259;me&#x26A;to&#x28A;\">tomato</phoneme></speak>",
            SSML
        ),
        vec![
            text("the "),
            alias("W3C", "World Wide Web Consortium"),
            text(", "),
            ipa("tomato", "təmeɪtoʊ"),
        ]
    );
    assert_eq!(
        items(
            "<speak>Here are <say-as interpret-as=\"characters\">SSML</say-as> samples. You are <say-as interpret-as=\"ordinal\">10</say-as> in line; call <say-as interpret-as=\"telephone\">555-123-4567</say-as> on <say-as interpret-as=\"date\" format=\"mdy\">3/14/2025</say-as> at <say-as interpret-as=\"time\">2:30pm</say-as>, <say-as interpret-as=\"cardinal\">12345</say-as>.</speak>",
            SSML
        ),
        vec![
            text("Here are "),
            alias("SSML", "S S M L"),
            text(" samples. You are "),
            alias("10", "tenth"),
            text(" in line; call "),
            alias(
                "555-123-4567",
                "five five five, one two three, four five six seven"
            ),
            text(" on "),
            alias("3/14/2025", "March fourteenth, twenty twenty five"),
            text(" at "),
            alias("2:30pm", "two thirty PM"),
            text(", "),
            alias("12345", "twelve thousand three hundred forty five"),
            text("."),
        ]
    );
    // An empty <sub> shows its alias.
    assert_eq!(
        items("<speak><sub alias=\"hello\"/></speak>", SSML),
        vec![alias("hello", "hello")]
    );
    for bad in [
        "<speak><sub>W3C</sub></speak>",
        "<speak><sub alias=\"\">W3C</sub></speak>",
        "<speak><sub alias=\"a [pause:1s] b\">W3C</sub></speak>",
        "<speak><sub alias=\"x\">a<break/>b</sub></speak>",
        "<speak><phoneme alphabet=\"x-sampa\" ph=\"pI\">pecan</phoneme></speak>",
        "<speak><phoneme>pecan</phoneme></speak>",
        "<speak><phoneme ph=\"  \">pecan</phoneme></speak>",
        "<speak><say-as interpret-as=\"currency\">$42.01</say-as></speak>",
        "<speak><say-as interpret-as=\"cardinal\">ten</say-as></speak>",
        "<speak><say-as>10</say-as></speak>",
        "<speak><say-as interpret-as=\"date\" format=\"mdy\">13/13/2013</say-as></speak>",
    ] {
        error(bad, SSML);
    }
}

#[test]
fn ssml_prosody_rates() {
    assert_eq!(
        items(
            "<speak>a<prosody rate=\"slow\">b<prosody rate=\"150%\">c</prosody>d</prosody>e<prosody rate=\"+20%\">f</prosody><prosody rate=\"1\" pitch=\"-2st\" volume=\"90\">g</prosody></speak>",
            SSML
        ),
        vec![
            text("a"),
            Item::Speed(0.75),
            text("b"),
            Item::Speed(1.5),
            text("c"),
            Item::Speed(0.75),
            text("d"),
            Item::Speed(1.0),
            text("e"),
            Item::Speed(1.2),
            text("f"),
            Item::Speed(1.0),
            text("g"),
        ]
    );
    assert_eq!(
        items(
            "<speak><prosody rate=\"x-fast\">a [voice:af_sky] b</prosody>c</speak>",
            SSML
        ),
        vec![
            Item::Speed(1.5),
            text("a "),
            voice("af_sky"),
            Item::Speed(1.0),
            text(" b"),
            // Back to the factor outside the prosody (1): already in force.
            text("c"),
        ]
    );
    for bad in ["5", "10%", "-80%", "quick", "", "1.2.3"] {
        error(
            &format!("<speak><prosody rate=\"{bad}\">a</prosody></speak>"),
            SSML,
        );
    }
}

#[test]
fn ssml_sentences_and_paragraphs() {
    assert_eq!(
        items(
            "<speak>Intro<p><s>This is sentence one</s><s>This is sentence two.</s></p><p>Next paragraph, </p></speak>",
            SSML
        ),
        vec![
            text("Intro."),
            pause(PARAGRAPH_PAUSE.as_millis() as u64),
            text("This is sentence one."),
            text("This is sentence two."),
            pause(PARAGRAPH_PAUSE.as_millis() as u64),
            text("Next paragraph."),
        ]
    );
    // An explicit break replaces the paragraph pause; a phoneme word gets the full stop.
    assert_eq!(
        items(
            "<speak><p>Say <phoneme ph=\"həˈloʊ\">hello</phoneme></p><break time=\"2s\"/><p>\"Done\"</p></speak>",
            SSML
        ),
        vec![
            text("Say "),
            ipa("hello", "həˈloʊ."),
            pause(2000),
            text("\"Done\"."),
        ]
    );
    assert_eq!(
        items("<speak><p>One!</p><p>Two?</p></speak>", SSML),
        vec![
            text("One!"),
            pause(PARAGRAPH_PAUSE.as_millis() as u64),
            text("Two?"),
        ]
    );
}

#[test]
fn ssml_text_reads_inline_tags_and_entities() {
    assert_eq!(
        items(
            "<speak>Fish &amp; chips [pause:1s] [Kokoro](/kˈOkəɹO/) &lt;break/&gt; <![CDATA[<b>]]></speak>",
            SSML
        ),
        vec![
            text("Fish & chips "),
            pause(1000),
            ipa("Kokoro", "kˈOkəɹO"),
            text(" <break/> <b>"),
        ]
    );
    // Plain input with ssml on is read as plain input.
    assert_eq!(
        items("No SSML here [pause:1s]", SSML),
        vec![text("No SSML here "), pause(1000)]
    );
}

#[test]
fn ssml_errors_say_what_and_where() {
    let unsupported = error("<speak>Hi <emphasis>there</emphasis></speak>", SSML);
    assert!(
        unsupported.contains("<emphasis> is not supported")
            && unsupported.contains("character 11")
            && unsupported.contains("say-as"),
        "{unsupported}"
    );
    for bad in [
        "<speak>unclosed",
        "<speak><p>mismatched</s></speak>",
        "<speak>a</speak>trailing",
        "<speak>a</speak><speak>b</speak>",
        "<speak><speak>a</speak></speak>",
        "<!DOCTYPE speak [<!ENTITY x \"boom\">]><speak>&x;</speak>",
        "<speak>&x;</speak>",
        "<speak>&#0;</speak>",
        "<speak a=\"1\" a=\"2\">x</speak>",
        "<speak><voice name=\"af_sky\">x</voice></speak>",
        "<speak><amazon:effect name=\"drc\">x</amazon:effect></speak>",
        "<speak><audio src=\"x.mp3\">x</audio></speak>",
        "<speak><p class=\"x\">y</p></speak>",
        "<speak><break time=\"1s\" a=\"1\" b=\"2\" c=\"3\" d=\"4\" e=\"5\" f=\"6\" g=\"7\" h=\"8\"/></speak>",
    ] {
        error(bad, SSML);
    }
    let deep = format!(
        "<speak>{}x{}</speak>",
        "<prosody>".repeat(MAX_DEPTH),
        "</prosody>".repeat(MAX_DEPTH)
    );
    assert!(error(&deep, SSML).contains("deeper"));
    let ok_depth = format!(
        "<speak>{}x{}</speak>",
        "<prosody>".repeat(MAX_DEPTH - 1),
        "</prosody>".repeat(MAX_DEPTH - 1)
    );
    assert_eq!(items(&ok_depth, SSML), vec![text("x")]);
}

#[test]
fn positions_count_characters_and_quotes_are_clipped() {
    // "é" is two bytes: the tag is at character 4, byte 6.
    let e = error("éé [pause:99s]", TAGS);
    assert!(e.contains("character 4"), "{e}");
    // In SSML, after entities (which are shorter decoded): still the input's position.
    let e = error("<speak>x &lt; y &#233; [pause:1h]</speak>", SSML);
    assert!(e.contains("character 24"), "{e}");
    let e = error("<speak>\n  <p>Hi <emphasis>x</emphasis></p></speak>", SSML);
    assert!(e.contains("character 17"), "{e}");
    let long_voice = format!("[voice:{}", "a".repeat(1000));
    let e = error(&long_voice, VOICE);
    assert!(e.chars().count() < 300, "{e}");
}

#[test]
fn bounded_and_linear_on_adversarial_input() {
    // Too many items.
    let many = "a[pause:0.01s]".repeat(MAX_ITEMS);
    assert!(error(&many, TAGS).contains("pieces"));
    // Many zero pauses make no items (and no quadratic work).
    let zeros = "[pause:0s]".repeat(20_000);
    assert_eq!(items(&zeros, TAGS), vec![]);
    // Brackets that never close, half tags, deep nesting without SSML.
    for junk in [
        "[".repeat(50_000),
        "[a](/".repeat(20_000),
        "[a](/b".repeat(20_000),
        "](/".repeat(20_000),
        "<".repeat(50_000),
        "<speak".repeat(10_000),
    ] {
        let _ = parse(&junk, VOICE);
        let _ = parse(&junk, SSML);
    }
    let nested = format!("<speak>{}", "<p>".repeat(50_000));
    assert!(error(&nested, SSML).contains("deeper"));
    let elements = format!("<speak>{}</speak>", "<s/>".repeat(20_000));
    assert_eq!(items(&elements, SSML), vec![]);
}
