//! Tool Lambda: HTTP GET/POST with SSRF protection.

fn main() {}
