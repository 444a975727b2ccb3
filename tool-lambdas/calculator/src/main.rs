//! Tool Lambda: exact arithmetic.

fn main() {}
