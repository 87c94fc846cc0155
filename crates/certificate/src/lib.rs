//! Service certificates (志愿服务证明) as PDF, and QR codes.
//!
//! A certificate carries what the record-and-proof rule (志愿服务记录与证明出具办法, R-LAW-4)
//! asks for: name, ID type and masked number, volunteer number, hours and content of service,
//! issuer, person in charge, handler, contact, certificate number, issue date and notes, plus a
//! QR code to the public verification page. The PDF is A4, PDF/A-2u (archival, every glyph maps
//! to Unicode so the text can be searched and read back), and embeds only the glyphs it uses of
//! the bundled CJK font, so a typical certificate is tens of kilobytes.
//!
//! This crate knows nothing of the store or of signing: the caller builds a [`CertificateData`]
//! (with an already signed `verify_url`) and gets bytes back.

mod coverage;
mod document;
mod draw;
mod layout;
mod paginate;
mod para;
mod qr;
mod text;
mod validate;

pub use qr::{qr_png, qr_svg, MAX_QR_SIZE_PX, MAX_QR_TEXT_BYTES};
pub use validate::{MAX_CONTENT_LINE_CHARS, MAX_FIELD_CHARS, MAX_NOTES_CHARS};

/// Everything printed on one certificate. All text is Chinese and is printed as given, after
/// line breaks and control characters are replaced; the caller formats dates and hours.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertificateData {
    /// e.g. "志愿服务证明".
    pub title: String,
    pub volunteer_name: String,
    /// e.g. "居民身份证".
    pub id_type: String,
    /// e.g. "1505**********123X": must be masked (R-LAW-5), an unmasked number is refused.
    pub id_number_masked: String,
    pub volunteer_no: String,
    /// e.g. "2026年1月1日至2026年11月23日", or "全部" for every record up to the issue date.
    pub period: String,
    /// e.g. "36.5" (hours, formatted by the caller).
    pub total_hours: String,
    /// Services done, one line each (activity, date, hours). Long lists continue on further
    /// pages (续页); beyond [`MAX_PAGES`] pages the rest is summarised in one line.
    pub content_lines: Vec<String>,
    /// The organisation that recorded the service and issues the proof (出具单位).
    pub issuer: String,
    /// 负责人.
    pub person_in_charge: String,
    /// 经办人.
    pub handler: String,
    /// 联系方式.
    pub contact: String,
    pub certificate_no: String,
    /// e.g. "2026年11月23日".
    pub issue_date: String,
    /// 备注; may be empty.
    pub notes: String,
    /// Encoded in the QR code printed beside the caption "扫码验证".
    pub verify_url: String,
}

/// Most pages one certificate may have; more service lines are summarised, not dropped silently.
pub const MAX_PAGES: usize = 12;

/// Why a certificate or QR code could not be made. Messages are zh-CN for the user;
/// [`CertificateError::field`] names the offending field for the API's `field`.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CertificateError {
    #[error("缺少必填项：{field}")]
    MissingField { field: &'static str },
    #[error("{field} 过长（最多 {max} 字）")]
    FieldTooLong { field: &'static str, max: usize },
    #[error("证件号码必须脱敏后打印（如 1505**********123X）")]
    UnmaskedIdNumber,
    #[error("二维码无法生成：{0}")]
    QrEncode(String),
    #[error("二维码尺寸 {size_px} 像素无效（应在 {min} 至 {max} 之间）")]
    QrSize { size_px: u32, min: u32, max: u32 },
    #[error("内置字体无法加载")]
    Font,
    #[error("PDF 生成失败：{0}")]
    Pdf(String),
    #[error("PNG 生成失败：{0}")]
    Png(String),
}

impl CertificateError {
    /// The `CertificateData` field at fault, if the error is about one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            CertificateError::MissingField { field }
            | CertificateError::FieldTooLong { field, .. } => Some(field),
            CertificateError::UnmaskedIdNumber => Some("id_number_masked"),
            CertificateError::QrEncode(_) => Some("verify_url"),
            _ => None,
        }
    }
}

/// Characters of `text` that the bundled font can't draw (rare 生僻字 outside GB 2312 and the
/// shipped name characters, emoji), in order of first appearance, without repeats. Lets a page
/// warn the officer before issuing: such characters print as a boxed code point.
pub fn unsupported_chars(text: &str) -> Result<Vec<char>, CertificateError> {
    let face = text::face()?;
    let mut out: Vec<char> = Vec::new();
    for ch in text::clean(text).chars() {
        if ch != ' ' && !face.has_char(ch) && !out.contains(&ch) {
            out.push(ch);
        }
    }
    Ok(out)
}

/// Renders the certificate as an A4 PDF/A-2u document.
///
/// Refuses missing or over-long fields and an unmasked ID number; never panics on any input.
/// Characters outside the bundled font (rare 生僻字, emoji) are printed as a box with their code
/// point and named in the notes, so the reader knows to rely on the QR verification.
pub fn render_pdf(data: &CertificateData) -> Result<Vec<u8>, CertificateError> {
    let checked = validate::check(data)?;
    document::render(&checked)
}
