//! Reads the certificate and QR codes back as a verifier would; one test binary (one link) for
//! the crate's integration tests.

mod common;
mod pdf;
mod qr;
