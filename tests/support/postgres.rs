//! A real PostgreSQL server for a test: Debian's `postgresql` package
//! (`.ci/run` installs it), a cluster made with `initdb` in a folder of
//! its own, on a free loopback port, with a password, run as the
//! unprivileged `postgres` user when the test runs as root. Stopped and
//! removed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The password of the cluster's user `onence`.
pub const PASSWORD: &str = "pg-s3cret-for-tests";

/// A running cluster.
pub struct Cluster {
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
}

/// Where the server's programs are.
fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL (Debian's postgresql package; .ci/run installs it)")
        .map(|e| e.unwrap().path().join("bin"))
        .filter(|bin| bin.join("postgres").exists())
        .collect();
    found.sort();
    found
        .pop()
        .expect("a PostgreSQL server in /usr/lib/postgresql/*/bin")
}

fn is_root() -> bool {
    // The effective uid, from /proc.
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1).map(|uid| uid == "0"))
        .unwrap_or(false)
}

/// `program` to be run as the cluster's owner: `postgres` when the test
/// runs as root (the server refuses root), the test's user otherwise.
fn as_owner(program: &Path) -> Command {
    match is_root() {
        true => {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        }
        false => Command::new(program),
    }
}

impl Cluster {
    /// Makes and starts a cluster named `name`.
    pub fn start(name: &str) -> Cluster {
        let dir = std::env::temp_dir().join(format!("onence-pg-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Cluster {
            dir,
            port,
            bin: bin_dir(),
        };
        std::fs::write(cluster.dir.join("pwfile"), PASSWORD).unwrap();
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&cluster.dir)
                .status()
                .unwrap();
            assert!(status.success());
        }
        let data = cluster.dir.join("data");
        let pwfile = cluster.dir.join("pwfile");
        cluster.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "onence".as_ref(),
                "-A".as_ref(),
                "scram-sha-256".as_ref(),
                format!("--pwfile={}", pwfile.display()).as_ref(),
                "--no-sync".as_ref(),
            ],
        );
        cluster.pg_ctl_start();
        cluster
    }

    /// Runs the server program `program` as the cluster's owner.
    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Output {
        let output = as_owner(&self.bin.join(program))
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{program}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    fn pg_ctl(&self, args: &[&str]) {
        let data = self.dir.join("data");
        let mut all: Vec<&std::ffi::OsStr> = vec!["-D".as_ref(), data.as_os_str()];
        all.extend(args.iter().map(|a| std::ffi::OsStr::new(*a)));
        self.run("pg_ctl", &all);
    }

    fn pg_ctl_start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("server.log");
        self.pg_ctl(&[
            "-w",
            "-l",
            &log.display().to_string(),
            "-o",
            &options,
            "start",
        ]);
    }

    /// Stops the server (a database that is down).
    pub fn stop(&self) {
        self.pg_ctl(&["-w", "-m", "fast", "stop"]);
    }

    /// Starts it again.
    pub fn restart(&self) {
        self.pg_ctl_start();
    }

    /// The URL a receiver is given (no password in it).
    pub fn url(&self) -> String {
        format!("postgres://onence@127.0.0.1:{}/postgres", self.port)
    }

    /// A file holding the password, as `--db-password-file` takes it.
    pub fn password_file(&self, dir: &Path) -> PathBuf {
        let path = dir.join("db-password");
        std::fs::write(&path, format!("{PASSWORD}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    /// The rows `sql` answers, each as its columns joined by `|` (psql's
    /// unaligned output).
    pub fn query(&self, sql: &str) -> Vec<String> {
        let output = Command::new("psql")
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .arg(self.url())
            .env("PGPASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "psql: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The one number `sql` answers.
    pub fn number(&self, sql: &str) -> i64 {
        self.query(sql)[0].parse().unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = as_owner(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
