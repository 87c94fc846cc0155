//! Page composition of a certificate, laid out like a paper 志愿服务证明:
//!
//! page 1: red double frame, spaced-out title, certificate number, the proof sentence
//! (兹证明……累计志愿服务时长……小时), then the table of service records; further pages (续页)
//! repeat a short header and the table head; the last page closes with 特此证明, the notes, the
//! QR code with 扫码验证, and the issuer block beside a dashed seal circle (盖章处). Every page
//! has a footer with the certificate number and 第 n 页，共 N 页.

use krilla::surface::Surface;

use crate::coverage::{missing_chars, missing_note};
use crate::draw::{self, BLACK, GREY, RED, RULE, SHADE};
use crate::paginate::{paginate, PagePlan, Plan, Space};
use crate::para::{Align, Para};
use crate::qr::QrMatrix;
use crate::text::{self, Face, Span, Style};
use crate::{CertificateData, MAX_PAGES};

pub(crate) const PAGE_W: f32 = 595.276; // A4 in points
pub(crate) const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 72.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
const TOP: f32 = 76.0;
const BOTTOM: f32 = PAGE_H - 80.0;
const FOOTER_BASELINE: f32 = PAGE_H - 54.0;

const TITLE_SIZE: f32 = 28.0;
const TITLE_MIN_SIZE: f32 = 16.0;
const TITLE_TRACKING: f32 = 0.35;
const BODY_SIZE: f32 = 13.0;
const BODY_LEADING: f32 = 25.0;
const SIGN_SIZE: f32 = 12.0;
const SIGN_LEADING: f32 = 22.0;
const SMALL_SIZE: f32 = 10.5;
const SMALL_LEADING: f32 = 16.0;
const TINY_SIZE: f32 = 8.0;
const TINY_LEADING: f32 = 11.0;
const CELL_PAD: f32 = 4.0;
const NO_COL_W: f32 = 40.0;
/// The printed QR code is at least this wide, and each module at least `QR_MIN_MODULE` points,
/// up to `QR_MAX_SIDE` (a dense code from a long address grows rather than blurs).
const QR_MIN_SIDE: f32 = 96.0;
const QR_MAX_SIDE: f32 = 150.0;
const QR_MIN_MODULE: f32 = 2.0;
const SIGN_COL_X: f32 = MARGIN_X + QR_MAX_SIDE + 18.0;
const SEAL_RADIUS: f32 = 44.0;
/// Rows are at least 24 pt high (29 a page), so no more than this many can ever be shown; the rest are
/// counted, not measured, which bounds the work for absurdly long lists.
const MAX_MEASURED_ROWS: usize = MAX_PAGES * 32;

/// One service record row of the table.
struct Row {
    number: String,
    text: Para,
}

impl Row {
    fn height(&self) -> f32 {
        self.text.height() + 2.0 * CELL_PAD
    }
}

const RECORD_COL_W: f32 = CONTENT_W - NO_COL_W - 2.0 * CELL_PAD;

fn row(face: &Face, number: String, text: &str) -> Row {
    let text = Para::new(
        face,
        &[Span::plain(text)],
        SMALL_SIZE,
        SMALL_LEADING,
        RECORD_COL_W,
        0.0,
    );
    Row { number, text }
}

fn keep(text: &str) -> Span<'_> {
    Span {
        text,
        style: Style::default(),
        keep: true,
    }
}

/// Everything measured, ready to paginate and draw.
pub(crate) struct Composed {
    title: Para,
    continued_title: Para,
    number_line: Para,
    body: Para,
    table_head: Para,
    rows: Vec<Row>,
    closing: Closing,
}

struct Closing {
    attest: Para,
    notes: Para,
    sign_lines: Vec<Para>,
    caption: Para,
    qr_side: f32,
    url: Option<Para>,
}

const SIGN_GAP: f32 = 18.0;
/// Space between the table and the closing block.
const TABLE_GAP: f32 = 14.0;

impl Closing {
    fn sign_height(&self) -> f32 {
        let right: f32 = self.sign_lines.iter().map(Para::height).sum();
        right.max(self.qr_side + self.caption.height())
    }

    fn height(&self) -> f32 {
        self.attest.height()
            + self.notes.height()
            + SIGN_GAP
            + self.sign_height()
            + self.url.as_ref().map_or(0.0, |u| u.height() + 4.0)
    }
}

fn title_para(face: &Face, title: &str, size: f32) -> Para {
    let spans = [Span {
        text: title,
        style: Style { bold: true },
        keep: false,
    }];
    let mut para = Para::new(face, &spans, size, size * 1.35, CONTENT_W, 0.0);
    let one_line = text::width(&para.clusters, size, TITLE_TRACKING) - TITLE_TRACKING * size;
    if one_line <= CONTENT_W {
        para.tracking = TITLE_TRACKING;
        return para;
    }
    // Too long to space out: shrink to fit one line, down to a floor, then wrap.
    let natural = text::width(&para.clusters, size, 0.0);
    let fitted = (size * CONTENT_W / natural).max(TITLE_MIN_SIZE).min(size);
    Para::new(face, &spans, fitted, fitted * 1.35, CONTENT_W, 0.0)
}

pub(crate) fn compose(face: &Face, d: &CertificateData, qr: &QrMatrix) -> Composed {
    let title = title_para(face, &d.title, TITLE_SIZE);
    let bold = Style { bold: true };
    let continued_spans = [
        Span {
            text: &d.title,
            style: bold,
            keep: false,
        },
        Span {
            text: "（续页）",
            style: bold,
            keep: true,
        },
    ];
    let continued_title = Para::new(face, &continued_spans, 15.0, 22.0, CONTENT_W, 0.0);
    let qr_side =
        (qr.side_with_quiet_zone() as f32 * QR_MIN_MODULE).clamp(QR_MIN_SIDE, QR_MAX_SIDE);
    let number_line = Para::new(
        face,
        &[Span::plain("证书编号："), keep(&d.certificate_no)],
        SMALL_SIZE,
        SMALL_LEADING,
        CONTENT_W,
        0.0,
    );

    let all_records = d.period == "全部";
    let mut body = vec![
        Span::plain("兹证明"),
        Span::value(&d.volunteer_name),
        Span::plain("（"),
        Span::plain(&d.id_type),
        Span::plain("："),
        keep(&d.id_number_masked),
        Span::plain("，志愿者编号："),
        keep(&d.volunteer_no),
        Span::plain("）"),
    ];
    if all_records {
        body.extend([
            Span::plain("在我单位参加志愿服务，截至"),
            keep(&d.issue_date),
        ]);
    } else {
        body.extend([
            Span::plain("于"),
            keep(&d.period),
            Span::plain("期间在我单位参加志愿服务，"),
        ]);
    }
    body.extend([
        Span::plain("累计志愿服务时长"),
        Span::value(&d.total_hours),
        Span::plain("小时。服务记录如下："),
    ]);
    let body = Para::new(
        face,
        &body,
        BODY_SIZE,
        BODY_LEADING,
        CONTENT_W,
        2.0 * BODY_SIZE,
    );

    let table_head = Para::new(
        face,
        &[Span {
            text: "服务记录（活动、日期、时长）",
            style: Style { bold: true },
            keep: false,
        }],
        SMALL_SIZE,
        SMALL_LEADING,
        RECORD_COL_W,
        0.0,
    );
    let rows = if d.content_lines.is_empty() {
        vec![row(face, String::new(), "（本期间无服务记录）")]
    } else {
        d.content_lines
            .iter()
            .take(MAX_MEASURED_ROWS)
            .enumerate()
            .map(|(i, line)| row(face, (i + 1).to_string(), line))
            .collect()
    };

    let missing = missing_note(&missing_chars(face, d, rows.len()));
    let notes_text = match (d.notes.is_empty(), missing.is_empty()) {
        (true, true) => "无".to_string(),
        (false, true) => d.notes.clone(),
        (true, false) => missing,
        (false, false) => format!("{}；{}", d.notes, missing),
    };
    let sign = |label: &'static str, value: &str| {
        Para::new(
            face,
            &[Span::plain(label), Span::plain(value)],
            SIGN_SIZE,
            SIGN_LEADING,
            PAGE_W - MARGIN_X - SIGN_COL_X,
            0.0,
        )
    };
    let url_text = format!("验证网址：{}", d.verify_url);
    let url = Para::new(
        face,
        &[Span::plain(&url_text)],
        TINY_SIZE,
        TINY_LEADING,
        CONTENT_W,
        0.0,
    );
    let closing = Closing {
        attest: Para::new(
            face,
            &[Span::plain("特此证明。")],
            BODY_SIZE,
            BODY_LEADING,
            CONTENT_W,
            2.0 * BODY_SIZE,
        ),
        notes: Para::new(
            face,
            &[Span::plain("备注："), Span::plain(&notes_text)],
            SMALL_SIZE,
            SMALL_LEADING,
            CONTENT_W,
            0.0,
        ),
        sign_lines: vec![
            sign("出具单位：", &d.issuer),
            sign("负责人：", &d.person_in_charge),
            sign("经办人：", &d.handler),
            sign("联系方式：", &d.contact),
            sign("出具日期：", &d.issue_date),
        ],
        caption: Para::new(
            face,
            &[Span {
                text: "扫码验证",
                style: Style { bold: true },
                keep: true,
            }],
            SMALL_SIZE,
            SMALL_LEADING + 4.0,
            qr_side,
            0.0,
        ),
        qr_side,
        // A web address of more than three small lines is no use to type: the QR code has it.
        url: (url.lines.len() <= 3).then_some(url),
    };
    Composed {
        title,
        continued_title,
        number_line,
        body,
        table_head,
        rows,
        closing,
    }
}

impl Composed {
    fn first_header_height(&self) -> f32 {
        self.title.height() + 4.0 + self.number_line.height() + 10.0 + self.body.height() + 8.0
    }

    fn other_header_height(&self) -> f32 {
        self.continued_title.height() + self.number_line.height() + 10.0
    }

    fn table_head_height(&self) -> f32 {
        self.table_head.height() + 2.0 * CELL_PAD
    }

    /// Draws the page header; returns where the table starts.
    fn draw_header(&self, s: &mut Surface, face: &Face, first: bool) -> f32 {
        let mut y = TOP;
        if first {
            y += self
                .title
                .draw(s, face, MARGIN_X, y, CONTENT_W, Align::Centre, BLACK)
                + 4.0;
            y += self
                .number_line
                .draw(s, face, MARGIN_X, y, CONTENT_W, Align::Right, GREY)
                + 10.0;
            y += self
                .body
                .draw(s, face, MARGIN_X, y, CONTENT_W, Align::Left, BLACK)
                + 8.0;
        } else {
            y += self
                .continued_title
                .draw(s, face, MARGIN_X, y, CONTENT_W, Align::Centre, BLACK);
            y += self
                .number_line
                .draw(s, face, MARGIN_X, y, CONTENT_W, Align::Right, GREY)
                + 10.0;
        }
        y
    }

    /// Draws the table head and `rows`, plus the summary row if given; returns the bottom.
    fn draw_table(
        &self,
        s: &mut Surface,
        face: &Face,
        top: f32,
        rows: &[Row],
        summary: Option<&Row>,
    ) -> f32 {
        let head_h = self.table_head_height();
        draw::fill_rect(s, MARGIN_X, top, CONTENT_W, head_h, SHADE);
        let no_head = Para::new(
            face,
            &[Span {
                text: "序号",
                style: Style { bold: true },
                keep: true,
            }],
            SMALL_SIZE,
            SMALL_LEADING,
            NO_COL_W,
            0.0,
        );
        no_head.draw(
            s,
            face,
            MARGIN_X,
            top + CELL_PAD,
            NO_COL_W,
            Align::Centre,
            BLACK,
        );
        self.table_head.draw(
            s,
            face,
            MARGIN_X + NO_COL_W + CELL_PAD,
            top + CELL_PAD,
            RECORD_COL_W,
            Align::Left,
            BLACK,
        );
        let mut y = top + head_h;
        draw::rule(s, (MARGIN_X, y), (MARGIN_X + CONTENT_W, y), 0.6, RULE);
        for r in rows.iter().chain(summary) {
            let number = Para::new(
                face,
                &[Span::plain(&r.number)],
                SMALL_SIZE,
                SMALL_LEADING,
                NO_COL_W,
                0.0,
            );
            number.draw(
                s,
                face,
                MARGIN_X,
                y + CELL_PAD,
                NO_COL_W,
                Align::Centre,
                BLACK,
            );
            r.text.draw(
                s,
                face,
                MARGIN_X + NO_COL_W + CELL_PAD,
                y + CELL_PAD,
                RECORD_COL_W,
                Align::Left,
                BLACK,
            );
            y += r.height();
            draw::rule(s, (MARGIN_X, y), (MARGIN_X + CONTENT_W, y), 0.4, RULE);
        }
        draw::stroke_rect(s, MARGIN_X, top, CONTENT_W, y - top, 0.8, BLACK);
        draw::rule(
            s,
            (MARGIN_X + NO_COL_W, top),
            (MARGIN_X + NO_COL_W, y),
            0.4,
            RULE,
        );
        y
    }

    fn draw_closing(&self, s: &mut Surface, face: &Face, qr: &QrMatrix, top: f32) {
        let c = &self.closing;
        let mut y = top;
        y += c
            .attest
            .draw(s, face, MARGIN_X, y, CONTENT_W, Align::Left, BLACK);
        y += c
            .notes
            .draw(s, face, MARGIN_X, y, CONTENT_W, Align::Left, BLACK);
        y += SIGN_GAP;
        let sign_top = y;
        draw::qr(s, qr, MARGIN_X, sign_top, c.qr_side);
        c.caption.draw(
            s,
            face,
            MARGIN_X,
            sign_top + c.qr_side,
            c.qr_side,
            Align::Centre,
            BLACK,
        );
        let col_w = PAGE_W - MARGIN_X - SIGN_COL_X;
        let mut sy = sign_top;
        for line in &c.sign_lines {
            sy += line.draw(s, face, SIGN_COL_X, sy, col_w, Align::Left, BLACK);
        }
        // The seal is stamped over the issuer's name and the date, at the right.
        let (cx, cy) = (
            PAGE_W - MARGIN_X - SEAL_RADIUS - 4.0,
            sign_top + (sy - sign_top) / 2.0,
        );
        draw::dashed_circle(s, cx, cy, SEAL_RADIUS, 1.2, RED);
        let seal_label = Para::new(
            face,
            &[Span::plain("（盖章）")],
            9.0,
            12.0,
            2.0 * SEAL_RADIUS,
            0.0,
        );
        seal_label.draw(
            s,
            face,
            cx - SEAL_RADIUS,
            cy - 6.0,
            2.0 * SEAL_RADIUS,
            Align::Centre,
            RED,
        );
        y += c.sign_height();
        if let Some(url) = &c.url {
            url.draw(s, face, MARGIN_X, y + 4.0, CONTENT_W, Align::Left, GREY);
        }
    }

    fn draw_frame_and_footer(
        &self,
        s: &mut Surface,
        face: &Face,
        d: &CertificateData,
        page: usize,
        pages: usize,
    ) {
        draw::stroke_rect(s, 26.0, 26.0, PAGE_W - 52.0, PAGE_H - 52.0, 2.4, RED);
        draw::stroke_rect(s, 32.0, 32.0, PAGE_W - 64.0, PAGE_H - 64.0, 0.6, RED);
        let footer = format!(
            "证书编号：{}　　第 {} 页，共 {} 页",
            d.certificate_no, page, pages
        );
        let para = Para::new(face, &[Span::plain(&footer)], 8.5, 11.0, CONTENT_W, 0.0);
        // One line only: a very long certificate number is cut rather than run off the page.
        let one = Para {
            lines: para.lines.iter().take(1).cloned().collect(),
            ..para
        };
        one.draw(
            s,
            face,
            MARGIN_X,
            FOOTER_BASELINE - 9.0,
            CONTENT_W,
            Align::Centre,
            GREY,
        );
    }
}

/// Which page of how many is being drawn, and what goes on it.
pub(crate) struct Sheet<'a> {
    pub(crate) number: usize,
    pub(crate) of: usize,
    pub(crate) plan: &'a PagePlan,
}

/// The summary row standing for rows left out (另有 N 条), when there are any.
pub(crate) struct SummaryRow(Row);

impl Composed {
    /// Splits the table over pages (see [`paginate`]); `total_lines` counts every service line,
    /// measured or not.
    pub(crate) fn paginate(&self, face: &Face, total_lines: usize) -> (Plan, Option<SummaryRow>) {
        let heights: Vec<f32> = self.rows.iter().map(Row::height).collect();
        let widest_summary = row(face, String::new(), &summary_text(total_lines));
        let space = Space {
            first_page: BOTTOM - TOP - self.first_header_height(),
            other_pages: BOTTOM - TOP - self.other_header_height(),
            table_head: self.table_head_height(),
            closing: TABLE_GAP + self.closing.height(),
            summary_row: widest_summary.height(),
        };
        let plan = paginate(&heights, total_lines, space, MAX_PAGES);
        let summary = (plan.omitted > 0)
            .then(|| SummaryRow(row(face, String::new(), &summary_text(plan.omitted))));
        (plan, summary)
    }

    pub(crate) fn draw_page(
        &self,
        s: &mut Surface,
        face: &Face,
        d: &CertificateData,
        qr: &QrMatrix,
        sheet: Sheet<'_>,
        summary: Option<&SummaryRow>,
    ) {
        self.draw_frame_and_footer(s, face, d, sheet.number, sheet.of);
        let mut y = self.draw_header(s, face, sheet.number == 1);
        let rows = self.rows.get(sheet.plan.rows.clone()).unwrap_or(&[]);
        let summary = summary.filter(|_| sheet.plan.summary).map(|r| &r.0);
        if !rows.is_empty() || summary.is_some() {
            y = self.draw_table(s, face, y, rows, summary) + TABLE_GAP;
        }
        if sheet.plan.closing {
            self.draw_closing(s, face, qr, y);
        }
    }
}

fn summary_text(omitted: usize) -> String {
    format!("……另有 {omitted} 条服务记录未在此列出，完整记录请扫码核验。")
}
