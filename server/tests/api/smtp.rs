//! A real SMTP server process for the tests (aiosmtpd, see `tests/smtp_sink.py`).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        SmtpSink::start_on(free_port())
    }

    /// Starts the sink on `port` and waits until it listens.
    pub fn start_on(port: u16) -> SmtpSink {
        let mut sink = SmtpSink {
            port,
            dir: tempfile::tempdir().unwrap(),
            child: None,
        };
        sink.restart();
        sink
    }

    pub fn restart(&mut self) {
        self.stop();
        // Debian's python3-aiosmtpd belongs to the system interpreter.
        let python =
            std::env::var("MAILROOM_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
        let mut child = Command::new(python)
            .args([script, "--port", &self.port.to_string(), "--dir"])
            .arg(self.dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the SMTP sink (python3-aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "SMTP sink did not start");
        self.child = Some(child);
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Value> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    /// Waits until at least `count` messages arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let messages = self.messages();
            if messages.len() >= count || Instant::now() > deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}
