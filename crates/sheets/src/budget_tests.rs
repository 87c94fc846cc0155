//! Hostile files, built in memory while streaming: each answers its budget error, raised part way
//! through (the checks stop at the first byte or cell past a budget, never after the whole).

use std::io::{Cursor, Read};

use zip::write::SimpleFileOptions;
use zip::{ZipArchive, ZipWriter};

use super::*;
use crate::hostile::*;

/// A bomb is a small upload: at most `mib` MiB packed.
fn assert_packed_under(mib: usize, bytes: &[u8]) {
    assert!(bytes.len() < mib << 20, "{} bytes packed", bytes.len());
}

#[test]
fn one_shared_string_of_a_gibibyte_is_refused_at_the_cell_budget() {
    let bomb = one_long_shared_string(GIB);
    assert_packed_under(2, &bomb);
    let e = read("bomb.xlsx", &bomb).unwrap_err();
    assert_eq!(e, SheetError::CellTooLong { max_kib: 64 });
    assert_eq!(e.code(), "cell_too_long");
}

#[test]
fn a_gibibyte_of_short_shared_strings_is_refused_at_the_part_budget() {
    let bomb = many_short_shared_strings(GIB);
    assert_packed_under(4, &bomb);
    let e = check_zip_budget(&bomb).unwrap_err();
    assert_eq!(
        e,
        SheetError::XlsxTooLargeUnpacked {
            max_mib: MAX_SHARED_STRINGS_BYTES >> 20
        }
    );
    assert_eq!(read("bomb.xlsx", &bomb).unwrap_err(), e);
    assert_eq!(e.code(), "xlsx_too_large_unpacked");
}

#[test]
fn ten_million_empty_shared_strings_are_refused_at_the_item_budget() {
    let bomb = many_empty_shared_strings(10_000_000);
    let e = check_zip_budget(&bomb).unwrap_err();
    assert_eq!(
        e,
        SheetError::XlsxTooManyStrings {
            max: MAX_SHARED_STRINGS
        }
    );
    assert_eq!(read("bomb.xlsx", &bomb).unwrap_err(), e);
    assert_eq!(e.code(), "xlsx_too_many_strings");
}

#[test]
fn parts_together_may_not_pass_the_total_budget() {
    // Each part under its own budget, the three together over the total.
    let part = MAX_UNPACKED_BYTES / 3 + 1024;
    assert!(part < MAX_PART_BYTES);
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_level(Some(1));
    for name in ["a.xml", "b.xml", "c.xml"] {
        out.start_file(name, options).unwrap();
        repeat(&mut out, b"<c/>", part);
    }
    let bytes = out.finish().unwrap().into_inner();
    assert_eq!(
        check_zip_budget(&bytes).unwrap_err(),
        SheetError::XlsxTooLargeUnpacked {
            max_mib: MAX_UNPACKED_BYTES >> 20
        }
    );
}

#[test]
fn eighty_million_cells_in_one_row_are_refused_at_the_part_budget() {
    let bomb = one_row_of_cells(80_000_000);
    assert_packed_under(2, &bomb);
    let e = read("cells.xlsx", &bomb).unwrap_err();
    assert_eq!(
        e,
        SheetError::XlsxTooLargeUnpacked {
            max_mib: MAX_PART_BYTES >> 20
        }
    );
}

#[test]
fn cells_past_the_budget_are_refused_even_when_empty() {
    // Small enough for the byte budgets (16 MB unpacked): the cell count stops it.
    let sheet = one_row_of_cells(MAX_CELLS as u64 + 1);
    check_zip_budget(&sheet).unwrap();
    let e = read("cells.xlsx", &sheet).unwrap_err();
    assert_eq!(e, SheetError::TooManyCells);
    assert_eq!(e.code(), "too_many_cells");
}

#[test]
fn too_many_parts_are_refused() {
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..=MAX_PARTS {
        out.start_file(format!("p{i}.xml"), SimpleFileOptions::default())
            .unwrap();
    }
    let bytes = out.finish().unwrap().into_inner();
    let e = read("parts.xlsx", &bytes).unwrap_err();
    assert_eq!(e, SheetError::XlsxTooManyParts { max: MAX_PARTS });
}

#[test]
fn long_attribute_and_text_runs_are_refused_but_pictures_are_not() {
    let long = vec![b'x'; MAX_CELL_BYTES + 1];
    let attribute = with_part("xl/styles.xml", |out| {
        out.write_all(b"<styleSheet a=\"").unwrap();
        out.write_all(&long).unwrap();
        out.write_all(b"\"/>").unwrap();
    });
    assert_eq!(
        check_zip_budget(&attribute).unwrap_err().code(),
        "cell_too_long"
    );
    let picture = with_part("xl/media/image1.png", |out| out.write_all(&long).unwrap());
    check_zip_budget(&picture).unwrap();
}

#[test]
fn csv_cells_past_the_budget_are_refused_even_when_empty() {
    let commas = vec![b','; MAX_CELLS];
    let e = read("commas.csv", &commas).unwrap_err();
    assert_eq!(e, SheetError::TooManyCells);
    let mut just_under = vec![b','; MAX_CELLS - 1];
    just_under.push(b'\n');
    assert_eq!(
        read("commas.csv", &just_under).unwrap()[0].cells.len(),
        MAX_COLUMNS
    );
}

#[test]
fn csv_field_longer_than_a_cell_is_refused() {
    let mut body = b"a,\"".to_vec();
    body.extend(std::iter::repeat_n(b'x', MAX_CELL_BYTES + 1));
    body.extend(b"\"\n");
    let e = read("long.csv", &body).unwrap_err();
    assert_eq!(e, SheetError::CellTooLong { max_kib: 64 });
    // A field of exactly the budget is read (and clipped to what is kept).
    body.truncate(body.len() - 4);
    body.extend(b"\"\n");
    let rows = read("long.csv", &body).unwrap();
    assert_eq!(rows[0].cells[1].text.chars().count(), MAX_CELL_CHARS);
}

#[test]
fn csv_larger_than_its_byte_budget_is_refused() {
    let body = vec![b'a'; MAX_CSV_BYTES + 1];
    assert_eq!(read("big.csv", &body).unwrap_err().code(), "file_too_large");
}

/// A ledger of the import template's six columns at the row cap, as a real export writes it:
/// it must pass every budget. Prints its sizes (`-- --nocapture`), the figures the budgets'
/// doc comments quote.
#[test]
fn largest_real_ledger_fits_the_budgets() {
    let skills = ["驾驶", "急救,驾驶", "电工,水电维修,心理疏导", ""];
    let table: Vec<Vec<String>> = (0..MAX_ROWS)
        .map(|i| {
            vec![
                format!("王建{}", ["国", "军", "华明"][i % 3]),
                format!("150525{:08}{:04}", 19_800_101 + i % 300_000, i % 10_000),
                format!("138{:08}", i),
                ["是", "否"][i % 2].to_owned(),
                ["否", "是"][i % 5 / 4].to_owned(),
                skills[i % skills.len()].to_owned(),
            ]
        })
        .collect();
    let headers = [
        "姓名",
        "身份证号码",
        "手机号码",
        "退役军人",
        "中共党员",
        "技能",
    ];
    let bytes = write_xlsx("志愿者", &headers, &table).unwrap();
    drop(table);
    check_zip_budget(&bytes).unwrap();
    let mut archive = ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
    let mut total = 0;
    println!("packed: {} bytes", bytes.len());
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).unwrap();
        let name = part.name().unwrap().into_owned();
        let mut unpacked = Vec::new();
        part.read_to_end(&mut unpacked).unwrap();
        let longest_run = unpacked
            .split(|b| *b == b'<' || *b == b'>')
            .map(<[u8]>::len)
            .max()
            .unwrap_or(0);
        total += unpacked.len();
        println!(
            "{name}: {} bytes, longest run {longest_run}",
            unpacked.len()
        );
    }
    println!("unpacked in all: {total} bytes");
    let rows = read("ledger.xlsx", &bytes).unwrap();
    assert_eq!(rows.len(), MAX_ROWS + 1);
}
