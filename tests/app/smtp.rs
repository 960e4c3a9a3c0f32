//! A tiny SMTP server for the mail worker's tests: it speaks just enough SMTP for lettre to
//! deliver a message over plain TCP on a free loopback port, and records every message it
//! accepted. `rejecting()` turns every connection away, as a server that is down would.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    /// The `RCPT TO` addresses, without angle brackets.
    pub to: Vec<String>,
    /// The message's headers and body, as sent after `DATA`.
    pub data: String,
}

pub struct SmtpServer {
    /// `smtp://127.0.0.1:{port}`: no TLS, no credentials.
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl SmtpServer {
    /// A server that accepts every message.
    pub async fn start() -> Self {
        Self::listen(true).await
    }

    /// A server that greets every connection with a 421 (not now: a passing failure) and hangs up.
    pub async fn rejecting() -> Self {
        Self::listen(false).await
    }

    async fn listen(accepting: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    if accepting {
                        let _ = converse(stream, store).await;
                    } else {
                        let mut stream = stream;
                        let _ = stream
                            .write_all(b"421 4.3.2 geen post vandaag, probeer later\r\n")
                            .await;
                    }
                });
            }
        });
        Self {
            url: format!("smtp://127.0.0.1:{port}"),
            received,
        }
    }

    /// The messages accepted so far.
    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn converse(stream: TcpStream, store: Arc<Mutex<Vec<Received>>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 test.local ESMTP\r\n").await?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        if command.starts_with("EHLO") || command.starts_with("HELO") {
            write.write_all(b"250 test.local\r\n").await?;
        } else if command.starts_with("MAIL FROM") {
            to.clear();
            write.write_all(b"250 OK\r\n").await?;
        } else if command.starts_with("RCPT TO") {
            let address = line.trim_end()["RCPT TO:".len()..]
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string();
            to.push(address);
            write.write_all(b"250 OK\r\n").await?;
        } else if command == "DATA" {
            write.write_all(b"354 verder\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(&line);
            }
            store.lock().unwrap().push(Received {
                to: std::mem::take(&mut to),
                data,
            });
            write.write_all(b"250 OK\r\n").await?;
        } else if command == "QUIT" {
            write.write_all(b"221 tot ziens\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"250 OK\r\n").await?;
        }
    }
}
