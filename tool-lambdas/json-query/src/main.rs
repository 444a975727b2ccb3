//! The `json-query` tool Lambda: only wiring; the logic is in the library.
#![recursion_limit = "256"]

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    toolkit::run(json_query::JsonQuery).await
}
