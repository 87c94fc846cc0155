use proptest::prelude::*;
use rust_xlsxwriter::{Formula, Workbook};

use super::*;

fn texts(rows: &[Row]) -> Vec<Vec<String>> {
    rows.iter().map(Row::texts).collect()
}

#[test]
fn csv_with_bom_and_quotes_reads_back() {
    let rows = read(
        "a.csv",
        "\u{feff}姓名,技能\n王建国,\"驾驶,急救\"\n".as_bytes(),
    )
    .unwrap();
    assert_eq!(
        texts(&rows),
        [vec!["姓名", "技能"], vec!["王建国", "驾驶,急救"]]
    );
    assert_eq!(rows[1].number, 2);
}

#[test]
fn non_utf8_csv_is_refused_with_its_line() {
    // "姓名" in GBK is C3FB C3FB; the second line holds it.
    let bytes = b"name\n\xD0\xD5\xC3\xFB,1\n";
    let e = read("gbk.csv", bytes).unwrap_err();
    assert_eq!(e, SheetError::NotUtf8 { line: 2 });
    assert_eq!(e.code(), "csv_not_utf8");
}

#[test]
fn empty_and_legacy_files_are_refused() {
    assert_eq!(read("a.csv", b"").unwrap_err().code(), "file_empty");
    assert_eq!(
        read("a.xls", b"\xD0\xCF\x11\xE0rest").unwrap_err().code(),
        "file_format_unsupported"
    );
}

#[test]
fn xlsx_round_trips_as_text() {
    let bytes = write_xlsx(
        "台账",
        &["姓名", "身份证号码"],
        &[vec!["王建国".into(), "150525198001010012".into()]],
    )
    .unwrap();
    let rows = read("x.xlsx", &bytes).unwrap();
    assert_eq!(
        texts(&rows),
        [
            vec!["姓名", "身份证号码"],
            vec!["王建国", "150525198001010012"]
        ]
    );
}

#[test]
fn numbers_formulas_and_gaps_are_read_faithfully() {
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    s.write_string(0, 0, "a").unwrap();
    s.write_number(2, 0, 13800000001.0).unwrap();
    s.write_number(2, 1, 1.5).unwrap();
    s.write_formula(3, 0, Formula::new("=1+1").set_result("2"))
        .unwrap();
    let rows = read("f.xlsx", &book.save_to_buffer().unwrap()).unwrap();
    assert_eq!(rows.len(), 4);
    assert!(rows[1].is_blank());
    assert_eq!(rows[2].number, 3);
    assert_eq!(rows[2].texts(), ["13800000001", "1.5"]);
    assert_eq!(rows[3].formula_at(), Some(0));
    assert_eq!(rows[2].formula_at(), None);
}

#[test]
fn corrupt_xlsx_is_an_error_not_a_panic() {
    let mut bytes = write_xlsx("s", &["a"], &[]).unwrap();
    bytes.truncate(bytes.len() / 2);
    assert_eq!(read("x.xlsx", &bytes).unwrap_err().code(), "xlsx_corrupt");
    assert_eq!(
        read("x.xlsx", b"PK\x03\x04garbage").unwrap_err().code(),
        "xlsx_corrupt"
    );
}

#[test]
fn huge_xlsx_is_refused_without_allocating_its_claimed_size() {
    // One cell in the last row and column: a dense range would be 17 billion cells.
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    s.write_string(0, 0, "a").unwrap();
    s.write_string(1_048_575, 16_383, "far").unwrap();
    let e = read("h.xlsx", &book.save_to_buffer().unwrap()).unwrap_err();
    assert_eq!(e.code(), "too_many_rows");
    // Far-right content within the row limit is kept as one marker cell.
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    s.write_string(0, 0, "a").unwrap();
    s.write_string(0, 16_383, "far").unwrap();
    let rows = read("w.xlsx", &book.save_to_buffer().unwrap()).unwrap();
    assert_eq!(rows[0].cells.len(), MAX_COLUMNS + 1);
}

#[test]
fn csv_row_limit_holds() {
    let mut body = String::from("a\n");
    for _ in 0..=MAX_ROWS {
        body.push_str("x\n");
    }
    assert_eq!(
        read("big.csv", body.as_bytes()).unwrap_err().code(),
        "too_many_rows"
    );
}

/// Found by fuzzing (fuzz/ `import_rows`): calamine multiplies a cell reference's letters and
/// digits without overflow checks, so `ABCDEFGH2` or `A99999999999` panicked the reader (a 500
/// for the upload) in builds with overflow checks. Either the file is refused as corrupt, or
/// (release builds, where calamine wraps) the wrapped position stays inside the caps.
#[test]
fn overflowing_cell_references_do_not_panic() {
    for bytes in [
        &include_bytes!("testdata/cell_column_overflow.xlsx")[..],
        &include_bytes!("testdata/cell_row_overflow.xlsx")[..],
    ] {
        match read("overflow.xlsx", bytes) {
            Err(e) => assert!(
                matches!(e.code(), "xlsx_corrupt" | "too_many_rows"),
                "{e:?}"
            ),
            Ok(rows) => assert!(rows.iter().all(|r| r.cells.len() <= MAX_COLUMNS + 1)),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Any bytes at all, named either way: rows or a named error, never a panic.
    #[test]
    fn reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400), xlsx in any::<bool>()) {
        let name = if xlsx { "f.xlsx" } else { "f.csv" };
        match read(name, &bytes) {
            Ok(rows) => prop_assert!(!rows.is_empty()),
            Err(e) => prop_assert!(!e.code().is_empty() && !e.to_string().is_empty()),
        }
    }

    /// Arbitrary cell text written to xlsx reads back unchanged (trailing empties aside).
    #[test]
    fn xlsx_cells_round_trip(cells in proptest::collection::vec("[^\\p{C}]{1,20}", 1..6)) {
        let bytes = write_xlsx("s", &["h"], std::slice::from_ref(&cells)).unwrap();
        let rows = read("r.xlsx", &bytes).unwrap();
        prop_assert_eq!(rows[1].texts(), cells);
    }
}
