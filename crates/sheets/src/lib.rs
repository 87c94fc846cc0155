//! Spreadsheet ledgers in and out (.xlsx and .csv).
//!
//! Reading never trusts the file: CSV must be UTF-8 (a byte-order mark is allowed), an xlsx is
//! checked against unpack budgets while streaming (`unpack`, before calamine sees it) and then
//! streamed cell by cell (never as one dense range, whose size a hostile file could claim to
//! be 16384 × 1048576), rows, columns, cells and cell bytes are capped, and formula cells are
//! marked so the importer can refuse them rather than trust a cached value.

use std::io::Cursor;

#[cfg(any(test, feature = "hostile-files"))]
pub mod hostile;
pub mod muster;
pub mod reports;
mod unpack;

pub use unpack::{
    check_zip_budget, MAX_PARTS, MAX_PART_BYTES, MAX_SHARED_STRINGS, MAX_SHARED_STRINGS_BYTES,
    MAX_UNPACKED_BYTES,
};

/// Re-exported so tests and tools read and write with the same versions.
pub use calamine;
pub use rust_xlsxwriter;
pub use zip;

use calamine::{DataRef, Reader, Xlsx};
use csv_core::ReadFieldResult;
use rust_xlsxwriter::{Format, Workbook};

/// Most data rows (after the header) a file may hold.
pub const MAX_ROWS: usize = 200_000;
/// Most columns read; cells further right are reported as one extra cell.
pub const MAX_COLUMNS: usize = 64;
/// Longest cell text kept, in characters.
pub const MAX_CELL_CHARS: usize = 500;
/// Longest cell a file may hold, in bytes: a CSV field, or in an xlsx any XML text or attribute
/// run (bytes without `<` or `>`). Excel's own cap is 32,767 characters (up to 96 KiB of UTF-8
/// at worst, but a ledger cell is a name, a number or a few skills); only `MAX_CELL_CHARS` is
/// kept anyway. It also bounds the buffer quick-xml fills for one event inside calamine.
pub const MAX_CELL_BYTES: usize = 64 * 1024;
/// Most cells a file may hold, empty ones included (every cell the reader yields counts, so
/// walking a row of millions of empty cells stops here). A 200,000-row ledger of six columns
/// has 1.2 million; this leaves room for about twenty a row, such as the bordered empty cells
/// spreadsheet programs write.
pub const MAX_CELLS: usize = 4_000_000;
/// Largest CSV read (the import's upload limit is below it; other callers get the same cap).
pub const MAX_CSV_BYTES: usize = 64 * 1024 * 1024;

/// One cell as read: its text, and whether it held a formula (公式).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub formula: bool,
}

/// One row with its spreadsheet number (the header is row 1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    pub number: u32,
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn texts(&self) -> Vec<String> {
        self.cells.iter().map(|c| c.text.clone()).collect()
    }

    /// Index of the first formula cell, if any.
    pub fn formula_at(&self) -> Option<usize> {
        self.cells.iter().position(|c| c.formula)
    }

    pub fn is_blank(&self) -> bool {
        self.cells
            .iter()
            .all(|c| c.text.trim().is_empty() && !c.formula)
    }
}

/// Why a whole file can't be read. Each has a stable code and a zh-CN message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("文件不是 UTF-8 编码（第 {line} 行）；请在表格软件中另存为“CSV UTF-8”")]
    NotUtf8 { line: u64 },
    #[error("文件已损坏或不是有效的 .xlsx：{0}")]
    CorruptXlsx(String),
    #[error("CSV 格式错误：{0}")]
    CorruptCsv(String),
    #[error("文件最多 {MAX_ROWS} 行数据")]
    TooManyRows,
    #[error("文件是空的")]
    Empty,
    #[error("只接受 .xlsx 或 UTF-8 编码的 .csv 文件")]
    UnsupportedFormat,
    #[error("生成表格失败：{0}")]
    Write(String),
    #[error("文件解压后过大（超过 {max_mib} MB），不像正常的表格；请只保留需要的数据后重试")]
    XlsxTooLargeUnpacked { max_mib: u64 },
    #[error("文件包含的部件过多（超过 {max} 个），不像正常的表格")]
    XlsxTooManyParts { max: usize },
    #[error("文件中的不同文字条目过多（超过 {max} 条），不像正常的表格")]
    XlsxTooManyStrings { max: u64 },
    #[error("单元格内容过长（超过 {max_kib} KB）")]
    CellTooLong { max_kib: u64 },
    #[error("文件单元格过多（最多 {MAX_CELLS} 个，空单元格也算）；请只保留需要的数据后重试")]
    TooManyCells,
    #[error("文件过大（最多 {max_mib} MB）")]
    TooLarge { max_mib: usize },
}

impl SheetError {
    pub fn code(&self) -> &'static str {
        match self {
            SheetError::NotUtf8 { .. } => "csv_not_utf8",
            SheetError::CorruptXlsx(_) => "xlsx_corrupt",
            SheetError::CorruptCsv(_) => "csv_corrupt",
            SheetError::TooManyRows => "too_many_rows",
            SheetError::Empty => "file_empty",
            SheetError::UnsupportedFormat => "file_format_unsupported",
            SheetError::Write(_) => "sheet_write_failed",
            SheetError::XlsxTooLargeUnpacked { .. } => "xlsx_too_large_unpacked",
            SheetError::XlsxTooManyParts { .. } => "xlsx_too_many_parts",
            SheetError::XlsxTooManyStrings { .. } => "xlsx_too_many_strings",
            SheetError::CellTooLong { .. } => "cell_too_long",
            SheetError::TooManyCells => "too_many_cells",
            SheetError::TooLarge { .. } => "file_too_large",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Xlsx,
    Csv,
}

/// The kind of a file, by its content first (an xlsx is a zip: `PK\x03\x04`), then its name.
pub fn detect(file_name: &str, bytes: &[u8]) -> Result<FileKind, SheetError> {
    if bytes.is_empty() {
        return Err(SheetError::Empty);
    }
    let lower = file_name.to_ascii_lowercase();
    if bytes.starts_with(b"PK\x03\x04") || lower.ends_with(".xlsx") {
        return Ok(FileKind::Xlsx);
    }
    if lower.ends_with(".xls") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(SheetError::UnsupportedFormat);
    }
    Ok(FileKind::Csv)
}

/// Reads every row of the first sheet (or the CSV), header included.
pub fn read(file_name: &str, bytes: &[u8]) -> Result<Vec<Row>, SheetError> {
    match detect(file_name, bytes)? {
        FileKind::Xlsx => read_xlsx(bytes),
        FileKind::Csv => read_csv(bytes),
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() > MAX_CELL_CHARS {
        s.chars().take(MAX_CELL_CHARS).collect()
    } else {
        s.to_owned()
    }
}

/// Reads a UTF-8 CSV (comma separated, quotes as RFC 4180, blank lines skipped). A leading BOM
/// is dropped.
///
/// Parsed field by field into one fixed buffer (csv-core), so a line of millions of commas
/// stops at `MAX_CELLS` rather than being gathered into one record first.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<Row>, SheetError> {
    if bytes.len() > MAX_CSV_BYTES {
        return Err(SheetError::TooLarge {
            max_mib: MAX_CSV_BYTES >> 20,
        });
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(body) {
        let line = body[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64
            + 1;
        return Err(SheetError::NotUtf8 { line });
    }
    let mut parser = csv_core::Reader::new();
    let mut input = body;
    let mut field = vec![0u8; MAX_CELL_BYTES];
    let mut filled = 0;
    let mut table = Table::default();
    loop {
        let (result, read, written) = parser.read_field(input, &mut field[filled..]);
        input = &input[read..];
        filled += written;
        match result {
            // All input was given at once: the next call, with none, ends the last field.
            ReadFieldResult::InputEmpty => {}
            ReadFieldResult::OutputFull => return Err(cell_too_long()),
            ReadFieldResult::Field { record_end } => {
                // Valid UTF-8 was checked for the whole body above, and a field is whole.
                table.push_cell(clip(&String::from_utf8_lossy(&field[..filled])))?;
                filled = 0;
                if record_end {
                    table.end_row()?;
                }
            }
            ReadFieldResult::End => break,
        }
    }
    if table.rows.is_empty() {
        return Err(SheetError::Empty);
    }
    Ok(table.rows)
}

fn cell_too_long() -> SheetError {
    SheetError::CellTooLong {
        max_kib: MAX_CELL_BYTES as u64 / 1024,
    }
}

/// CSV rows as they are parsed, with the row, column and cell caps.
#[derive(Default)]
struct Table {
    rows: Vec<Row>,
    row: Vec<Cell>,
    cells: usize,
}

impl Table {
    fn push_cell(&mut self, text: String) -> Result<(), SheetError> {
        self.cells += 1;
        if self.cells > MAX_CELLS {
            return Err(SheetError::TooManyCells);
        }
        if self.row.len() < MAX_COLUMNS {
            self.row.push(Cell {
                text,
                formula: false,
            });
        }
        Ok(())
    }

    fn end_row(&mut self) -> Result<(), SheetError> {
        if self.rows.len() > MAX_ROWS {
            return Err(SheetError::TooManyRows);
        }
        self.rows.push(Row {
            number: self.rows.len() as u32 + 1,
            cells: std::mem::take(&mut self.row),
        });
        Ok(())
    }
}

/// Numbers as a person typed them: whole numbers without a decimal point (a phone number
/// stored as a number is still 13800000001), others as Rust prints them.
fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn cell_text(v: &DataRef<'_>) -> String {
    match v {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::String(s) => clip(s),
        DataRef::SharedString(s) => clip(s),
        DataRef::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        DataRef::DateTime(d) => number_text(d.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => clip(s),
        DataRef::Error(e) => format!("#{e:?}"),
        DataRef::Empty => String::new(),
    }
}

/// Streams the first worksheet's cells. Rows may come sparse; blank rows in between are
/// kept (as empty rows) so row numbers stay those of the spreadsheet.
///
/// A panic inside calamine is a corrupt file, not a crash: calamine 0.38 multiplies cell
/// references like `ABCDEFGH1` without overflow checks (found by `fuzz/`'s `import_rows`), which
/// panics in builds with overflow checks and wraps in release builds.
pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<Row>, SheetError> {
    check_zip_budget(bytes)?;
    std::panic::catch_unwind(|| stream_xlsx(bytes)).unwrap_or_else(|_| {
        Err(SheetError::CorruptXlsx(
            "单元格引用无效（读取时出错）".to_owned(),
        ))
    })
}

fn stream_xlsx(bytes: &[u8]) -> Result<Vec<Row>, SheetError> {
    let corrupt = |e: &dyn std::fmt::Display| SheetError::CorruptXlsx(e.to_string());
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| corrupt(&e))?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(SheetError::Empty)?;
    let mut reader = book
        .worksheet_cells_reader(&first)
        .map_err(|e| corrupt(&e))?;
    let mut rows: Vec<Row> = Vec::new();
    let mut cells = 0usize;
    while let Some(c) = reader.next_cell_with_formula().map_err(|e| corrupt(&e))? {
        cells += 1;
        if cells > MAX_CELLS {
            return Err(SheetError::TooManyCells);
        }
        let (r, col) = (c.pos.0 as usize, c.pos.1 as usize);
        if r > MAX_ROWS {
            return Err(SheetError::TooManyRows);
        }
        let formula = c.formula.as_deref().is_some_and(|f| !f.is_empty());
        if c.value == DataRef::Empty && !formula {
            continue;
        }
        while rows.len() <= r {
            rows.push(Row {
                number: rows.len() as u32 + 1,
                cells: Vec::new(),
            });
        }
        let row = &mut rows[r];
        if col >= MAX_COLUMNS {
            // Far-right content: one marker cell past the last column, so the row is reported.
            if row.cells.len() <= MAX_COLUMNS {
                row.cells.resize(MAX_COLUMNS, Cell::default());
                row.cells.push(Cell {
                    text: "…".to_owned(),
                    formula,
                });
            }
            continue;
        }
        if row.cells.len() <= col {
            row.cells.resize(col + 1, Cell::default());
        }
        row.cells[col] = Cell {
            text: cell_text(&c.value),
            formula,
        };
    }
    if rows.is_empty() {
        return Err(SheetError::Empty);
    }
    Ok(rows)
}

/// Writes one sheet: a bold header row, then the rows, every column as text (so ID and
/// phone numbers stay text when the file is opened in Excel or WPS).
pub fn write_xlsx(
    sheet_name: &str,
    headers: &[&str],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, SheetError> {
    let err = |e: rust_xlsxwriter::XlsxError| SheetError::Write(e.to_string());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).map_err(err)?;
    let text = Format::new().set_num_format("@");
    let bold = Format::new().set_bold().set_num_format("@");
    for (c, h) in headers.iter().enumerate() {
        let col = c as u16;
        sheet
            .set_column_format(col, &text)
            .map_err(err)?
            .set_column_width(col, 16)
            .map_err(err)?;
        sheet
            .write_string_with_format(0, col, *h, &bold)
            .map_err(err)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet
                    .write_string_with_format(r as u32 + 1, c as u16, v, &text)
                    .map_err(err)?;
            }
        }
    }
    book.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod budget_tests;
#[cfg(test)]
mod tests;
