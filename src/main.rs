//! `zhiyuan`: one binary that serves the web pages and API and administers the database.

/// mimalloc instead of glibc's malloc: allocation was a third of the CPU of an import,
/// and the server allocates per request all day.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod config;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use config::{FileConfig, Overrides, Settings};
use zhiyuan_app::{App, AppConfig};
use zhiyuan_web::WebConfig;

#[derive(Parser)]
#[command(name = "zhiyuan", version, about = "志愿：退役军人志愿服务队管理系统")]
struct Cli {
    /// Optional TOML configuration file.
    #[arg(long, global = true, env = "ZHIYUAN_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH (default sqlite://zhiyuan.db) or postgres://…
    #[arg(long, global = true, env = "ZHIYUAN_DB")]
    db: Option<String>,
    /// Master key (64 hex digits) for ID-number encryption.
    #[arg(
        long,
        global = true,
        env = "ZHIYUAN_SECRET_KEY",
        hide_env_values = true
    )]
    secret_key: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the web pages and API (migrates the schema first).
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long, env = "ZHIYUAN_LISTEN")]
        listen: Option<String>,
        /// Load the demo county into an empty database and print the demo logins.
        #[arg(long)]
        demo: bool,
    },
    /// Account administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Writes a consistent copy of the database while the server runs.
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Fills an empty database with a reproducible dataset (a county, or a whole province).
    Gen {
        /// county (≈ 8,000 volunteers) or province (1,000,000 volunteers, ≈ 20 M records).
        #[arg(long, default_value = "county", value_parser = ["county", "province"])]
        profile: String,
        /// The same seed (and last month) gives the same data.
        #[arg(long, default_value_t = 20_221_112)]
        seed: u64,
        /// Last month with activities, YYYY-MM (default: the last full month).
        #[arg(long)]
        last_month: Option<String>,
        /// A fraction (0–1] of everything below the counties, to try the load on a small disk.
        #[arg(long, default_value_t = 1.0, hide = true)]
        scale: f64,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Creates a super-administrator whose scope is everything.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, env = "ZHIYUAN_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("错误: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The generator's multi-row inserts are meant to take over a second each; sqlx's
    // slow-statement warnings would print each one's 30,000 placeholders.
    let default_filter = match cli.command {
        Command::Gen { .. } => "info,sqlx=error",
        _ => "info,sqlx=warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let file = FileConfig::load(cli.config.as_deref())?;
    let listen = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    let settings = Settings::resolve(
        file,
        Overrides {
            db: cli.db,
            listen,
            secret_key: cli.secret_key,
        },
    )?;
    let store = zhiyuan_store::connect(&settings.db)
        .await
        .with_context(|| format!("cannot open the database {}", redact(&settings.db)))?;
    let app = App::new(
        Arc::clone(&store),
        AppConfig {
            secret_key_hex: settings.secret_key_hex.clone(),
            session_hours: settings.session_hours,
        },
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    match cli.command {
        Command::Serve { demo, .. } => serve(app, &settings, demo).await,
        Command::Admin {
            command: AdminCommand::Create { username, password },
        } => {
            let user = app.create_super_admin(&username, &password).await?;
            println!("已创建超级管理员 {}", user.username);
            Ok(())
        }
        Command::Gen {
            profile,
            seed,
            last_month,
            scale,
        } => {
            if !(scale > 0.0 && scale <= 1.0) {
                anyhow::bail!("--scale must lie in (0, 1], got {scale}");
            }
            let profile = GenProfile {
                name: &profile,
                scale,
                seed,
            };
            generate(app, profile, last_month.as_deref(), &settings.db).await
        }
        Command::Backup { out } => {
            let out = out.to_str().context("the backup path must be UTF-8")?;
            if std::path::Path::new(out).exists() {
                anyhow::bail!("{out} already exists; choose a new file");
            }
            store.backup(out).await?;
            println!("已备份到 {out}");
            Ok(())
        }
    }
}

/// What `zhiyuan gen` was asked for.
struct GenProfile<'a> {
    name: &'a str,
    scale: f64,
    seed: u64,
}

async fn generate(
    app: App,
    asked: GenProfile<'_>,
    last_month: Option<&str>,
    db: &str,
) -> anyhow::Result<()> {
    use zhiyuan_app::generator::{GenOptions, Profile, Shape};
    let GenProfile { name, scale, seed } = asked;
    let profile = Profile::parse(name).context("profile is county or province")?;
    let last_month = last_month
        .map(zhiyuan_domain::oversight::Month::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--last-month: {e}"))?;
    let options = GenOptions {
        shape: Shape::of(profile, scale),
        seed,
        last_month,
    };
    let mut last_phase = "";
    let summary = zhiyuan_app::generator::generate(&app, &options, |p| {
        if p.phase != last_phase {
            eprintln!("== {} ({:.1?})", p.phase, p.elapsed);
            last_phase = p.phase;
        }
        eprintln!(
            "  {:>11} / ~{:<11} rows  {:>9.0} rows/s  {:>6.0?} elapsed  ETA {:.0?}",
            p.rows_done, p.rows_total, p.rows_per_sec, p.elapsed, p.eta
        );
    })
    .await
    .map_err(|e| {
        if e.code == "database_not_empty" {
            anyhow::anyhow!(e)
        } else {
            // The load sets the secondary indexes aside and runs without a journal on
            // SQLite, so what is left is not a usable database.
            anyhow::anyhow!(
                "{e}\n生成未完成，数据库 {} 不完整，不能使用：请删除它（SQLite 连同同名的 -wal、-shm 文件；\
                 PostgreSQL 则删除并重建该数据库）后重新运行 zhiyuan gen",
                redact(db)
            )
        }
    })?;
    println!(
        "已生成（种子 {seed}）：{} 个组织、{} 个队伍单元、{} 名志愿者、{} 次活动、{} 条服务记录，用时 {:.1?}，数据库 {}",
        summary.orgs,
        summary.teams,
        summary.volunteers,
        summary.activities,
        summary.records,
        summary.elapsed,
        redact(db)
    );
    println!("登录账号：");
    for l in &summary.logins {
        println!(
            "  {:<8} 用户名 {:<10} 密码 {:<18} {}",
            l.role_label, l.username, l.password, l.scope
        );
    }
    Ok(())
}

async fn serve(app: App, settings: &Settings, demo: bool) -> anyhow::Result<()> {
    if demo {
        match zhiyuan_app::demo::load_demo(&app).await? {
            Some(logins) => {
                println!("已载入演示数据（奈曼旗）。演示账号：");
                for l in logins {
                    println!("  {:<10} 用户名 {:<10} 密码 {:<12} {}", l.role_label, l.username, l.password, l.scope);
                }
            }
            None => println!(
                "数据库已有数据，未重复载入演示数据。演示账号 county、township、leader、volunteer，密码 {}",
                zhiyuan_app::demo::DEMO_PASSWORD
            ),
        }
    }
    println!(
        "志愿 已启动: http://{}  (数据库 {})",
        settings.listen,
        redact(&settings.db)
    );
    // Reminders and outside deliveries (通知): state lives in the database, so every process
    // may run the job and a restart picks up where the last one stopped.
    let channels = zhiyuan_app::notifications::channels::Channels::new(&settings.delivery)
        .map_err(|e| anyhow::anyhow!(e))?;
    let _job = app.spawn_notification_job(
        channels,
        Arc::new(zhiyuan_app::notifications::job::SystemClock),
        std::time::Duration::from_secs(60),
    );
    let web = WebConfig {
        secure_cookies: settings.secure_cookies,
        trusted_proxy: settings.trusted_proxy,
        session_hours: settings.session_hours,
    };
    zhiyuan_web::serve(app, web, settings.listen)
        .await
        .context("the server stopped")?;
    Ok(())
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
