//! DropProxy forwards both ways, counts connections, and cuts them when told.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use switchboard_testkit::{free_port, wait_until, Dovecot, DropProxy};

/// A server that answers every connection with `greeting` and then echoes what it reads.
fn echo_server(greeting: Vec<u8>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let greeting = greeting.clone();
            thread::spawn(move || {
                if stream.write_all(&greeting).is_err() {
                    return;
                }
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 || stream.write_all(&buf[..n]).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to proxy");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    stream
}

fn read_exact_n(stream: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    stream.read_exact(&mut buf).expect("read");
    buf
}

/// Reads until EOF or a reset; a timeout means the connection was NOT cut.
fn read_to_end_or_reset(stream: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return all,
            Err(e) => panic!("connection was not cut: {e}"),
        }
    }
}

#[test]
fn forwards_both_ways_and_counts_connections() {
    let proxy = DropProxy::start(echo_server(b"hi\r\n".to_vec())).expect("proxy");
    assert_eq!(proxy.connections_opened(), 0);
    let mut client = connect(proxy.port());
    assert_eq!(read_exact_n(&mut client, 4), b"hi\r\n");
    client.write_all(b"ping").expect("write");
    assert_eq!(read_exact_n(&mut client, 4), b"ping");
    let _second = connect(proxy.port());
    wait_until("two connections", Duration::from_secs(10), || {
        proxy.connections_opened() == 2
    })
    .expect("count");
    // A client half-close reaches the server, whose EOF comes back.
    client.shutdown(Shutdown::Write).expect("half-close");
    assert_eq!(read_to_end_or_reset(&mut client), b"");
}

#[test]
fn cut_all_closes_open_connections_and_keeps_accepting() {
    let proxy = DropProxy::start(echo_server(b"hi\r\n".to_vec())).expect("proxy");
    let mut a = connect(proxy.port());
    let mut b = connect(proxy.port());
    assert_eq!(read_exact_n(&mut a, 4), b"hi\r\n");
    assert_eq!(read_exact_n(&mut b, 4), b"hi\r\n");
    proxy.cut_all();
    assert_eq!(read_to_end_or_reset(&mut a), b"");
    assert_eq!(read_to_end_or_reset(&mut b), b"");

    let mut c = connect(proxy.port());
    assert_eq!(read_exact_n(&mut c, 4), b"hi\r\n");
    c.write_all(b"still").expect("write");
    assert_eq!(read_exact_n(&mut c, 5), b"still");
}

#[test]
fn cut_after_server_bytes_limits_only_the_next_connection() {
    let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let proxy = DropProxy::start(echo_server(big.clone())).expect("proxy");
    proxy.cut_after_server_bytes(12_345);
    let mut first = connect(proxy.port());
    assert_eq!(read_to_end_or_reset(&mut first), big[..12_345]);

    let mut second = connect(proxy.port());
    assert_eq!(read_exact_n(&mut second, big.len()), big);

    proxy.cut_after_server_bytes(0);
    let mut third = connect(proxy.port());
    assert_eq!(read_to_end_or_reset(&mut third), b"");
    assert_eq!(proxy.connections_opened(), 3);
}

#[test]
fn cuts_a_dovecot_session_mid_greeting() {
    let dovecot = Dovecot::start().expect("dovecot");
    let proxy = DropProxy::start(dovecot.imap_port()).expect("proxy");
    let mut whole = connect(proxy.port());
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        whole.read_exact(&mut byte).expect("greeting byte");
        line.push(byte[0]);
    }
    assert!(line.starts_with(b"* OK"));

    proxy.cut_after_server_bytes(10);
    let mut cut = connect(proxy.port());
    assert_eq!(read_to_end_or_reset(&mut cut), line[..10]);
}

#[test]
fn target_down_closes_the_client_and_drop_stops_listening() {
    let proxy = DropProxy::start(free_port()).expect("proxy");
    let mut client = connect(proxy.port());
    assert_eq!(read_to_end_or_reset(&mut client), b"");
    let port = proxy.port();
    drop(proxy);
    // A listener would accept every attempt. One attempt alone is not proof of the
    // opposite: the freed port is in the ephemeral range, and a loopback connect that
    // happens to pick it as its own source port connects to itself.
    let refused = (0..20).any(|_| TcpStream::connect(("127.0.0.1", port)).is_err());
    assert!(
        refused,
        "something still accepts on the dropped proxy's port {port}"
    );
}

#[test]
fn wait_until_names_what_it_waited_for() {
    let err = wait_until("the moon", Duration::from_millis(20), || false).expect_err("times out");
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    assert!(err.to_string().contains("waiting for the moon"), "{err}");
}
