//! A TCP proxy that can drop its connections, for "the connection died mid-fetch" tests.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};

use crate::HOST;

/// Forwards connections from its own free 127.0.0.1 port to `127.0.0.1:<target>`, byte
/// for byte, and can cut them: [`cut_all`](Self::cut_all) now, or
/// [`cut_after_server_bytes`](Self::cut_after_server_bytes) at a chosen point of the next
/// connection. A cut shuts both sockets down in both directions, so the client reads EOF
/// (or gets an error writing) exactly as when a server or the network goes away.
///
/// Works for TLS too: it forwards the TLS bytes untouched, and the client still verifies
/// the certificate against the name it connects with (use `127.0.0.1` or `localhost`).
///
/// Dropping it stops accepting, cuts every open connection and joins its threads.
pub struct DropProxy {
    port: u16,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Shared {
    stopping: AtomicBool,
    opened: AtomicUsize,
    /// Armed by `cut_after_server_bytes`, taken by the next accepted connection.
    next_limit: Mutex<Option<usize>>,
    open: Mutex<Vec<Link>>,
}

/// Both sockets of one proxied connection (clones of the ones the pump threads use).
struct Link {
    client: TcpStream,
    server: TcpStream,
    pumps: Vec<JoinHandle<()>>,
}

impl Link {
    fn cut(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.server.shutdown(Shutdown::Both);
    }
}

impl DropProxy {
    /// Starts a proxy to `127.0.0.1:<target_port>`. It is ready when this returns (the
    /// listener is bound); the target is connected per accepted connection, and a failed
    /// connect closes that client connection.
    pub fn start(target_port: u16) -> io::Result<DropProxy> {
        let listener = TcpListener::bind((HOST, 0))?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared::default());
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("drop-proxy-{port}"))
                .spawn(move || accept_loop(listener, target_port, &shared))?
        };
        Ok(DropProxy {
            port,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The port clients connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How many client connections were accepted so far (including cut ones).
    pub fn connections_opened(&self) -> usize {
        self.shared.opened.load(Ordering::SeqCst)
    }

    /// Closes every open connection, both ways. New connections are still accepted.
    pub fn cut_all(&self) {
        let links: Vec<Link> = lock(&self.shared.open).drain(..).collect();
        for link in &links {
            link.cut();
        }
        for link in links {
            for pump in link.pumps {
                let _ = pump.join();
            }
        }
    }

    /// The next connection accepted forwards exactly `n` bytes from the server to the
    /// client and is then cut (with `n = 0`, as soon as it is accepted). One-shot: later
    /// connections are not limited unless this is called again.
    pub fn cut_after_server_bytes(&self, n: usize) {
        *lock(&self.shared.next_limit) = Some(n);
    }
}

impl Drop for DropProxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the acceptor, which then sees `stopping`.
        let _ = TcpStream::connect((HOST, self.port));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        self.cut_all();
    }
}

impl std::fmt::Debug for DropProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DropProxy")
            .field("port", &self.port)
            .field("connections_opened", &self.connections_opened())
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn accept_loop(listener: TcpListener, target_port: u16, shared: &Arc<Shared>) {
    for client in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = client else { continue };
        shared.opened.fetch_add(1, Ordering::SeqCst);
        let limit = lock(&shared.next_limit).take();
        let Ok(server) = TcpStream::connect((HOST, target_port)) else {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        };
        if let Err(e) = link(client, server, limit, shared) {
            eprintln!("drop-proxy: cannot forward a connection: {e}");
        }
    }
}

fn link(
    client: TcpStream,
    server: TcpStream,
    limit: Option<usize>,
    shared: &Arc<Shared>,
) -> io::Result<()> {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let mut link = Link {
        client: client.try_clone()?,
        server: server.try_clone()?,
        pumps: Vec::new(),
    };
    if limit == Some(0) {
        link.cut();
        return Ok(());
    }
    let up = pump(
        client.try_clone()?,
        server.try_clone()?,
        None,
        (&client, &server),
    )?;
    let down = pump(
        server.try_clone()?,
        client.try_clone()?,
        limit,
        (&client, &server),
    )?;
    link.pumps = vec![up, down];
    let mut open = lock(&shared.open);
    // Forget connections whose pumps have both finished.
    open.retain(|l| l.pumps.iter().any(|p| !p.is_finished()));
    open.push(link);
    Ok(())
}

/// Copies `from` to `to` until EOF (then half-closes `to`), an error, or `limit` bytes
/// (then cuts the whole connection).
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    limit: Option<usize>,
    (client, server): (&TcpStream, &TcpStream),
) -> io::Result<JoinHandle<()>> {
    let (client, server) = (client.try_clone()?, server.try_clone()?);
    thread::Builder::new()
        .name("drop-proxy-pump".into())
        .spawn(move || {
            let cut = || {
                let _ = client.shutdown(Shutdown::Both);
                let _ = server.shutdown(Shutdown::Both);
            };
            let mut left = limit;
            let mut buf = [0u8; 16 * 1024];
            loop {
                let n = match from.read(&mut buf) {
                    Ok(0) => {
                        let _ = to.shutdown(Shutdown::Write);
                        return;
                    }
                    Ok(n) => n,
                    Err(_) => return cut(),
                };
                let n = left.map_or(n, |l| n.min(l));
                if to.write_all(&buf[..n]).is_err() {
                    return cut();
                }
                if let Some(l) = left.as_mut() {
                    *l -= n;
                    if *l == 0 {
                        let _ = to.flush();
                        return cut();
                    }
                }
            }
        })
}
