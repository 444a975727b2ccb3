//! Tool Lambda: RFC 9535 JSONPath queries over inline or offloaded documents.

fn main() {}
