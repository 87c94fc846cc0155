//! The PDF document around the laid-out pages: PDF/A-2u settings, metadata and the document
//! date, and the page loop.

use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::{Document, SerializeSettings};

use crate::layout::{compose, Sheet, PAGE_H, PAGE_W};
use crate::qr::QrMatrix;
use crate::text;
use crate::{CertificateData, CertificateError};

/// Lays out and serialises the (already validated) certificate.
pub(crate) fn render(d: &CertificateData) -> Result<Vec<u8>, CertificateError> {
    let face = text::face()?;
    let qr = QrMatrix::encode(&d.verify_url)?;
    let composed = compose(face, d, &qr);
    let (plan, summary) = composed.paginate(face, d.content_lines.len());

    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_U)
        .finish()
        .map_err(|e| CertificateError::Pdf(format!("{e:?}")))?;
    let mut doc = Document::new_with(SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    });
    doc.set_metadata(
        Metadata::new()
            .title(format!("{} {}", d.title, d.certificate_no))
            .language("zh-CN".into())
            .creator("zhiyuan".into())
            .creation_date(document_date(&d.issue_date)),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| CertificateError::Pdf("page size".into()))?;
    let pages = plan.pages.len();
    for (index, page_plan) in plan.pages.iter().enumerate() {
        let mut page = doc.start_page_with(settings.clone());
        let mut surface = page.surface();
        let sheet = Sheet {
            number: index + 1,
            of: pages,
            plan: page_plan,
        };
        composed.draw_page(&mut surface, face, d, &qr, sheet, summary.as_ref());
        surface.finish();
        page.finish();
    }
    doc.finish()
        .map_err(|e| CertificateError::Pdf(format!("{e:?}")))
}

/// The document date PDF/A requires: the issue date when it reads as year, month, day
/// ("2026年11月23日", "2026-11-23"), China time; otherwise today (UTC). Taking it from the data
/// keeps the output the same for the same certificate.
fn document_date(issue_date: &str) -> DateTime {
    let numbers: Vec<u32> = issue_date
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty() && p.len() <= 4)
        .filter_map(|p| p.parse().ok())
        .take(3)
        .collect();
    if let [y @ 1900..=9999, m @ 1..=12, day @ 1..=31] = numbers[..] {
        let (y, m, day) = (y as u16, m as u8, day as u8);
        return DateTime::new(y).month(m).day(day).utc_offset_hour(8);
    }
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    let (y, m, day) = civil_from_days(days);
    DateTime::new(y).month(m).day(day).utc_offset_hour(0)
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (u16, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)).clamp(0, 9999) as u16;
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_from_day_counts() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_415), (2025, 11, 23));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn document_date_reads_the_issue_date() {
        assert_eq!(
            document_date("2026年11月23日"),
            DateTime::new(2026).month(11).day(23).utc_offset_hour(8)
        );
        assert_eq!(
            document_date("2026-01-05"),
            DateTime::new(2026).month(1).day(5).utc_offset_hour(8)
        );
        // Not a date: falls back to today, whatever it is, without panicking.
        let _ = document_date("二〇二六年");
    }
}
