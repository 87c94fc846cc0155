//! Rotating QR check-in (扫码签到): the officer's phone shows a code signed with a key derived
//! from the master key, valid about a minute; a volunteer scans it to `/checkin/{token}` and
//! is checked in, or out when already in. Expired, altered or foreign codes are refused.

use serde::Serialize;
use zhiyuan_domain::activity::{Captured, HOUR_MS};

use super::views::RecordView;
use crate::crypto::{constant_time_eq, mac_hex};
use crate::error::{AppError, AppResult};
use crate::{clock, Actor, App, ErrorKind};

/// How long a shown code stays valid (the page refreshes it every 20 s).
pub const CODE_TTL_MS: i64 = 60_000;
/// Scanning opens this long before the activity starts.
const EARLY_MS: i64 = HOUR_MS / 2;

#[derive(Clone, Debug, Serialize)]
pub struct CheckinCode {
    pub token: String,
    /// Path to open, e.g. `/checkin/…`.
    pub path: String,
    pub expires_at: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScanResult {
    /// "in" or "out"
    pub action: String,
    pub activity_title: String,
    pub record: RecordView,
}

fn invalid_code() -> AppError {
    AppError::invalid(
        "token",
        "checkin_code_invalid",
        "签到码无效（不是本系统签发或已被改动）",
    )
}

impl App {
    fn sign_checkin(&self, activity_id: &str, expires: i64) -> String {
        let mac = mac_hex(
            &self.secrets.checkin_key,
            format!("{activity_id}.{expires}").as_bytes(),
        );
        format!("{activity_id}.{expires}.{}", &mac[..32])
    }

    /// The activity a code was signed for, if the signature holds and it has not expired.
    pub fn verify_checkin_token(&self, token: &str, now: i64) -> AppResult<String> {
        let mut parts = token.trim().splitn(3, '.');
        let (Some(id), Some(exp), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid_code());
        };
        let expires: i64 = exp.parse().map_err(|_| invalid_code())?;
        let expected = self.sign_checkin(id, expires);
        if !constant_time_eq(expected.as_bytes(), token.trim().as_bytes()) {
            return Err(invalid_code());
        }
        if now > expires {
            return Err(AppError::new(
                ErrorKind::Unprocessable,
                "checkin_code_expired",
                "签到码已过期，请扫描最新的二维码",
            )
            .with_field("token"));
        }
        Ok(id.to_owned())
    }

    /// A fresh code for the activity's officer to show.
    pub async fn checkin_code(&self, actor: &Actor, activity_id: &str) -> AppResult<CheckinCode> {
        let a = self.managed_activity(actor, activity_id).await?;
        if a.status != "published" {
            return Err(AppError::conflict(
                "activity_not_open",
                "只有已发布的活动可以扫码签到",
            ));
        }
        let expires_at = clock::now_ms() + CODE_TTL_MS;
        let token = self.sign_checkin(&a.id, expires_at);
        Ok(CheckinCode {
            path: format!("/checkin/{token}"),
            token,
            expires_at,
        })
    }

    /// The activity a code leads to, for the confirmation page (before the volunteer taps).
    pub async fn checkin_preview(
        &self,
        actor: &Actor,
        token: &str,
    ) -> AppResult<(super::ActivityView, bool)> {
        let id = self.verify_checkin_token(token, clock::now_ms())?;
        let vid = actor
            .volunteer_id
            .clone()
            .ok_or_else(AppError::role_forbidden)?;
        let a = self
            .store
            .get_activity(&id)
            .await?
            .ok_or_else(invalid_code)?;
        let open = self.store.open_record(&a.id, &vid).await?.is_some();
        Ok((super::ActivityView::from(&a), open))
    }

    /// Checks the logged-in volunteer in, or out when a check-in is open.
    pub async fn scan_checkin(&self, actor: &Actor, token: &str) -> AppResult<ScanResult> {
        let now = clock::now_ms();
        let id = self.verify_checkin_token(token, now)?;
        let vid = actor
            .volunteer_id
            .clone()
            .ok_or_else(AppError::role_forbidden)?;
        let a = self
            .store
            .get_activity(&id)
            .await?
            .ok_or_else(invalid_code)?;
        let signup = self.store.get_signup(&a.id, &vid).await?;
        if signup.is_none_or(|s| s.status != "confirmed") {
            return Err(AppError::invalid(
                "token",
                "not_confirmed",
                "您没有本活动的确认名额，不能签到",
            ));
        }
        if now < a.starts_at - EARLY_MS || now > a.ends_at + EARLY_MS {
            return Err(AppError::invalid(
                "token",
                "outside_activity",
                "不在活动时间内",
            ));
        }
        if let Some(open) = self.store.open_record(&a.id, &vid).await? {
            // Check-out: service ends now, or at the activity's end if later scanned.
            let out = now.min(a.ends_at).max(open.eff_in);
            let audit = self.audit_entry(
                actor,
                "attendance.scan_out",
                "service_record",
                &open.id,
                &a.org_path,
                None,
                Some(serde_json::json!({"checked_out_at": clock::rfc3339(out)})),
            );
            let row = self
                .store
                .close_record(&open.id, out, super::records::day_rule, &audit)
                .await?;
            return Ok(ScanResult {
                action: "out".into(),
                activity_title: a.title.clone(),
                record: RecordView::from(&row),
            });
        }
        // Service starts at the activity's start at the earliest (travel is not service).
        let cin = now.max(a.starts_at).min(a.ends_at);
        let r = self.new_record(
            actor,
            &a,
            &vid,
            cin,
            None,
            Captured::Scan,
            String::new(),
            String::new(),
            String::new(),
        );
        let record = self.write_record(actor, &r, "attendance.scan_in").await?;
        Ok(ScanResult {
            action: "in".into(),
            activity_title: a.title.clone(),
            record,
        })
    }
}

/// A QR code as inline SVG (dark modules as one path), `size_px` wide.
pub fn qr_svg(text: &str, size_px: u32) -> AppResult<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|_| AppError::internal())?;
    let w = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let total = w + 2 * quiet;
    let mut path = String::new();
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = (i % w + quiet, i / w + quiet);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size_px}\" height=\"{size_px}\" viewBox=\"0 0 {total} {total}\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"签到二维码\"><rect width=\"{total}\" height=\"{total}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}
