//! The `fault-tool` test Lambda: only wiring; the behaviour is in the library.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    toolkit::run(fault_tool::FaultTool).await
}
