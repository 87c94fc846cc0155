//! What an uploaded .xlsx may unpack to, checked while streaming before any reader sees it.
//!
//! An .xlsx is a zip of XML parts, and deflate shrinks repeated bytes about a thousandfold: a
//! 1 MB upload can unpack to a 1 GiB shared string, which calamine's `Xlsx::new` would load
//! whole. So every part is inflated here through a fixed buffer and counted, and the check
//! stops at the first byte past a budget. The sizes the zip declares are never trusted.
//!
//! The budgets admit the largest real ledger with room to spare. A 200,000-row ledger of the
//! import template's six columns written by rust_xlsxwriter (name, ID number, phone, 是/否
//! twice, skills; `budget_tests::largest_real_ledger_fits_the_budgets` prints the figures)
//! packs to 5.7 MiB and unpacks to 62.5 MiB: a 50.9 MiB sheet, 11.6 MiB of shared strings,
//! 0.01 MiB of other parts, no run between `<` and `>` longer than 153 bytes. Writers that put
//! text inline in the sheet instead of shared strings make the sheet about that much larger.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use crate::{SheetError, MAX_CELL_BYTES};

/// Most bytes all parts together may unpack to: 4× a 200,000-row ledger's 62.5 MiB.
pub const MAX_UNPACKED_BYTES: u64 = 256 * MIB;
/// Most bytes the shared-strings part may unpack to: 4× a 200,000-row ledger's 11.6 MiB.
/// calamine's `Xlsx::new` loads this part whole, so it is the tightest budget.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 48 * MIB;
/// Most shared strings (`<si>` items): a 200,000-row ledger of six columns can hold at most
/// 1.2 million distinct ones. Without it, 48 MiB of empty strings (`<si/>`, ten million) would
/// cost calamine about 240 MB of `String`s; with it, at most about 50 MB besides the text.
pub const MAX_SHARED_STRINGS: u64 = 2_000_000;
/// Most bytes any other one part may unpack to: 3.8× a 200,000-row ledger's 50.9 MiB sheet.
pub const MAX_PART_BYTES: u64 = 192 * MIB;
/// Most parts (zip entries) a workbook may hold; a plain ledger has about ten, a workbook
/// with many pictures a few hundred.
pub const MAX_PARTS: usize = 10_000;

const MIB: u64 = 1024 * 1024;

/// Parts that are pictures, fonts, embedded documents or other binary payloads: byte budgets
/// only, as their bytes may hold long runs without `<` or `>`. Anything calamine reads as XML
/// is named otherwise, or is still bounded by `MAX_PART_BYTES`.
const BINARY_SUFFIXES: [&[u8]; 19] = [
    b".png", b".jpg", b".jpeg", b".jfif", b".gif", b".bmp", b".tif", b".tiff", b".emf", b".wmf",
    b".wdp", b".ico", b".bin", b".odttf", b".xlsx", b".xlsm", b".docx", b".pptx", b".zip",
];

/// Checks that an .xlsx (any zip upload) stays inside the unpack budgets: no more than
/// `MAX_PARTS` parts, `MAX_UNPACKED_BYTES` in all, `MAX_SHARED_STRINGS_BYTES` for the shared
/// strings, `MAX_PART_BYTES` for any other part, and no XML text or attribute run (bytes between
/// `<` and `>`) over `MAX_CELL_BYTES`.
/// Every upload path that accepts a zip calls this before reading or storing it.
pub fn check_zip_budget(bytes: &[u8]) -> Result<(), SheetError> {
    let corrupt = |e: zip::result::ZipError| SheetError::CorruptXlsx(e.to_string());
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    if archive.len() > MAX_PARTS {
        return Err(SheetError::XlsxTooManyParts { max: MAX_PARTS });
    }
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).map_err(corrupt)?;
        let name = part.name_raw().to_ascii_lowercase();
        let mut budget = PartBudget {
            max_bytes: if name.ends_with(b"sharedstrings.xml") {
                MAX_SHARED_STRINGS_BYTES
            } else {
                MAX_PART_BYTES
            },
            check_runs: !BINARY_SUFFIXES.iter().any(|s| name.ends_with(s)),
            bytes: 0,
            run: 0,
            items: name
                .ends_with(b"sharedstrings.xml")
                .then(ItemCount::default),
        };
        loop {
            let n = part
                .read(&mut buffer)
                .map_err(|e| SheetError::CorruptXlsx(e.to_string()))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > MAX_UNPACKED_BYTES {
                return Err(too_large(MAX_UNPACKED_BYTES));
            }
            budget.take(&buffer[..n])?;
        }
    }
    Ok(())
}

fn too_large(max: u64) -> SheetError {
    SheetError::XlsxTooLargeUnpacked { max_mib: max / MIB }
}

/// One part's count so far.
struct PartBudget {
    max_bytes: u64,
    check_runs: bool,
    bytes: u64,
    /// Bytes since the last `<` or `>`.
    run: u64,
    /// The shared strings' `<si>` items, counted in the shared-strings part only.
    items: Option<ItemCount>,
}

/// Counts `<si>`, `<si/>` and `<si …>` openings across chunks: a tiny matcher over the bytes,
/// so no chunk boundary hides one.
#[derive(Default)]
struct ItemCount {
    /// How much of `<si` has just been seen (0–3).
    matched: u8,
    items: u64,
}

impl ItemCount {
    fn take(&mut self, chunk: &[u8]) -> Result<(), SheetError> {
        for &b in chunk {
            self.matched = match (self.matched, b) {
                (_, b'<') => 1,
                (1, b's') => 2,
                (2, b'i') => 3,
                (3, b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n') => {
                    self.items += 1;
                    if self.items > MAX_SHARED_STRINGS {
                        return Err(SheetError::XlsxTooManyStrings {
                            max: MAX_SHARED_STRINGS,
                        });
                    }
                    0
                }
                _ => 0,
            };
        }
        Ok(())
    }
}

impl PartBudget {
    fn take(&mut self, chunk: &[u8]) -> Result<(), SheetError> {
        self.bytes += chunk.len() as u64;
        if self.bytes > self.max_bytes {
            return Err(too_large(self.max_bytes));
        }
        if let Some(items) = &mut self.items {
            items.take(chunk)?;
        }
        if !self.check_runs {
            return Ok(());
        }
        // Only the run before the first delimiter continues the last chunk's.
        let mut pieces = chunk.split(|b| *b == b'<' || *b == b'>');
        let first = pieces.next().unwrap_or_default().len() as u64;
        let mut longest = self.run + first;
        self.run = longest;
        for piece in pieces {
            self.run = piece.len() as u64;
            longest = longest.max(self.run);
        }
        if longest > MAX_CELL_BYTES as u64 {
            return Err(crate::cell_too_long());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> PartBudget {
        PartBudget {
            max_bytes: MAX_PART_BYTES,
            check_runs: true,
            bytes: 0,
            run: 0,
            items: None,
        }
    }

    #[test]
    fn shared_strings_are_counted_across_chunks_and_capped() {
        let mut c = ItemCount::default();
        c.take(b"<sst><si><t>a</t></si><s").unwrap();
        c.take(b"i/><si").unwrap();
        c.take(b" xml:space=\"preserve\"><t>b</t></si><sheet><sx>")
            .unwrap();
        assert_eq!(c.items, 3);
        let mut c = ItemCount {
            items: MAX_SHARED_STRINGS,
            ..ItemCount::default()
        };
        assert_eq!(
            c.take(b"<si/>").unwrap_err().code(),
            "xlsx_too_many_strings"
        );
    }

    #[test]
    fn a_run_is_counted_across_chunks_and_ends_at_a_delimiter() {
        let half = vec![b'x'; MAX_CELL_BYTES / 2];
        let mut b = budget();
        b.take(&half).unwrap();
        b.take(&half).unwrap();
        assert_eq!(b.take(b"x").unwrap_err().code(), "cell_too_long");

        let mut b = budget();
        b.take(&half).unwrap();
        b.take(b"<").unwrap();
        b.take(&half).unwrap();
        b.take(&half).unwrap();
        b.take(b">").unwrap();
        b.take(&half).unwrap();
        assert_eq!(b.run, half.len() as u64);
    }
}
