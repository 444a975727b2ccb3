//! The `http-fetch` tool Lambda: only wiring; the logic is in the library.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let tool =
        http_fetch::HttpFetch::from_env().map_err(|e| Box::new(e) as lambda_runtime::Error)?;
    toolkit::run(tool).await
}
