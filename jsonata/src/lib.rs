//! A JSONata evaluator for Step Functions' JSONata query language.
