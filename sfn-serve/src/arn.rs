//! ARNs and names: building them the way Step Functions does, and checking what clients
//! send.

use crate::error::{ApiError, ErrorKind};

/// The account every resource of this server belongs to.
pub const ACCOUNT: &str = "123456789012";
/// The region every resource of this server is in.
pub const REGION: &str = "us-east-1";

/// The ARN of a state machine.
pub fn machine_arn(name: &str) -> String {
    format!("arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}")
}

/// The ARN of a Standard execution.
pub fn execution_arn(machine: &str, name: &str) -> String {
    format!("arn:aws:states:{REGION}:{ACCOUNT}:execution:{machine}:{name}")
}

/// The ARN of an Express execution (AWS adds an id so names can repeat).
pub fn express_execution_arn(machine: &str, name: &str) -> String {
    format!(
        "arn:aws:states:{REGION}:{ACCOUNT}:express:{machine}:{name}:{}",
        uuid::Uuid::new_v4()
    )
}

/// The ARN a served Lambda function has.
pub fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")
}

/// The resource parts of an ARN: `arn:aws:states:REGION:ACCOUNT:TYPE:REST`.
fn states_resource<'a>(arn: &'a str, what: &str) -> Result<(&'a str, &'a str), ApiError> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let bad = || {
        ApiError::new(
            ErrorKind::InvalidArn,
            format!(
                "Invalid Arn: `{arn}` is not a {what} ARN; expected `arn:aws:states:{REGION}:{ACCOUNT}:{}:NAME`",
                if what == "state machine" {
                    "stateMachine"
                } else {
                    "execution:MACHINE"
                }
            ),
        )
    };
    match parts.as_slice() {
        ["arn", partition, "states", _region, account, kind, rest]
            if partition.starts_with("aws") && !account.is_empty() && !rest.is_empty() =>
        {
            Ok((*kind, *rest))
        }
        _ => Err(bad()),
    }
    .and_then(|(kind, rest)| match (what, kind) {
        ("state machine", "stateMachine") | ("execution", "execution" | "express") => {
            Ok((kind, rest))
        }
        _ => Err(bad()),
    })
}

/// Checks a state machine ARN; returns the machine's name.
pub fn check_machine_arn(arn: &str) -> Result<&str, ApiError> {
    let (_, rest) = states_resource(arn, "state machine")?;
    // `NAME` or `NAME:VERSION`/`NAME:ALIAS`; versions and aliases are not served.
    Ok(rest.split(':').next().unwrap_or(rest))
}

/// Checks an execution ARN; returns the machine's name.
pub fn check_execution_arn(arn: &str) -> Result<&str, ApiError> {
    let (_, rest) = states_resource(arn, "execution")?;
    let mut parts = rest.split(':');
    match (parts.next(), parts.next()) {
        (Some(machine), Some(name)) if !machine.is_empty() && !name.is_empty() => Ok(machine),
        _ => Err(ApiError::new(
            ErrorKind::InvalidArn,
            format!("Invalid Arn: `{arn}` has no `MACHINE:NAME` part after `execution:`"),
        )),
    }
}

/// Checks a state machine or execution name against Step Functions' rules: 1 to 80
/// characters, no whitespace, brackets, wildcards, control characters or any of
/// `" # % \ ^ | ~ ` $ & , ; : /`.
pub fn check_name(name: &str, what: &str) -> Result<(), ApiError> {
    const FORBIDDEN: &str = "<>{}[]?*\"#%\\^|~`$&,;:/";
    let bad = name
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || FORBIDDEN.contains(*c));
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::new(
            ErrorKind::InvalidName,
            format!("Invalid Name: `{name}`: a {what} name has 1 to 80 characters"),
        ));
    }
    if let Some(c) = bad {
        return Err(ApiError::new(
            ErrorKind::InvalidName,
            format!(
                "Invalid Name: `{name}`: a {what} name may not contain {c:?} (no whitespace, brackets, wildcards or any of \" # % \\ ^ | ~ ` $ & , ; : /)"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_of_the_wrong_kind_are_invalid_arns() {
        assert_eq!(check_machine_arn(&machine_arn("m")).unwrap(), "m");
        let err = check_machine_arn(&execution_arn("m", "e")).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidArn);
        assert_eq!(check_execution_arn(&execution_arn("m", "e")).unwrap(), "m");
        assert_eq!(
            check_execution_arn("not-an-arn").unwrap_err().kind,
            ErrorKind::InvalidArn
        );
    }

    #[test]
    fn names_follow_step_functions_rules() {
        assert!(check_name("order-42_ok", "execution").is_ok());
        for bad in ["", "a b", "a:b", "a/b", &"x".repeat(81)] {
            assert_eq!(
                check_name(bad, "execution").unwrap_err().kind,
                ErrorKind::InvalidName
            );
        }
    }
}
