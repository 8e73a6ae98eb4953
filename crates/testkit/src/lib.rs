//! Real servers for tests: Dovecot (IMAP), an SMTP sink, and helpers, each started on a
//! free 127.0.0.1 port inside a temp dir and stopped when dropped.
