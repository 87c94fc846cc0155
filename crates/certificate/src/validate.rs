//! Input checks before anything is drawn: R-LAW-4 fields present, lengths bounded (so one
//! request can't make a huge PDF), and the ID number masked (R-LAW-5: a proof never shows a
//! whole ID number).

use crate::text::clean;
use crate::{CertificateData, CertificateError, MAX_QR_TEXT_BYTES};

/// Longest single field, in characters (names, numbers, issuer, dates...).
pub const MAX_FIELD_CHARS: usize = 100;
/// Longest notes (备注), in characters.
pub const MAX_NOTES_CHARS: usize = 1000;
/// Longest service line, in characters.
pub const MAX_CONTENT_LINE_CHARS: usize = 300;

/// Returns a copy with every text cleaned (see [`clean`]) and trimmed, or the first problem.
pub(crate) fn check(data: &CertificateData) -> Result<CertificateData, CertificateError> {
    let required = |field: &'static str, value: &str| -> Result<String, CertificateError> {
        let v = clean(value).trim().to_string();
        if v.is_empty() {
            return Err(CertificateError::MissingField { field });
        }
        bounded(field, v, MAX_FIELD_CHARS)
    };
    let out = CertificateData {
        title: required("title", &data.title)?,
        volunteer_name: required("volunteer_name", &data.volunteer_name)?,
        id_type: required("id_type", &data.id_type)?,
        id_number_masked: required("id_number_masked", &data.id_number_masked)?,
        volunteer_no: required("volunteer_no", &data.volunteer_no)?,
        period: required("period", &data.period)?,
        total_hours: required("total_hours", &data.total_hours)?,
        content_lines: content_lines(&data.content_lines)?,
        issuer: required("issuer", &data.issuer)?,
        person_in_charge: required("person_in_charge", &data.person_in_charge)?,
        handler: required("handler", &data.handler)?,
        contact: required("contact", &data.contact)?,
        certificate_no: required("certificate_no", &data.certificate_no)?,
        issue_date: required("issue_date", &data.issue_date)?,
        notes: bounded(
            "notes",
            clean(&data.notes).trim().to_string(),
            MAX_NOTES_CHARS,
        )?,
        verify_url: {
            let url = clean(&data.verify_url).trim().to_string();
            if url.is_empty() {
                return Err(CertificateError::MissingField {
                    field: "verify_url",
                });
            }
            if url.len() > MAX_QR_TEXT_BYTES {
                return Err(CertificateError::FieldTooLong {
                    field: "verify_url",
                    max: MAX_QR_TEXT_BYTES,
                });
            }
            url
        },
    };
    if !is_masked(&out.id_number_masked) {
        return Err(CertificateError::UnmaskedIdNumber);
    }
    Ok(out)
}

fn bounded(field: &'static str, value: String, max: usize) -> Result<String, CertificateError> {
    if value.chars().count() > max {
        return Err(CertificateError::FieldTooLong { field, max });
    }
    Ok(value)
}

/// Blank lines are dropped; every other line is cleaned and bounded.
fn content_lines(lines: &[String]) -> Result<Vec<String>, CertificateError> {
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let v = clean(line).trim().to_string();
        if !v.is_empty() {
            out.push(bounded("content_lines", v, MAX_CONTENT_LINE_CHARS)?);
        }
    }
    Ok(out)
}

/// A printed ID number must hide part of itself with asterisks (half- or full-width).
fn is_masked(id: &str) -> bool {
    id.contains('*') || id.contains('＊')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CertificateData {
        CertificateData {
            title: "志愿服务证明".into(),
            volunteer_name: "张三".into(),
            id_type: "居民身份证".into(),
            id_number_masked: "1505**********123X".into(),
            volunteer_no: "V0001".into(),
            period: "全部".into(),
            total_hours: "36.5".into(),
            content_lines: vec!["牵手夕阳 2026年3月5日 2.5小时".into()],
            issuer: "某某退役军人服务站".into(),
            person_in_charge: "李四".into(),
            handler: "王五".into(),
            contact: "0471-1234567".into(),
            certificate_no: "ZY-2026-000001".into(),
            issue_date: "2026年11月23日".into(),
            notes: String::new(),
            verify_url: "https://zhiyuan.example/verify/abc".into(),
        }
    }

    #[test]
    fn a_complete_certificate_passes_and_is_trimmed() {
        let mut d = sample();
        d.volunteer_name = "  张三\n".into();
        d.content_lines.push("   ".into());
        let out = check(&d).expect("valid");
        assert_eq!(out.volunteer_name, "张三");
        assert_eq!(out.content_lines.len(), 1, "blank line dropped");
    }

    #[test]
    fn each_required_field_is_enforced() {
        type Breaker = fn(&mut CertificateData);
        let cases: [(&str, Breaker); 5] = [
            ("volunteer_name", |d| d.volunteer_name = " ".into()),
            ("certificate_no", |d| d.certificate_no.clear()),
            ("issuer", |d| d.issuer.clear()),
            ("handler", |d| d.handler = "\n".into()),
            ("verify_url", |d| d.verify_url.clear()),
        ];
        for (field, break_it) in cases {
            let mut d = sample();
            break_it(&mut d);
            assert_eq!(check(&d), Err(CertificateError::MissingField { field }));
        }
    }

    #[test]
    fn an_unmasked_id_number_is_refused() {
        let mut d = sample();
        d.id_number_masked = "15050219900101123X".into();
        let err = check(&d).expect_err("unmasked");
        assert_eq!(err, CertificateError::UnmaskedIdNumber);
        assert_eq!(err.field(), Some("id_number_masked"));
        d.id_number_masked = "1505＊＊＊＊＊＊＊＊＊＊123X".into();
        assert!(check(&d).is_ok(), "full-width asterisks count as masking");
    }

    #[test]
    fn over_long_fields_are_refused() {
        let mut d = sample();
        d.volunteer_name = "张".repeat(MAX_FIELD_CHARS + 1);
        assert_eq!(
            check(&d),
            Err(CertificateError::FieldTooLong {
                field: "volunteer_name",
                max: MAX_FIELD_CHARS
            })
        );
        let mut d = sample();
        d.content_lines = vec!["服".repeat(MAX_CONTENT_LINE_CHARS + 1)];
        assert!(matches!(
            check(&d),
            Err(CertificateError::FieldTooLong {
                field: "content_lines",
                ..
            })
        ));
        let mut d = sample();
        d.verify_url = format!("https://x/{}", "a".repeat(MAX_QR_TEXT_BYTES));
        assert!(matches!(
            check(&d),
            Err(CertificateError::FieldTooLong {
                field: "verify_url",
                ..
            })
        ));
    }
}
