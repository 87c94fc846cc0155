//! Service certificates (志愿服务证明, R-LAW-4): numbered, logged, revocable, and verifiable by
//! anyone through a code that carries its own signature, so a forged or altered code fails
//! before the database is even asked.

use chrono::NaiveDate;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhiyuan_domain::activity::hours_of;
use zhiyuan_domain::PersonName;
use zhiyuan_store::activities::CertificateRow;

use crate::crypto::constant_time_eq;
use crate::crypto::mac_hex;
use crate::error::{AppError, AppResult};
use crate::{clock, Actor, App};

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct CertificateRequest {
    /// First day (YYYY-MM-DD); default: all time.
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD); default: today.
    pub to: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct IssuedCertificate {
    pub code: String,
    pub certificate_no: String,
    pub pdf_url: String,
    pub verify_url: String,
    pub hours: f64,
    pub period_from: String,
    pub period_to: String,
    pub issued_at: String,
    pub revoked: bool,
}

/// What the public may learn from a code: the masked name, hours, issuer, and validity.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CertificateCheck {
    pub valid: bool,
    pub revoked: bool,
    pub volunteer_name_masked: String,
    pub hours: f64,
    pub issuer: String,
    /// Issue date (YYYY-MM-DD).
    pub issued_on: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct Revocation {
    pub reason: String,
}

fn forged() -> AppError {
    AppError::new(
        crate::ErrorKind::NotFound,
        "certificate_invalid",
        "证明编码无效：不是本系统签发，或已被改动",
    )
}

/// The printed number's canonical form (`ZYZM-2026-1A2B3C4D`) when `text` is one, typed in
/// any case and width, with or without its dashes.
fn printed_number(text: &str) -> Option<String> {
    let plain: String = zhiyuan_domain::username::normalize_login(text)
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '—' | '－'))
        .collect::<String>()
        .to_ascii_uppercase();
    let rest = plain.strip_prefix("ZYZM")?;
    let (year, tail) = (rest.get(..4)?, rest.get(4..)?);
    let ok = year.bytes().all(|b| b.is_ascii_digit())
        && tail.len() == 8
        && tail.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| format!("ZYZM-{year}-{tail}"))
}

fn parse_day(field: &str, s: Option<&str>, default: &str) -> AppResult<String> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default.to_owned()),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(|d| d.format("%Y-%m-%d").to_string())
            .map_err(|_| AppError::invalid(field, "date_invalid", "日期格式应为 YYYY-MM-DD")),
    }
}

impl App {
    fn sign_certificate(&self, nonce: &str) -> String {
        let mac = mac_hex(&self.secrets.certificate_key, nonce.as_bytes());
        format!("{nonce}{}", &mac[..24])
    }

    /// The signature check alone (no database): 40 hex digits whose last 24 sign the first 16.
    pub fn certificate_code_is_genuine(&self, code: &str) -> bool {
        code.len() == 40
            && code
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && constant_time_eq(
                self.sign_certificate(&code[..16]).as_bytes(),
                code.as_bytes(),
            )
    }

    pub async fn issue_certificate(
        &self,
        actor: &Actor,
        volunteer_id: &str,
        req: &CertificateRequest,
    ) -> AppResult<IssuedCertificate> {
        let v = self.visible_volunteer(actor, volunteer_id).await?;
        let today = clock::today().format("%Y-%m-%d").to_string();
        let from = parse_day("from", req.from.as_deref(), "0000-01-01")?;
        let to = parse_day("to", req.to.as_deref(), &today)?;
        if to < from {
            return Err(AppError::invalid(
                "to",
                "period_out_of_order",
                "结束日期不能早于开始日期",
            ));
        }
        let rows = self
            .store
            .records_of_volunteer(&v.row.id, &from, &to)
            .await?;
        let total_ms: i64 = rows
            .iter()
            .filter(|r| r.status == "approved")
            .map(|r| r.eff_ms)
            .sum();
        let mut nonce = [0u8; 8];
        rand::thread_rng().fill_bytes(&mut nonce);
        let code = self.sign_certificate(&hex::encode(nonce));
        let now = clock::now_ms();
        let row = CertificateRow {
            certificate_no: format!("ZYZM-{}-{}", &today[..4], code[..8].to_uppercase()),
            code,
            volunteer_id: v.row.id.clone(),
            org_path: v.row.org_path.clone(),
            volunteer_name_masked: PersonName::parse(&v.row.name)
                .map(|n| n.masked())
                .unwrap_or_else(|_| "*".into()),
            period_from: from,
            period_to: to,
            total_ms,
            issuer: v.row.org_name.clone(),
            issued_by: actor.username.clone(),
            issued_at: now,
            revoked_at: None,
            revoked_reason: None,
        };
        let view = issued_view(&row);
        let audit = self.audit_entry(
            actor,
            "certificate.issue",
            "volunteer",
            &v.row.id,
            &v.row.org_path,
            None,
            crate::snapshot(&view),
        );
        self.store.insert_certificate(&row, &audit).await?;
        Ok(view)
    }

    /// Public verification: no login, nothing beyond the masked name, hours, issuer, validity.
    /// Public verification by the QR code's value or by the number printed on the paper, so
    /// a holder without a QR reader can type the short one.
    pub async fn verify_certificate(&self, code: &str) -> AppResult<CertificateCheck> {
        let c = match printed_number(code) {
            Some(number) => self.store.certificate_by_number(&number).await?,
            None => {
                let code = code.trim().to_ascii_lowercase();
                if !self.certificate_code_is_genuine(&code) {
                    return Err(forged());
                }
                self.store.get_certificate(&code).await?
            }
        }
        .filter(|c| self.certificate_code_is_genuine(&c.code))
        .ok_or_else(forged)?;
        Ok(CertificateCheck {
            valid: c.revoked_at.is_none(),
            revoked: c.revoked_at.is_some(),
            volunteer_name_masked: c.volunteer_name_masked.clone(),
            hours: hours_of(c.total_ms),
            issuer: c.issuer.clone(),
            issued_on: clock::rfc3339(c.issued_at)[..10].to_owned(),
        })
    }

    /// The certificate with everything needed to print it, for those who may see the volunteer.
    pub async fn certificate_for(
        &self,
        actor: &Actor,
        code: &str,
    ) -> AppResult<(CertificateRow, zhiyuan_store::VolunteerRecord)> {
        let code = code.trim().to_ascii_lowercase();
        if !self.certificate_code_is_genuine(&code) {
            return Err(forged());
        }
        let c = self
            .store
            .get_certificate(&code)
            .await?
            .ok_or_else(forged)?;
        let v = self.visible_volunteer(actor, &c.volunteer_id).await?;
        Ok((c, v))
    }

    pub async fn certificates_of(
        &self,
        actor: &Actor,
        volunteer_id: &str,
    ) -> AppResult<Vec<IssuedCertificate>> {
        let v = self.visible_volunteer(actor, volunteer_id).await?;
        Ok(self
            .store
            .certificates_of(&v.row.id)
            .await?
            .iter()
            .map(issued_view)
            .collect())
    }

    /// Revokes an issued certificate (officers and admins over the volunteer, not the volunteer).
    pub async fn revoke_certificate(
        &self,
        actor: &Actor,
        code: &str,
        r: &Revocation,
    ) -> AppResult<IssuedCertificate> {
        if actor.volunteer_id.is_some() && !actor.is_admin() && actor.team_id.is_none() {
            return Err(AppError::role_forbidden());
        }
        let (c, v) = self.certificate_for(actor, code).await?;
        let reason = r.reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(AppError::invalid(
                "reason",
                "required",
                "请填写撤销理由（不超过 200 字）",
            ));
        }
        let audit = self.audit_entry(
            actor,
            "certificate.revoke",
            "volunteer",
            &v.row.id,
            &v.row.org_path,
            Some(serde_json::json!({"code": c.code})),
            Some(serde_json::json!({"revoked": true, "reason": reason})),
        );
        self.store
            .revoke_certificate(&c.code, reason, clock::now_ms(), &audit)
            .await
            .map_err(|e| match e {
                zhiyuan_store::StoreError::Stale => {
                    AppError::conflict("already_revoked", "该证明已撤销")
                }
                other => other.into(),
            })?;
        let c = self
            .store
            .get_certificate(&c.code)
            .await?
            .ok_or_else(AppError::internal)?;
        Ok(issued_view(&c))
    }
}

pub fn issued_view(c: &CertificateRow) -> IssuedCertificate {
    IssuedCertificate {
        code: c.code.clone(),
        certificate_no: c.certificate_no.clone(),
        pdf_url: format!("/api/v1/certificates/{}/pdf", c.code),
        verify_url: format!("/verify/{}", c.code),
        hours: hours_of(c.total_ms),
        period_from: c.period_from.clone(),
        period_to: c.period_to.clone(),
        issued_at: clock::rfc3339(c.issued_at),
        revoked: c.revoked_at.is_some(),
    }
}

#[cfg(test)]
mod printed_number_tests {
    use super::printed_number;

    #[test]
    fn printed_numbers_are_read_however_typed() {
        for typed in [
            "ZYZM-2026-1A2B3C4D",
            "zyzm-2026-1a2b3c4d",
            " ZYZM 2026 1A2B3C4D ",
            "ＺＹＺＭ－２０２６－１Ａ２Ｂ３Ｃ４Ｄ",
            "ZYZM20261A2B3C4D",
        ] {
            assert_eq!(
                printed_number(typed).as_deref(),
                Some("ZYZM-2026-1A2B3C4D"),
                "{typed}"
            );
        }
        for not in [
            "ZYZM-2026-1A2B3C4",
            "ZYZM-26-1A2B3C4D",
            "1a2b3c4d".repeat(5).as_str(),
        ] {
            assert_eq!(printed_number(not), None, "{not}");
        }
    }
}
