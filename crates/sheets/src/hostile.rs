//! Hostile workbooks for tests (feature `hostile-files`): decompression bombs and runaway rows,
//! built while streaming so a test stays light (a 1 GiB part is written a mebibyte at a time
//! and packs to about 1 MiB).

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::write_xlsx;

pub const GIB: u64 = 1024 * 1024 * 1024;

/// A real workbook from `write_xlsx` whose part `name` is replaced by what `fill` streams in.
pub fn with_part(name: &str, fill: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
    let real = write_xlsx("s", &["a"], &[]).expect("a workbook");
    let mut source = ZipArchive::new(Cursor::new(real)).expect("its zip");
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..source.len() {
        let part = source.by_index_raw(i).expect("a part");
        if part.name().expect("a name") != name {
            out.raw_copy_file(part).expect("copied");
        }
    }
    // Level 9: repeated bytes pack about a thousandfold (level 1 only a hundredfold).
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9));
    out.start_file(name, options).expect("a new part");
    fill(&mut out);
    out.finish().expect("finished").into_inner()
}

/// Writes `piece` over and over until at least `total` bytes, a mebibyte at a time.
pub fn repeat(out: &mut dyn Write, piece: &[u8], total: u64) {
    let chunk = piece.repeat((1 << 20) / piece.len());
    let mut written = 0;
    while written < total {
        out.write_all(&chunk).expect("written");
        written += chunk.len() as u64;
    }
}

/// Shared strings holding one string of `bytes` bytes.
pub fn one_long_shared_string(bytes: u64) -> Vec<u8> {
    with_part("xl/sharedStrings.xml", |out| {
        out.write_all(b"<sst><si><t>").expect("written");
        repeat(out, b"a", bytes);
        out.write_all(b"</t></si></sst>").expect("written");
    })
}

/// Shared strings of short strings, `bytes` bytes in all.
pub fn many_short_shared_strings(bytes: u64) -> Vec<u8> {
    with_part("xl/sharedStrings.xml", |out| {
        out.write_all(b"<sst>").expect("written");
        // 56 bytes an item: the byte budget is crossed long before the item count.
        repeat(
            out,
            b"<si><t>abcdefghijklmnopqrstuvwxyzabcdefghijklmn</t></si>",
            bytes,
        );
        out.write_all(b"</sst>").expect("written");
    })
}

/// A shared-strings part of `count` empty strings (`<si/>`, the shortest an item can be).
pub fn many_empty_shared_strings(count: u64) -> Vec<u8> {
    with_part("xl/sharedStrings.xml", |out| {
        out.write_all(b"<sst>").expect("written");
        repeat(out, b"<si/>", count * 5);
        out.write_all(b"</sst>").expect("written");
    })
}

/// A sheet whose one row holds `cells` empty cells (`<c/>`, the shortest a cell can be).
pub fn one_row_of_cells(cells: u64) -> Vec<u8> {
    with_part("xl/worksheets/sheet1.xml", |out| {
        out.write_all(b"<worksheet><sheetData><row r=\"1\">")
            .expect("written");
        repeat(out, b"<c/>", cells * 4);
        out.write_all(b"</row></sheetData></worksheet>")
            .expect("written");
    })
}
