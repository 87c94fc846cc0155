//! Outside channels for notices: email over SMTP (lettre, rustls) when SMTP is configured, and
//! an SMS gateway interface — an HTTP webhook that receives `{"phone","text"}` as JSON — for
//! deployments that have one. The in-app bell needs neither.
//!
//! Each notice is sent at most once per channel: `deliver_pending` claims delivery rows in the
//! database (a lease, so another server process skips them), sends, and records sent, retry
//! (after 1, 2, 4, 8 minutes) or failed (after 5 attempts, or an address that can never work).
//! Only a process that dies between a send and its record can send a notice twice.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Serialize;
use zhiyuan_store::notifications::{DeliveryJob, DeliveryResult};

use crate::error::AppResult;
use crate::{new_id, App};

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i64 = 5;
/// Notices older than this when a channel first sees them are not sent on it (a channel
/// configured today does not mail out last year's inbox).
pub const MAX_AGE_MS: i64 = 24 * 3600 * 1000;
/// How long a claimed delivery is reserved for the process that claimed it.
pub const LEASE_MS: i64 = 5 * 60 * 1000;
/// Deliveries claimed at a time per channel.
const BATCH: i64 = 100;
/// How long one run keeps claiming batches, so a tick ends well before the next (a backlog
/// goes on at the next tick).
const RUN_BUDGET: Duration = Duration::from_secs(40);
/// Time allowed to one SMTP conversation or webhook call.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// How the SMTP connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// STARTTLS required (port 587, the default).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// None: only for a relay on the same host or a trusted network.
    None,
}

impl SmtpSecurity {
    pub fn parse(s: &str) -> Result<SmtpSecurity, String> {
        match s {
            "starttls" | "" => Ok(SmtpSecurity::StartTls),
            "tls" => Ok(SmtpSecurity::Tls),
            "none" => Ok(SmtpSecurity::None),
            other => Err(format!(
                "smtp_security must be starttls, tls or none, not {other}"
            )),
        }
    }
}

/// `Debug` leaves the password out (settings may be logged).
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
    /// The sender, e.g. `志愿服务 <noreply@example.cn>`.
    pub from: String,
    pub security: SmtpSecurity,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .field("security", &self.security)
            .finish()
    }
}

/// Which outside channels a deployment has. Both `None`: the bell only.
#[derive(Clone, Debug, Default)]
pub struct DeliveryConfig {
    pub smtp: Option<SmtpConfig>,
    pub sms_webhook_url: Option<String>,
}

/// The configured channels, built once and reused.
#[derive(Clone, Default)]
pub struct Channels {
    email: Option<EmailChannel>,
    sms: Option<SmsWebhook>,
}

#[derive(Clone)]
struct EmailChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

#[derive(Clone)]
struct SmsWebhook {
    url: String,
}

/// What one delivery run did, per channel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryRun {
    pub sent: u64,
    pub skipped: u64,
    pub retry: u64,
    pub failed: u64,
}

impl Channels {
    /// Checks the configuration (a bad sender or webhook address fails at start, not later).
    pub fn new(config: &DeliveryConfig) -> Result<Channels, String> {
        let email = match &config.smtp {
            None => None,
            Some(c) => {
                let from: Mailbox = c
                    .from
                    .parse()
                    .map_err(|e| format!("smtp_from is not an email address: {e}"))?;
                let builder = match c.security {
                    SmtpSecurity::StartTls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.host)
                            .map_err(|e| format!("smtp_host: {e}"))?
                    }
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.host)
                        .map_err(|e| format!("smtp_host: {e}"))?,
                    SmtpSecurity::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host)
                    }
                };
                let mut builder = builder.port(c.port).timeout(Some(SEND_TIMEOUT));
                if let (Some(user), Some(password)) = (&c.user, &c.password) {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                Some(EmailChannel {
                    transport: builder.build(),
                    from,
                })
            }
        };
        let sms = match &config.sms_webhook_url {
            None => None,
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                Some(SmsWebhook { url: url.clone() })
            }
            Some(url) => return Err(format!("sms_webhook_url must be http(s)://…, not {url}")),
        };
        Ok(Channels { email, sms })
    }

    pub fn has_email(&self) -> bool {
        self.email.is_some()
    }

    pub fn has_sms(&self) -> bool {
        self.sms.is_some()
    }
}

impl EmailChannel {
    async fn send(&self, to: &str, subject: &str, text: &str) -> Result<(), SendError> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| SendError::Permanent(format!("bad address: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(text.to_owned())
            .map_err(|e| SendError::Permanent(format!("message: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            // A 5xx answer (no such mailbox, refused) will not change on a retry.
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }
}

impl SmsWebhook {
    /// POSTs `{"phone","text"}`; any 2xx answer is delivered. ureq is blocking, so the call
    /// runs on the blocking pool.
    async fn send(&self, phone: &str, text: &str) -> Result<(), SendError> {
        let url = self.url.clone();
        let body = serde_json::json!({ "phone": phone, "text": text }).to_string();
        let result = tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(SEND_TIMEOUT))
                .http_status_as_error(false)
                .build()
                .into();
            agent
                .post(&url)
                .header("Content-Type", "application/json; charset=utf-8")
                .send(body.as_bytes())
                .map(|r| r.status().as_u16())
        })
        .await
        .map_err(|e| SendError::Transient(format!("webhook task: {e}")))?;
        match result {
            Ok(s) if (200..300).contains(&s) => Ok(()),
            // The gateway refused this request as such (bad number, …): don't hammer it.
            Ok(s) if (400..500).contains(&s) && s != 408 && s != 429 => {
                Err(SendError::Permanent(format!("webhook answered HTTP {s}")))
            }
            Ok(s) => Err(SendError::Transient(format!("webhook answered HTTP {s}"))),
            Err(e) => Err(SendError::Transient(format!("webhook: {e}"))),
        }
    }
}

enum SendError {
    /// Worth another try later (network, 5xx of the webhook, 4xx of SMTP).
    Transient(String),
    /// Will never work (bad address, refused).
    Permanent(String),
}

/// How a failed attempt is recorded: retried after 1, 2, 4, 8 minutes, then given up.
fn after_failure(err: SendError, attempts_before: i64, now_ms: i64) -> DeliveryResult {
    match err {
        SendError::Permanent(error) => DeliveryResult::Failed { error },
        SendError::Transient(error) if attempts_before + 1 >= MAX_ATTEMPTS => {
            DeliveryResult::Failed { error }
        }
        SendError::Transient(error) => DeliveryResult::Retry {
            error,
            next_attempt_at: now_ms + 60_000 * (1 << attempts_before.clamp(0, 10)),
        },
    }
}

/// The text of a notice outside the app: its title and body, and where to look in the app.
fn outside_text(job: &DeliveryJob) -> String {
    let mut text = format!("【志愿服务】{}\n{}", job.title, job.body);
    if let Some(link) = crate::notifications::local_link(job.link.as_deref()) {
        text.push_str(&format!("\n（登录系统后查看：{link}）"));
    }
    text
}

impl App {
    /// Sends the notices due on each configured channel and records each outcome. `now_ms`
    /// comes from the caller (the job's clock), so tests can move time.
    pub async fn deliver_pending(
        &self,
        channels: &Channels,
        now_ms: i64,
    ) -> AppResult<DeliveryRun> {
        let mut run = DeliveryRun::default();
        for channel in ["email", "sms"] {
            let configured = match channel {
                "email" => channels.has_email(),
                _ => channels.has_sms(),
            };
            if !configured {
                continue;
            }
            let started = std::time::Instant::now();
            loop {
                let claim = new_id();
                let jobs = self
                    .store
                    .claim_deliveries(
                        channel,
                        &claim,
                        now_ms - MAX_AGE_MS,
                        now_ms,
                        now_ms + LEASE_MS,
                        BATCH,
                    )
                    .await?;
                let full = jobs.len() as i64 >= BATCH;
                self.deliver_batch(channels, channel, jobs, now_ms, &mut run)
                    .await?;
                if !full || started.elapsed() > RUN_BUDGET {
                    break;
                }
            }
        }
        Ok(run)
    }

    /// Sends one claimed batch on `channel` and records each outcome.
    async fn deliver_batch(
        &self,
        channels: &Channels,
        channel: &str,
        jobs: Vec<DeliveryJob>,
        now_ms: i64,
        run: &mut DeliveryRun,
    ) -> AppResult<()> {
        for job in jobs {
            let result = match job.address.as_deref().map(str::trim) {
                None | Some("") => DeliveryResult::Skipped,
                Some(to) => {
                    let sent = match (channel, &channels.email, &channels.sms) {
                        ("email", Some(e), _) => e.send(to, &job.title, &outside_text(&job)).await,
                        (_, _, Some(s)) => s.send(to, &outside_text(&job)).await,
                        _ => Err(SendError::Permanent("channel not configured".into())),
                    };
                    match sent {
                        Ok(()) => DeliveryResult::Sent,
                        Err(e) => after_failure(e, job.attempts, now_ms),
                    }
                }
            };
            match &result {
                DeliveryResult::Sent => run.sent += 1,
                DeliveryResult::Skipped => run.skipped += 1,
                DeliveryResult::Retry { error, .. } => {
                    tracing::warn!(channel, notification = %job.notification_id, %error, "delivery failed, will retry");
                    run.retry += 1
                }
                DeliveryResult::Failed { error } => {
                    tracing::warn!(channel, notification = %job.notification_id, %error, "delivery failed for good");
                    run.failed += 1
                }
            }
            self.store
                .finish_delivery(&job.notification_id, channel, &result, now_ms)
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_then_give_up() {
        let t = |attempts| after_failure(SendError::Transient("x".into()), attempts, 0);
        assert_eq!(
            t(0),
            DeliveryResult::Retry {
                error: "x".into(),
                next_attempt_at: 60_000
            }
        );
        assert_eq!(
            t(3),
            DeliveryResult::Retry {
                error: "x".into(),
                next_attempt_at: 480_000
            }
        );
        assert_eq!(t(4), DeliveryResult::Failed { error: "x".into() });
        assert_eq!(
            after_failure(SendError::Permanent("bad".into()), 0, 0),
            DeliveryResult::Failed {
                error: "bad".into()
            }
        );
    }

    #[test]
    fn configuration_is_checked_at_start() {
        let bad_from = DeliveryConfig {
            smtp: Some(SmtpConfig {
                host: "localhost".into(),
                port: 25,
                user: None,
                password: None,
                from: "not an address".into(),
                security: SmtpSecurity::None,
            }),
            sms_webhook_url: None,
        };
        assert!(Channels::new(&bad_from).is_err());
        let bad_url = DeliveryConfig {
            smtp: None,
            sms_webhook_url: Some("ftp://x".into()),
        };
        assert!(Channels::new(&bad_url).is_err());
        let none = Channels::new(&DeliveryConfig::default()).unwrap();
        assert!(!none.has_email() && !none.has_sms());
        assert_eq!(SmtpSecurity::parse("tls"), Ok(SmtpSecurity::Tls));
        assert!(SmtpSecurity::parse("ssl").is_err());
    }
}
