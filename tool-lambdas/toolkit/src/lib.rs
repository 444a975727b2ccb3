//! The tool kit: Tool trait, Lambda adapter, input validation, offload and manifest export.
