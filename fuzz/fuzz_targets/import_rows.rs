//! Fuzzes the ledger import (台账导入) behind `POST /api/v1/imports/volunteers` from the bytes
//! up: `zhiyuan_sheets::read` (CSV or streamed xlsx), the header check and the row parser, in
//! the order `App::open_file` and `App::check_row` run them (crates/app/src/recruitment/imports.rs;
//! the database half of the import is not parsing and is left to tests/it).
//!
//! Input: the first byte picks the file name the browser sent (.csv, .xlsx, .xls, none), the
//! rest is the file. Content decides the kind first (`PK\x03\x04` is an xlsx), so both readers
//! see every input shape.

#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use zhiyuan_domain::recruitment::{
    check_import_headers, parse_import_row, IMPORT_FIELDS, IMPORT_HEADERS,
};
use zhiyuan_sheets::{Row, SheetError, MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS};

const NAMES: [&str; 4] = ["志愿者.csv", "志愿者.xlsx", "old.xls", "upload"];

fn check_rows(rows: &[Row]) {
    assert!(!rows.is_empty(), "Ok(rows) is never empty");
    assert!(rows.len() <= MAX_ROWS + 1, "{} rows", rows.len());
    for (i, row) in rows.iter().enumerate() {
        // Row numbers are the spreadsheet's: 1-based, in order, none skipped (blank rows kept).
        assert_eq!(row.number as usize, i + 1, "row numbers");
        // At most the capped columns plus one marker for far-right content.
        assert!(
            row.cells.len() <= MAX_COLUMNS + 1,
            "{} cells",
            row.cells.len()
        );
        for c in &row.cells {
            assert!(c.text.chars().count() <= MAX_CELL_CHARS, "cell too long");
        }
    }
}

fn check_sheet_error(e: &SheetError) {
    assert!(!e.code().is_empty() && !e.to_string().is_empty());
    if let SheetError::NotUtf8 { line } = e {
        assert!(*line >= 1);
    }
}

/// `zhiyuan_sheets::read_xlsx` turns a panic inside calamine into `CorruptXlsx` (calamine 0.38
/// overflows on long cell references). libFuzzer's panic hook would abort before that
/// `catch_unwind` runs, so panics raised inside calamine are let through to it; any other panic,
/// and a calamine panic nobody catches, still aborts the run.
fn let_calamine_panics_unwind() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info
                .location()
                .is_some_and(|l| l.file().contains("/calamine-"))
            {
                fuzzer_hook(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    let_calamine_panics_unwind();
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let rows = match zhiyuan_sheets::read(name, bytes) {
        Ok(rows) => rows,
        Err(e) => return check_sheet_error(&e),
    };
    check_rows(&rows);
    let header = &rows[0];
    if header.formula_at().is_some() {
        return; // refused as a whole file ("表头不能是公式")
    }
    if let Err(e) = check_import_headers(&header.texts()) {
        assert_eq!(e.code(), "import_header_invalid");
        assert!(e.message().chars().count() < 200, "the echo is cut short");
        return;
    }
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).expect("a date");
    for row in rows[1..].iter().filter(|r| !r.is_blank()) {
        assert!(row.number >= 2, "data rows follow the header");
        if row.formula_at().is_some() {
            continue; // rejected as formula_not_allowed, before the row parser
        }
        match parse_import_row(&row.texts(), today) {
            Ok(r) => {
                assert_eq!(r.id_number.as_str().len(), 18);
                assert!(!r.name.as_str().is_empty());
                assert_eq!(r.phone.as_str().len(), 11);
            }
            Err(problems) => {
                assert!(!problems.is_empty(), "a rejected row names its problems");
                for p in &problems {
                    let known = IMPORT_FIELDS
                        .iter()
                        .zip(IMPORT_HEADERS)
                        .any(|(f, h)| p.field == *f && p.column == h)
                        || (p.field == "row" && p.column.is_empty());
                    assert!(known, "field {} / column {}", p.field, p.column);
                    assert!(!p.code.is_empty() && !p.reason.is_empty());
                }
            }
        }
    }
});
