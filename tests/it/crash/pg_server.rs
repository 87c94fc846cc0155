//! A PostgreSQL of the test's own, so the test may stop it without warning (`pg_ctl -m
//! immediate`, the same as a crash: no checkpoint, recovery from the WAL on start) and start it
//! again. Data in a temporary directory; as root it runs as the `postgres` OS user, which
//! `initdb` and `postgres` require. Stopped when dropped, so a failed test leaves nothing.

use std::path::PathBuf;
use std::process::Stdio;

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct ThrowawayPg {
    dir: tempfile::TempDir,
    pub port: u16,
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

/// `PG_BIN/<tool> args…`, as the postgres user when root.
fn pg_command(tool: &str) -> tokio::process::Command {
    let bin = format!("{PG_BIN}/{tool}");
    let mut c = if is_root() {
        let mut c = tokio::process::Command::new("runuser");
        c.args(["-u", "postgres", "--", &bin]);
        c
    } else {
        tokio::process::Command::new(bin)
    };
    c.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

impl ThrowawayPg {
    pub async fn init() -> ThrowawayPg {
        let dir = tempfile::tempdir().expect("temp dir");
        if is_root() {
            let owned = tokio::process::Command::new("chown")
                .args(["postgres:", dir.path().to_str().expect("utf-8 path")])
                .status()
                .await
                .expect("chown");
            assert!(owned.success(), "chown to postgres failed");
        }
        let out = pg_command("initdb")
            .arg("-D")
            .arg(dir.path().join("data"))
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .output()
            .await
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pg = ThrowawayPg {
            dir,
            port: crate::process::free_port(),
        };
        pg.start().await;
        pg
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts (or restarts) the server on the same port and waits until it takes connections.
    pub async fn start(&self) {
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c max_connections=100",
            self.port,
            self.dir.path().display()
        );
        let out = pg_command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("server.log"))
            .args(["-o", &opts, "-w", "-t", "30", "start"])
            .output()
            .await
            .expect("run pg_ctl start");
        assert!(out.status.success(), "pg_ctl start: {}", self.log());
    }

    /// Stops the server as a crash would: every backend killed, no checkpoint.
    pub async fn stop_immediate(&self) {
        let out = pg_command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"])
            .output()
            .await
            .expect("run pg_ctl stop");
        assert!(out.status.success(), "pg_ctl stop: {}", self.log());
    }

    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for ThrowawayPg {
    fn drop(&mut self) {
        if !self.data().join("postmaster.pid").exists() {
            return;
        }
        let bin = format!("{PG_BIN}/pg_ctl");
        let data = self.data();
        let mut c = if is_root() {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--", &bin]);
            c
        } else {
            std::process::Command::new(&bin)
        };
        let _ = c
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
