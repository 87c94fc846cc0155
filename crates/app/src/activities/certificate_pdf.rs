//! The certificate as a PDF (R-LAW-4): the issued certificate's figures, the volunteer's
//! approved records of its period as the content lines, and the QR code to `/verify/{code}`,
//! drawn by `zhiyuan-certificate`. Only those who may see the volunteer get it.

use chrono::NaiveDate;
use zhiyuan_certificate::{render_pdf, CertificateData, MAX_CONTENT_LINE_CHARS};
use zhiyuan_domain::activity::hours_of;

use crate::error::{AppError, AppResult};
use crate::{clock, Actor, App, ErrorKind};

/// "2026-05-01" as "2026年5月1日" (unchanged when it isn't a date).
fn chinese_date(day: &str) -> String {
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(|d| d.format("%Y年%-m月%-d日").to_string())
        .unwrap_or_else(|_| day.to_owned())
}

/// Hours as printed: "3", "2.5".
fn hours_text(h: f64) -> String {
    let s = format!("{h:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

impl App {
    /// The PDF of an issued certificate, with a file name for the download. `origin` is the
    /// site's address ("https://host") so the printed QR code opens the verify page.
    pub async fn certificate_pdf(
        &self,
        actor: &Actor,
        code: &str,
        origin: &str,
    ) -> AppResult<(String, Vec<u8>)> {
        let (c, v) = self.certificate_for(actor, code).await?;
        let rows = self
            .store
            .records_of_volunteer(&v.row.id, &c.period_from, &c.period_to)
            .await?;
        let approved: Vec<_> = rows.iter().filter(|r| r.status == "approved").collect();
        let content_lines = approved
            .iter()
            .map(|r| {
                let line = format!(
                    "{}，{}，{}小时",
                    r.activity_title,
                    chinese_date(&r.day),
                    hours_text(hours_of(r.eff_ms))
                );
                line.chars().take(MAX_CONTENT_LINE_CHARS).collect()
            })
            .collect();
        let period = if c.period_from == "0000-01-01" {
            format!("全部（截至{}）", chinese_date(&c.period_to))
        } else {
            format!(
                "{}至{}",
                chinese_date(&c.period_from),
                chinese_date(&c.period_to)
            )
        };
        let person_in_charge = approved
            .first()
            .map(|r| r.person_in_charge.clone())
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| c.issuer.clone());
        let issue_day = clock::rfc3339(c.issued_at);
        let data = CertificateData {
            title: "志愿服务证明".into(),
            volunteer_name: v.row.name.clone(),
            id_type: "居民身份证".into(),
            id_number_masked: v.row.id_masked.clone(),
            volunteer_no: v.row.volunteer_no.clone(),
            period,
            total_hours: hours_text(hours_of(c.total_ms)),
            content_lines,
            issuer: c.issuer.clone(),
            person_in_charge,
            handler: c.issued_by.clone(),
            // The data model keeps no contact line for an org yet: the verify link stands in.
            contact: format!("核验网址 {origin}/verify/{}", c.code),
            certificate_no: c.certificate_no.clone(),
            issue_date: chinese_date(issue_day.get(..10).unwrap_or_default()),
            notes: if c.revoked_at.is_some() {
                "本证明已撤销。".into()
            } else {
                "时长为实际服务时间，不含往返路程。".into()
            },
            verify_url: format!("{origin}/verify/{}", c.code),
        };
        let pdf = render_pdf(&data).map_err(|e| {
            tracing::error!(error = %e, "certificate pdf failed");
            AppError::new(ErrorKind::Internal, "pdf_failed", "证明 PDF 生成失败")
        })?;
        Ok((format!("{}.pdf", c.certificate_no), pdf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_hours_print_in_chinese() {
        assert_eq!(chinese_date("2026-05-01"), "2026年5月1日");
        assert_eq!(chinese_date("0000-13-01"), "0000-13-01");
        assert_eq!(hours_text(3.0), "3");
        assert_eq!(hours_text(2.5), "2.5");
    }
}
