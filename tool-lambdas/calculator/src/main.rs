//! The `calculator` tool Lambda: only wiring; the logic is in the library.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    toolkit::run(calculator::Calculator).await
}
