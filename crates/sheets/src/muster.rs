//! The muster report of an incident (应急集结点名册): a title, the incident's facts, then one
//! line per called-up volunteer (answer, time on site, hours, what became of the record).
//! Text columns stay text (volunteer numbers), hours and distances are numbers so a
//! spreadsheet can add them up.

use rust_xlsxwriter::{Format, Workbook};

use crate::SheetError;

/// One called-up volunteer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MusterLine {
    pub seq: i64,
    pub name: String,
    pub volunteer_no: String,
    /// The answer as shown (已接受, 已婉拒, 超时未响应, …).
    pub status: String,
    pub distance_km: Option<f64>,
    pub called_at: String,
    pub responded_at: String,
    /// First arrival and last departure ("" when never on site).
    pub arrived_at: String,
    pub left_at: String,
    /// Time on site, hours.
    pub hours: f64,
    /// What the close made of it (服务记录状态), or why not.
    pub record: String,
}

/// The whole report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Muster {
    pub title: String,
    /// Label and value, one row each (事件类型, 地点, 指挥机构, 需要人数, …).
    pub facts: Vec<(String, String)>,
    pub lines: Vec<MusterLine>,
}

/// The column headers of the lines.
pub const MUSTER_HEADERS: [&str; 11] = [
    "序号",
    "姓名",
    "志愿者编号",
    "响应",
    "距离(公里)",
    "召集时间",
    "回复时间",
    "到场时间",
    "离场时间",
    "在场时长(小时)",
    "服务记录",
];

/// Writes the report as one sheet named 点名册.
pub fn write_muster(m: &Muster) -> Result<Vec<u8>, SheetError> {
    let err = |e: rust_xlsxwriter::XlsxError| SheetError::Write(e.to_string());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("点名册").map_err(err)?;
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let number = Format::new().set_num_format("0.00");
    sheet
        .write_string_with_format(0, 0, &m.title, &title)
        .map_err(err)?;
    let mut row = 2u32;
    for (label, value) in &m.facts {
        sheet
            .write_string_with_format(row, 0, label, &bold)
            .map_err(err)?;
        sheet
            .write_string_with_format(row, 1, value, &text)
            .map_err(err)?;
        row += 1;
    }
    row += 1;
    for (c, h) in MUSTER_HEADERS.iter().enumerate() {
        sheet
            .set_column_width(c as u16, if c == 1 { 10 } else { 16 })
            .map_err(err)?;
        sheet
            .write_string_with_format(row, c as u16, *h, &bold)
            .map_err(err)?;
    }
    for l in &m.lines {
        row += 1;
        sheet.write_number(row, 0, l.seq as f64).map_err(err)?;
        let texts = [
            (1, &l.name),
            (2, &l.volunteer_no),
            (3, &l.status),
            (5, &l.called_at),
            (6, &l.responded_at),
            (7, &l.arrived_at),
            (8, &l.left_at),
            (10, &l.record),
        ];
        for (c, v) in texts {
            if !v.is_empty() {
                sheet
                    .write_string_with_format(row, c, v, &text)
                    .map_err(err)?;
            }
        }
        if let Some(d) = l.distance_km {
            sheet
                .write_number_with_format(row, 4, d, &number)
                .map_err(err)?;
        }
        sheet
            .write_number_with_format(row, 9, l.hours, &number)
            .map_err(err)?;
    }
    book.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn muster_reads_back() {
        let m = Muster {
            title: "防汛应急演练 集结点名册".into(),
            facts: vec![
                ("事件类型".into(), "演练".into()),
                ("需要人数".into(), "3".into()),
            ],
            lines: vec![
                MusterLine {
                    seq: 1,
                    name: "王建国".into(),
                    volunteer_no: "0012345678".into(),
                    status: "已接受".into(),
                    distance_km: Some(1.25),
                    called_at: "2026-07-01 09:00".into(),
                    arrived_at: "2026-07-01 09:30".into(),
                    left_at: "2026-07-01 12:00".into(),
                    hours: 2.5,
                    record: "已计入（approved）".into(),
                    ..Default::default()
                },
                MusterLine {
                    seq: 2,
                    name: "李四".into(),
                    status: "已婉拒".into(),
                    ..Default::default()
                },
            ],
        };
        let bytes = write_muster(&m).unwrap();
        let rows = crate::read_xlsx(&bytes).unwrap();
        let texts: Vec<Vec<String>> = rows.iter().map(|r| r.texts()).collect();
        assert_eq!(texts[0][0], "防汛应急演练 集结点名册");
        assert!(texts
            .iter()
            .any(|r| r.first().map(String::as_str) == Some("需要人数") && r[1] == "3"));
        let header = texts
            .iter()
            .position(|r| r.first().map(String::as_str) == Some("序号"))
            .unwrap();
        assert_eq!(texts[header], MUSTER_HEADERS);
        let first = &texts[header + 1];
        assert_eq!(
            (first[1].as_str(), first[2].as_str(), first[3].as_str()),
            ("王建国", "0012345678", "已接受")
        );
        assert_eq!(first[4].parse::<f64>().unwrap(), 1.25);
        assert_eq!(first[9].parse::<f64>().unwrap(), 2.5);
        assert_eq!(texts[header + 2][3], "已婉拒");
    }
}
