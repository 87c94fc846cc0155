//! Report tables (统计报表) as .xlsx, the way they go up the hierarchy on paper and as files:
//! a title across the table, a line saying who made it and when (制表单位、统计时间), a
//! bordered header, the rows, and an optional total row (合计). Counts are written as
//! numbers so a reader can sum them in Excel or WPS; names and codes as text. One workbook
//! may hold several sheets (001's report has three).

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::SheetError;

/// One cell of a report.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    /// A measure such as hours or a percentage, shown with up to two decimals.
    Num(f64),
    Empty,
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Num(n)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Value::Empty)
    }
}

/// One sheet of a report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportSheet {
    /// The tab's name (at most 31 characters; `[]:*?/\` are replaced).
    pub name: String,
    /// The title across the top, e.g. 奈曼旗注册志愿者统计表.
    pub title: String,
    /// The line under the title, e.g. 制表单位：奈曼旗　统计时间：2026-05-01.
    pub subtitle: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// A last row in bold (合计).
    pub total: Option<Vec<Value>>,
}

/// Most rows one sheet may hold (Excel's limit is 1,048,576 including the top lines).
pub const MAX_REPORT_ROWS: usize = 1_000_000;

/// The row (0-based) of the header: title and subtitle come first.
pub const HEADER_ROW: u32 = 2;

fn sheet_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    if clean.trim().is_empty() {
        "Sheet1".to_owned()
    } else {
        clean
    }
}

/// Display width of a text in Excel's units: a CJK character takes two.
fn width_of(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 1.1 } else { 2.1 })
        .sum()
}

fn value_width(v: &Value) -> f64 {
    match v {
        Value::Text(s) => width_of(s),
        Value::Int(n) => n.to_string().len() as f64 * 1.1,
        Value::Num(n) => format!("{n:.2}").len() as f64 * 1.1,
        Value::Empty => 0.0,
    }
}

struct Formats {
    title: Format,
    subtitle: Format,
    header: Format,
    text: Format,
    int: Format,
    num: Format,
    total_text: Format,
    total_int: Format,
    total_num: Format,
}

impl Formats {
    fn new() -> Formats {
        let cell = Format::new().set_border(FormatBorder::Thin);
        let text = cell.clone().set_num_format("@");
        let int = cell.clone().set_num_format("0");
        let num = cell.clone().set_num_format("0.00");
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center),
            subtitle: Format::new().set_align(FormatAlign::Left),
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(0xE8_EE_F7)),
            total_text: text.clone().set_bold(),
            total_int: int.clone().set_bold(),
            total_num: num.clone().set_bold(),
            text,
            int,
            num,
        }
    }
}

fn write_row(
    ws: &mut Worksheet,
    row: u32,
    values: &[Value],
    f: &Formats,
    bold: bool,
) -> Result<(), XlsxError> {
    for (c, v) in values.iter().enumerate() {
        let col = c as u16;
        let (text, int, num) = if bold {
            (&f.total_text, &f.total_int, &f.total_num)
        } else {
            (&f.text, &f.int, &f.num)
        };
        match v {
            Value::Text(s) => ws.write_string_with_format(row, col, s, text)?,
            Value::Int(n) => ws.write_number_with_format(row, col, *n as f64, int)?,
            Value::Num(n) if n.is_finite() => ws.write_number_with_format(row, col, *n, num)?,
            Value::Num(_) | Value::Empty => ws.write_blank(row, col, text)?,
        };
    }
    Ok(())
}

fn write_sheet(book: &mut Workbook, s: &ReportSheet, f: &Formats) -> Result<(), XlsxError> {
    let ws = book.add_worksheet();
    ws.set_name(sheet_name(&s.name))?;
    let cols = s.headers.len().max(1) as u16;
    if cols > 1 {
        ws.merge_range(0, 0, 0, cols - 1, &s.title, &f.title)?;
        ws.merge_range(1, 0, 1, cols - 1, &s.subtitle, &f.subtitle)?;
    } else {
        ws.write_string_with_format(0, 0, &s.title, &f.title)?;
        ws.write_string_with_format(1, 0, &s.subtitle, &f.subtitle)?;
    }
    ws.set_row_height(0, 28)?;
    for (c, h) in s.headers.iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, c as u16, h, &f.header)?;
    }
    let mut widths: Vec<f64> = s.headers.iter().map(|h| width_of(h).min(24.0)).collect();
    for (r, row) in s.rows.iter().enumerate() {
        write_row(ws, HEADER_ROW + 1 + r as u32, row, f, false)?;
        for (c, v) in row.iter().enumerate().take(widths.len()) {
            widths[c] = widths[c].max(value_width(v));
        }
    }
    if let Some(total) = &s.total {
        write_row(ws, HEADER_ROW + 1 + s.rows.len() as u32, total, f, true)?;
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, w.clamp(6.0, 48.0) + 1.0)?;
    }
    ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
    Ok(())
}

/// Writes the sheets into one workbook.
pub fn write_report(sheets: &[ReportSheet]) -> Result<Vec<u8>, SheetError> {
    let err = |e: XlsxError| SheetError::Write(e.to_string());
    if sheets.iter().any(|s| s.rows.len() > MAX_REPORT_ROWS) {
        return Err(SheetError::TooManyRows);
    }
    let f = Formats::new();
    let mut book = Workbook::new();
    let mut names: Vec<String> = Vec::new();
    for s in sheets {
        // Tab names must differ: number repeats.
        let mut sheet = s.clone();
        let mut name = sheet_name(&s.name);
        let mut n = 2;
        while names.contains(&name) {
            name = sheet_name(&format!(
                "{}{n}",
                s.name.chars().take(28).collect::<String>()
            ));
            n += 1;
        }
        names.push(name.clone());
        sheet.name = name;
        write_sheet(&mut book, &sheet, &f).map_err(err)?;
    }
    if sheets.is_empty() {
        book.add_worksheet();
    }
    book.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    fn sheet() -> ReportSheet {
        ReportSheet {
            name: "注册志愿者统计表".into(),
            title: "奈曼旗注册志愿者统计表".into(),
            subtitle: "制表单位：奈曼旗　统计时间：2026-05-01".into(),
            headers: vec![
                "地区".into(),
                "常住人口".into(),
                "注册志愿者".into(),
                "比例(%)".into(),
            ],
            rows: vec![
                vec![
                    "大沁他拉镇".into(),
                    52_000i64.into(),
                    5_300i64.into(),
                    10.19f64.into(),
                ],
                vec!["八仙筒镇".into(), Value::Empty, 12i64.into(), Value::Empty],
            ],
            total: Some(vec![
                "合计".into(),
                52_000i64.into(),
                5_312i64.into(),
                10.22f64.into(),
            ]),
        }
    }

    #[test]
    fn a_report_reads_back_with_numbers_as_numbers() {
        let bytes = write_report(&[sheet()]).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), vec!["注册志愿者统计表".to_owned()]);
        let range = book.worksheet_range("注册志愿者统计表").unwrap();
        assert_eq!(
            range.get_value((0, 0)),
            Some(&Data::String("奈曼旗注册志愿者统计表".into()))
        );
        assert_eq!(
            range.get_value((2, 2)),
            Some(&Data::String("注册志愿者".into()))
        );
        assert_eq!(
            range.get_value((3, 0)),
            Some(&Data::String("大沁他拉镇".into()))
        );
        assert_eq!(range.get_value((3, 2)), Some(&Data::Float(5300.0)));
        assert_eq!(range.get_value((3, 3)), Some(&Data::Float(10.19)));
        assert_eq!(range.get_value((5, 0)), Some(&Data::String("合计".into())));
        assert_eq!(range.get_value((5, 2)), Some(&Data::Float(5312.0)));
    }

    #[test]
    fn several_sheets_with_awkward_names() {
        let mut a = sheet();
        a.name = "组成/情况:[一]".into();
        let b = ReportSheet {
            name: a.name.clone(),
            headers: vec!["只有一列".into()],
            rows: vec![vec!["x".into()]],
            ..Default::default()
        };
        let bytes = write_report(&[a, b]).unwrap();
        let book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        assert_eq!(
            book.sheet_names(),
            vec!["组成_情况__一_".to_owned(), "组成_情况__一_2".to_owned()]
        );
        assert!(write_report(&[]).is_ok());
    }
}
