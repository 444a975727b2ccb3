//! The `json-query` tool Lambda: only wiring; the logic is in the library.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    toolkit::run(json_query::JsonQuery).await
}
