//! Configuration: command-line flags win over `ZHIYUAN_*` variables (clap reads both), which
//! win over the optional TOML file (`--config` / `ZHIYUAN_CONFIG`), which wins over defaults.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;
use zhiyuan_app::notifications::channels::{DeliveryConfig, SmtpConfig, SmtpSecurity};

pub const DEFAULT_DB: &str = "sqlite://zhiyuan.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub db: Option<String>,
    pub listen: Option<String>,
    /// 64 hex digits.
    pub secret_key: Option<String>,
    pub session_hours: Option<i64>,
    pub secure_cookies: Option<bool>,
    pub trusted_proxy: Option<String>,
    /// Email for notices (通知): the SMTP relay, its login and the sender. No host, no email.
    pub smtp_host: Option<String>,
    /// Default 587 (starttls), 465 (tls) or 25 (none).
    pub smtp_port: Option<u16>,
    pub smtp_user: Option<String>,
    pub smtp_password: Option<String>,
    /// The sender, e.g. "志愿服务 <noreply@example.cn>".
    pub smtp_from: Option<String>,
    /// starttls (default), tls or none (a relay on this host only).
    pub smtp_security: Option<String>,
    /// An SMS gateway's webhook: POSTed `{"phone","text"}` as JSON for each notice.
    pub sms_webhook_url: Option<String>,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("bad config file {}", path.display()))
    }
}

/// Everything `serve` and the admin commands need, resolved.
#[derive(Debug)]
pub struct Settings {
    pub db: String,
    pub listen: SocketAddr,
    pub secret_key_hex: String,
    pub session_hours: i64,
    pub secure_cookies: bool,
    pub trusted_proxy: Option<IpAddr>,
    /// Outside channels for notices (email, SMS webhook); none configured means the bell only.
    pub delivery: DeliveryConfig,
}

pub struct Overrides {
    pub db: Option<String>,
    pub listen: Option<String>,
    pub secret_key: Option<String>,
}

impl Settings {
    pub fn resolve(file: FileConfig, o: Overrides) -> anyhow::Result<Settings> {
        let delivery = delivery_of(&file)?;
        let db = o.db.or(file.db).unwrap_or_else(|| DEFAULT_DB.to_owned());
        let listen = o
            .listen
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen: SocketAddr = listen.parse().with_context(|| {
            format!("--listen must be an address like 127.0.0.1:8080, got {listen}")
        })?;
        let secret_key_hex = match o.secret_key.or(file.secret_key) {
            Some(k) => k,
            None => key_file_for(&db)?,
        };
        let trusted_proxy = match file.trusted_proxy {
            Some(p) => Some(
                p.parse()
                    .with_context(|| format!("trusted_proxy must be an IP address, got {p}"))?,
            ),
            None => None,
        };
        Ok(Settings {
            db,
            listen,
            secret_key_hex,
            session_hours: file.session_hours.unwrap_or(12).clamp(1, 24 * 30),
            secure_cookies: file.secure_cookies.unwrap_or(false),
            trusted_proxy,
            delivery,
        })
    }
}

/// The notice channels of the file: SMTP when `smtp_host` is set (then `smtp_from` is
/// needed), the SMS webhook when `sms_webhook_url` is.
fn delivery_of(file: &FileConfig) -> anyhow::Result<DeliveryConfig> {
    let smtp = match &file.smtp_host {
        None => None,
        Some(host) => {
            let security = SmtpSecurity::parse(file.smtp_security.as_deref().unwrap_or(""))
                .map_err(|e| anyhow::anyhow!(e))?;
            let default_port = match security {
                SmtpSecurity::StartTls => 587,
                SmtpSecurity::Tls => 465,
                SmtpSecurity::None => 25,
            };
            let Some(from) = file.smtp_from.clone() else {
                bail!("smtp_host is set: set smtp_from (the sender address) too");
            };
            Some(SmtpConfig {
                host: host.clone(),
                port: file.smtp_port.unwrap_or(default_port),
                user: file.smtp_user.clone(),
                password: file.smtp_password.clone(),
                from,
                security,
            })
        }
    };
    Ok(DeliveryConfig {
        smtp,
        sms_webhook_url: file.sms_webhook_url.clone(),
    })
}

/// Without a configured key, a SQLite database keeps its key in a file beside it
/// (`zhiyuan.db.key`, mode 0600), made on first start. PostgreSQL deployments run several
/// processes that must share one key, so there it has to be configured.
fn key_file_for(db: &str) -> anyhow::Result<String> {
    let Some(rest) = db
        .strip_prefix("sqlite://")
        .or_else(|| db.strip_prefix("sqlite:"))
    else {
        bail!("set the secret key (ZHIYUAN_SECRET_KEY or secret_key in the config file) for {db}");
    };
    let db_path = rest.split('?').next().unwrap_or(rest);
    if db_path.is_empty() || db_path == ":memory:" {
        bail!("set ZHIYUAN_SECRET_KEY for an in-memory database");
    }
    let key_path = PathBuf::from(format!("{db_path}.key"));
    if key_path.exists() {
        let key = std::fs::read_to_string(&key_path)
            .with_context(|| format!("cannot read {}", key_path.display()))?;
        return Ok(key.trim().to_owned());
    }
    let key = zhiyuan_app::crypto::Secrets::generate_hex();
    write_private(&key_path, &key)?;
    eprintln!(
        "已生成密钥文件 {}（请妥善备份：没有它无法解密身份证号码）",
        key_path.display()
    );
    Ok(key)
}

fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(content.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Overrides {
        Overrides {
            db: None,
            listen: None,
            secret_key: None,
        }
    }

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let file: FileConfig = toml::from_str(
            "db = \"postgres://u@h/db\"\nlisten = \"0.0.0.0:9000\"\nsecret_key = \"ab\"\nsession_hours = 8\ntrusted_proxy = \"127.0.0.1\"",
        )
        .unwrap();
        let s = Settings::resolve(file, none()).unwrap();
        assert_eq!(s.db, "postgres://u@h/db");
        assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(s.session_hours, 8);
        assert_eq!(s.trusted_proxy, Some("127.0.0.1".parse().unwrap()));
        let file: FileConfig =
            toml::from_str("db = \"postgres://u@h/db\"\nsecret_key = \"ab\"").unwrap();
        let s = Settings::resolve(
            file,
            Overrides {
                db: Some("postgres://x@y/z".into()),
                listen: Some("127.0.0.1:1234".into()),
                secret_key: None,
            },
        )
        .unwrap();
        assert_eq!(s.db, "postgres://x@y/z");
        assert_eq!(s.listen.to_string(), "127.0.0.1:1234");
    }

    #[test]
    fn notice_channels_come_from_the_file() {
        let file: FileConfig = toml::from_str(
            "secret_key = \"ab\"\ndb = \"postgres://u@h/d\"\nsmtp_host = \"smtp.example.cn\"\nsmtp_user = \"u\"\nsmtp_password = \"p\"\nsmtp_from = \"志愿服务 <noreply@example.cn>\"\nsms_webhook_url = \"https://sms.example.cn/send\"",
        )
        .unwrap();
        let s = Settings::resolve(file, none()).unwrap();
        let smtp = s.delivery.smtp.unwrap();
        assert_eq!((smtp.host.as_str(), smtp.port), ("smtp.example.cn", 587));
        assert_eq!(smtp.security, SmtpSecurity::StartTls);
        assert_eq!(
            s.delivery.sms_webhook_url.as_deref(),
            Some("https://sms.example.cn/send")
        );
        let file: FileConfig = toml::from_str(
            "secret_key = \"ab\"\ndb = \"postgres://u@h/d\"\nsmtp_host = \"localhost\"\nsmtp_security = \"none\"\nsmtp_from = \"a@b.cn\"",
        )
        .unwrap();
        assert_eq!(
            Settings::resolve(file, none())
                .unwrap()
                .delivery
                .smtp
                .unwrap()
                .port,
            25
        );
        // Nothing configured: the bell only.
        let file: FileConfig =
            toml::from_str("secret_key = \"ab\"\ndb = \"postgres://u@h/d\"").unwrap();
        let s = Settings::resolve(file, none()).unwrap();
        assert!(s.delivery.smtp.is_none() && s.delivery.sms_webhook_url.is_none());
        // A host without a sender, or an unknown security mode, is refused.
        for bad in [
            "secret_key = \"ab\"\ndb = \"postgres://u@h/d\"\nsmtp_host = \"h\"",
            "secret_key = \"ab\"\ndb = \"postgres://u@h/d\"\nsmtp_host = \"h\"\nsmtp_from = \"a@b.cn\"\nsmtp_security = \"ssl\"",
        ] {
            let file: FileConfig = toml::from_str(bad).unwrap();
            assert!(Settings::resolve(file, none()).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(
            toml::from_str::<FileConfig>("colour = \"red\"").is_err(),
            "unknown keys are errors"
        );
        let s = Settings::resolve(
            FileConfig::default(),
            Overrides {
                listen: Some("nowhere".into()),
                ..none()
            },
        );
        assert!(s.is_err());
        // PostgreSQL needs a configured key: its processes must share one.
        let s = Settings::resolve(
            FileConfig::default(),
            Overrides {
                db: Some("postgres://u@h/d".into()),
                ..none()
            },
        );
        assert!(s.is_err());
    }

    #[test]
    fn a_sqlite_database_keeps_its_key_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("z.db").display());
        let first = Settings::resolve(
            FileConfig::default(),
            Overrides {
                db: Some(db.clone()),
                ..none()
            },
        )
        .unwrap();
        let again = Settings::resolve(
            FileConfig::default(),
            Overrides {
                db: Some(db),
                ..none()
            },
        )
        .unwrap();
        assert_eq!(first.secret_key_hex.len(), 64);
        assert_eq!(first.secret_key_hex, again.secret_key_hex);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("z.db.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
