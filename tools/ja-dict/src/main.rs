//! `ja-dict SRC OUT`: compiles NAIST-jdic's MeCab sources in SRC (naist-jdic.csv, matrix.def,
//! char.def, unk.def, converted to UTF-8) into the vibrato dictionary OUT that ttsd's Japanese
//! G2P loads.
//!
//! Each entry keeps only the features the G2P reads, in this order: four part-of-speech
//! fields, conjugation type, conjugation form, reading, pronunciation (the base form and
//! NAIST-jdic's two extra fields, spelling variants and compound structure, go: a third of
//! the size and load time). Unknown word classes (unk.def) get the same layout with no
//! reading. Entries with a quoted field (the ASCII comma and double quote) are dropped: the
//! G2P looks up full-width forms only.
//!
//! Compiling takes a few seconds and about 200 MB; loading the result takes a tenth of that.

use std::fs;
use std::io::{BufWriter, Cursor, Write};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [src, out] = args.as_slice() else {
        eprintln!("usage: ja-dict SRC_DIR OUT_FILE");
        return ExitCode::from(2);
    };
    match run(Path::new(src), Path::new(out)) {
        Ok(n) => {
            eprintln!("ja-dict: {n} entries compiled into {out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ja-dict: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(src: &Path, out: &Path) -> Result<usize, Box<dyn std::error::Error>> {
    let read = |name: &str| {
        fs::read_to_string(src.join(name)).map_err(|e| format!("{}: {e}", src.join(name).display()))
    };
    let (lex, n) = lexicon(&read("naist-jdic.csv")?);
    let unk = unknown(&read("unk.def")?);
    let dict = vibrato::SystemDictionaryBuilder::from_readers(
        Cursor::new(lex),
        Cursor::new(read("matrix.def")?),
        Cursor::new(read("char.def")?),
        Cursor::new(unk),
    )?;
    let tmp = out.with_extension("tmp");
    let mut w = BufWriter::new(fs::File::create(&tmp)?);
    dict.write(&mut w)?;
    w.flush()?;
    drop(w);
    fs::rename(&tmp, out)?;
    Ok(n)
}

/// surface,left,right,cost,pos1..4,ctype,cform,base,reading,pron[,…] →
/// surface,left,right,cost,pos1..4,ctype,cform,reading,pron
fn lexicon(csv: &str) -> (String, usize) {
    let mut out = String::with_capacity(csv.len());
    let mut n = 0;
    for line in csv.lines() {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 13 || f[..13].iter().any(|x| x.contains('"')) {
            continue;
        }
        out.push_str(&f[..10].join(","));
        out.push(',');
        out.push_str(&f[11..13].join(","));
        out.push('\n');
        n += 1;
    }
    (out, n)
}

/// class,left,right,cost,pos1..4,ctype,cform[,…] → the same with `*` reading and pron.
fn unknown(def: &str) -> String {
    let mut out = String::new();
    for line in def.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        let mut g: Vec<&str> = f.iter().take(10).copied().collect();
        g.resize(10, "*");
        out.push_str(&g.join(","));
        out.push_str(",*,*\n");
    }
    out
}
