//! `mailroom`: serve (default), `healthcheck`, `send-test-mail`, `backup`, `descriptors`.

use mailroom_server::{telemetry, Application, Config};

fn fail(message: &str) -> ! {
    eprintln!("mailroom: error: {message}");
    std::process::exit(1);
}

#[tokio::main]
async fn main() {
    let command = std::env::args().nth(1);
    match command.as_deref() {
        None | Some("serve") => serve().await,
        Some("healthcheck") => healthcheck().await,
        Some("send-test-mail") => send_test_mail().await,
        Some("backup") => backup().await,
        // The served gRPC API as a FileDescriptorSet, for tools (`buf curl --schema`)
        // and the wire-compatibility check against ZITADEL's descriptors.
        Some("descriptors") => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            if out
                .write_all(mailroom_server::grpc::DESCRIPTORS)
                .and_then(|()| out.flush())
                .is_err()
            {
                fail("cannot write the descriptors to stdout");
            }
        }
        Some("-h" | "--help" | "help") => {
            println!(
                "usage: mailroom [serve | healthcheck | send-test-mail --to <address> | backup <file> | descriptors]\n\
                 Settings come from the environment; see README.md."
            );
        }
        Some(other) => fail(&format!("unknown command {other:?}; try `mailroom --help`")),
    }
}

async fn serve() {
    let config = Config::from_env().unwrap_or_else(|err| fail(&err));
    telemetry::init(config.log_json);
    let pat_path = config.first_pat_path.clone();
    let mut app = Application::build(config)
        .await
        .unwrap_or_else(|err| fail(&err));
    if let Some(first) = app.bootstrapped.take() {
        println!(
            "First start: created the default org, the admin user and the api-admin machine user."
        );
        println!(
            "  api-admin personal access token written to {}",
            pat_path.display()
        );
        if let Some(password) = &first.generated_admin_password {
            println!("  admin password (shown once): {password}");
        }
    }
    tracing::info!(address = %app.address(), "listening on http://{}", app.address());
    if let Err(err) = app.run_until(shutdown_signal()).await {
        fail(&err);
    }
    tracing::info!("stopped");
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// `mailroom backup <file>`: a consistent copy of the SQLite database, also while the
/// server runs. Restore: stop the server, put the file in place, start it.
async fn backup() {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let [dest] = args.as_slice() else {
        fail("usage: mailroom backup <file>");
    };
    let config = Config::from_env().unwrap_or_else(|err| fail(&err));
    let dest = std::path::Path::new(dest);
    match mailroom_core::store::backup(&config.database_url, dest).await {
        Ok(made) => println!(
            "backed up {} users to {} ({} bytes, mode 0600)",
            made.users,
            dest.display(),
            made.bytes
        ),
        Err(err) => fail(&err),
    }
}

/// Sends one mail through `MAILROOM_SMTP_URL` to check the SMTP settings.
async fn send_test_mail() {
    use mailroom_core::mail::transport::{OutgoingMail, SmtpTransport, Transport};
    let args: Vec<String> = std::env::args().skip(2).collect();
    let to = match args.as_slice() {
        [flag, to] if flag == "--to" => to.clone(),
        _ => fail("usage: mailroom send-test-mail --to <address>"),
    };
    if let Err(err) = mailroom_core::email::EmailAddress::parse(&to) {
        fail(&format!("--to {to:?}: {}", err.client_message()));
    }
    let config = Config::from_env().unwrap_or_else(|err| fail(&err));
    let Some(url) = config.smtp_url else {
        fail(
            "MAILROOM_SMTP_URL is not set: mails go to the dev mailbox (/mailbox), nothing to test",
        );
    };
    let transport = SmtpTransport::from_url(&url.0, 1).unwrap_or_else(|err| fail(&err));
    if let Err(err) = transport.test_connection().await {
        fail(&err);
    }
    let id: u64 = rand::random();
    let mail = OutgoingMail {
        from: config.mail_from.clone(),
        to_name: String::new(),
        to_address: to.clone(),
        subject: "Mailroom test mail".into(),
        text: "This is a test mail from `mailroom send-test-mail`. SMTP works.".into(),
        html: "<p>This is a test mail from <code>mailroom send-test-mail</code>. SMTP works.</p>"
            .into(),
        message_id: format!("<test-{id:016x}@mailroom>"),
    };
    match transport.send(&mail).await {
        Ok(_) => println!("sent a test mail to {to} via {}", transport.describe()),
        Err(err) => fail(&err),
    }
}

/// Exits 0 when `/readyz` on `LEPTOS_SITE_ADDR` answers 200, for container health checks.
async fn healthcheck() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config = Config::from_env().unwrap_or_else(|err| fail(&err));
    let addr = config.site_addr;
    let check = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(format!("GET /readyz HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
            .await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(response)
    };
    match tokio::time::timeout(std::time::Duration::from_secs(5), check).await {
        Ok(Ok(response))
            if response.starts_with(b"HTTP/1.0 200") || response.starts_with(b"HTTP/1.1 200") =>
        {
            println!("ready");
        }
        Ok(Ok(_)) => fail("not ready"),
        Ok(Err(err)) => fail(&format!("cannot reach {addr}: {err}")),
        Err(_) => fail(&format!("no answer from {addr} within 5 s")),
    }
}
