//! Step Functions intrinsic functions (`States.Format`, `States.MathAdd`, ...).
