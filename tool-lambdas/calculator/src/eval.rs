//! A small recursive-descent parser and evaluator over `rust_decimal::Decimal`.

use rust_decimal::prelude::*;
use rust_decimal::{Decimal, MathematicalOps};

/// Why an expression could not be evaluated; `at` is the character offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The expression is not well formed.
    #[error("syntax error at character {at}: {message}")]
    Syntax {
        /// Character offset.
        at: usize,
        /// What was expected.
        message: String,
    },
    /// Division (or remainder) by zero.
    #[error("division by zero at character {at}; check the divisor")]
    DivisionByZero {
        /// Character offset of the operator.
        at: usize,
    },
    /// A result does not fit in 28 significant digits, or a function's argument is out of
    /// its domain.
    #[error("cannot compute at character {at}: {message}")]
    Domain {
        /// Character offset.
        at: usize,
        /// What went wrong.
        message: String,
    },
}

/// Nesting deeper than this is refused (no stack overflow on hostile input).
const MAX_DEPTH: usize = 200;

/// Evaluates `expression` exactly.
pub fn evaluate(expression: &str) -> Result<Decimal, EvalError> {
    let mut parser = Parser {
        chars: expression.chars().collect(),
        pos: 0,
        depth: 0,
    };
    let value = parser.expr()?;
    parser.skip_ws();
    if parser.pos < parser.chars.len() {
        return Err(parser.syntax(format!("unexpected `{}`", parser.chars[parser.pos])));
    }
    Ok(value)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn syntax(&self, message: impl Into<String>) -> EvalError {
        EvalError::Syntax {
            at: self.pos,
            message: message.into(),
        }
    }

    fn overflow(at: usize, what: &str) -> EvalError {
        EvalError::Domain {
            at,
            message: format!("{what} overflows 28 significant digits"),
        }
    }

    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> Result<(), EvalError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.syntax(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    /// expr := term (('+' | '-') term)*
    fn expr(&mut self) -> Result<Decimal, EvalError> {
        self.enter()?;
        let mut acc = self.term()?;
        loop {
            let at = self.pos;
            if self.eat('+') {
                acc = acc
                    .checked_add(self.term()?)
                    .ok_or_else(|| Self::overflow(at, "the sum"))?;
            } else if self.eat('-') {
                acc = acc
                    .checked_sub(self.term()?)
                    .ok_or_else(|| Self::overflow(at, "the difference"))?;
            } else {
                break;
            }
        }
        self.depth -= 1;
        Ok(acc)
    }

    /// term := unary (('*' | '/' | '%') unary)*
    fn term(&mut self) -> Result<Decimal, EvalError> {
        let mut acc = self.unary()?;
        loop {
            self.skip_ws();
            let at = self.pos;
            if self.eat('*') {
                acc = acc
                    .checked_mul(self.unary()?)
                    .ok_or_else(|| Self::overflow(at, "the product"))?;
            } else if self.eat('/') {
                let divisor = self.unary()?;
                if divisor.is_zero() {
                    return Err(EvalError::DivisionByZero { at });
                }
                acc = acc
                    .checked_div(divisor)
                    .ok_or_else(|| Self::overflow(at, "the quotient"))?;
            } else if self.eat('%') {
                let divisor = self.unary()?;
                if divisor.is_zero() {
                    return Err(EvalError::DivisionByZero { at });
                }
                acc = acc
                    .checked_rem(divisor)
                    .ok_or_else(|| Self::overflow(at, "the remainder"))?;
            } else {
                break;
            }
        }
        Ok(acc)
    }

    /// unary := '-' unary | '+' unary | power
    fn unary(&mut self) -> Result<Decimal, EvalError> {
        if self.eat('-') {
            self.enter()?;
            let v = -self.unary()?;
            self.depth -= 1;
            return Ok(v);
        }
        if self.eat('+') {
            self.enter()?;
            let v = self.unary()?;
            self.depth -= 1;
            return Ok(v);
        }
        self.power()
    }

    /// power := atom ('^' unary)?   (right associative; `-2^2` is `-(2^2)`)
    fn power(&mut self) -> Result<Decimal, EvalError> {
        let base = self.atom()?;
        self.skip_ws();
        let at = self.pos;
        if self.eat('^') {
            self.enter()?;
            let exponent = self.unary()?;
            self.depth -= 1;
            if !exponent.fract().is_zero() {
                return Err(EvalError::Domain {
                    at,
                    message: format!(
                        "exponent `{exponent}` is not an integer; use sqrt for square roots"
                    ),
                });
            }
            let exp = exponent
                .to_i64()
                .ok_or_else(|| Self::overflow(at, "the exponent"))?;
            if base.is_zero() && exp < 0 {
                return Err(EvalError::DivisionByZero { at });
            }
            return base
                .checked_powi(exp)
                .ok_or_else(|| Self::overflow(at, "the power"));
        }
        Ok(base)
    }

    /// atom := number | '(' expr ')' | name '(' args ')'
    fn atom(&mut self) -> Result<Decimal, EvalError> {
        match self.peek() {
            Some('(') => {
                self.pos += 1;
                let v = self.expr()?;
                if !self.eat(')') {
                    return Err(self.syntax("expected `)`"));
                }
                Ok(v)
            }
            Some(c) if c.is_ascii_digit() || c == '.' => self.number(),
            Some(c) if c.is_ascii_alphabetic() => self.call(),
            Some(c) => Err(self.syntax(format!(
                "unexpected `{c}`; expected a number, `(` or a function"
            ))),
            None => Err(self.syntax("unexpected end of expression; expected a number")),
        }
    }

    fn number(&mut self) -> Result<Decimal, EvalError> {
        let start = self.pos;
        while self
            .chars
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_digit() || *c == '.')
        {
            self.pos += 1;
        }
        // Scientific notation: 1e3, 2.5E-4.
        if self
            .chars
            .get(self.pos)
            .is_some_and(|c| *c == 'e' || *c == 'E')
        {
            let save = self.pos;
            self.pos += 1;
            if self
                .chars
                .get(self.pos)
                .is_some_and(|c| *c == '+' || *c == '-')
            {
                self.pos += 1;
            }
            if self.chars.get(self.pos).is_some_and(|c| c.is_ascii_digit()) {
                while self.chars.get(self.pos).is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
            } else {
                self.pos = save;
            }
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        let parsed = if text.contains(['e', 'E']) {
            Decimal::from_scientific(&text)
        } else {
            Decimal::from_str_exact(&text)
        };
        parsed.map_err(|_| EvalError::Syntax {
            at: start,
            message: format!("`{text}` is not a number (or has more than 28 significant digits)"),
        })
    }

    fn call(&mut self) -> Result<Decimal, EvalError> {
        let start = self.pos;
        while self
            .chars
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        if !self.eat('(') {
            return Err(EvalError::Syntax {
                at: start,
                message: format!(
                    "unknown name `{name}`; functions need parentheses, e.g. `abs(-2)`"
                ),
            });
        }
        let mut args = Vec::new();
        if !self.eat(')') {
            loop {
                args.push(self.expr()?);
                if self.eat(',') {
                    continue;
                }
                if self.eat(')') {
                    break;
                }
                return Err(self.syntax("expected `,` or `)` in the argument list"));
            }
        }
        apply(&name, &args, start)
    }
}

fn apply(name: &str, args: &[Decimal], at: usize) -> Result<Decimal, EvalError> {
    let arity = |n: &[usize]| -> Result<(), EvalError> {
        if n.contains(&args.len()) {
            Ok(())
        } else {
            Err(EvalError::Syntax {
                at,
                message: format!(
                    "`{name}` takes {} argument(s), got {}",
                    n.iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(" or "),
                    args.len()
                ),
            })
        }
    };
    match name {
        "abs" => {
            arity(&[1])?;
            Ok(args[0].abs())
        }
        "floor" => {
            arity(&[1])?;
            Ok(args[0].floor())
        }
        "ceil" => {
            arity(&[1])?;
            Ok(args[0].ceil())
        }
        "round" => {
            arity(&[1, 2])?;
            let places = match args.get(1) {
                None => 0,
                Some(p)
                    if p.fract().is_zero() && !p.is_sign_negative() && *p <= Decimal::from(28) =>
                {
                    p.to_u32().unwrap_or(0)
                }
                Some(p) => {
                    return Err(EvalError::Domain {
                        at,
                        message: format!("round places `{p}` must be a whole number from 0 to 28"),
                    });
                }
            };
            // Half away from zero, the rounding people expect for money.
            Ok(args[0].round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero))
        }
        "min" | "max" => {
            if args.is_empty() {
                return Err(EvalError::Syntax {
                    at,
                    message: format!("`{name}` needs at least one argument"),
                });
            }
            let pick = if name == "min" {
                Decimal::min
            } else {
                Decimal::max
            };
            Ok(args[1..].iter().fold(args[0], |a, b| pick(a, *b)))
        }
        "sqrt" => {
            arity(&[1])?;
            args[0].sqrt().ok_or_else(|| EvalError::Domain {
                at,
                message: format!("sqrt of negative number `{}`", args[0]),
            })
        }
        other => Err(EvalError::Syntax {
            at,
            message: format!(
                "unknown function `{other}`; use abs, round, floor, ceil, min, max or sqrt"
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(expr: &str) -> String {
        evaluate(expr).unwrap().normalize().to_string()
    }

    #[test]
    fn decimal_arithmetic_has_no_float_surprises() {
        assert_eq!(ok("0.1 + 0.2"), "0.3");
        assert_eq!(ok("1.10 * 3"), "3.3");
        assert_eq!(ok("19.99 * 3 - 0.97"), "59");
        assert_eq!(ok("1 / 4 * 4"), "1");
        // A repeating decimal is cut at 28 significant digits, not rounded through binary.
        assert_eq!(ok("1 / 3"), "0.3333333333333333333333333333");
        assert_eq!(ok("10 % 3"), "1");
    }

    #[test]
    fn precedence_associativity_and_unary_minus() {
        assert_eq!(ok("2 + 3 * 4"), "14");
        assert_eq!(ok("(2 + 3) * 4"), "20");
        assert_eq!(ok("2 ^ 3 ^ 2"), "512");
        assert_eq!(ok("-2 ^ 2"), "-4");
        assert_eq!(ok("2 ^ -1"), "0.5");
        assert_eq!(ok("--3"), "3");
        assert_eq!(ok("8 - 3 - 2"), "3");
        assert_eq!(ok("1e3 + 2.5E-1"), "1000.25");
    }

    #[test]
    fn functions() {
        assert_eq!(ok("round(2.5)"), "3");
        assert_eq!(ok("round(-2.5)"), "-3");
        assert_eq!(ok("round(1.005, 2)"), "1.01");
        assert_eq!(ok("abs(-4.2) + floor(1.9) + ceil(1.1)"), "7.2");
        assert_eq!(ok("min(3, 1, 2) + max(3, 1, 2)"), "4");
        assert_eq!(ok("sqrt(16)"), "4");
    }

    #[test]
    fn errors_name_the_position() {
        assert_eq!(evaluate("1 / 0"), Err(EvalError::DivisionByZero { at: 2 }));
        assert_eq!(
            evaluate("5 % (2 - 2)"),
            Err(EvalError::DivisionByZero { at: 2 })
        );
        assert!(matches!(
            evaluate("1 +"),
            Err(EvalError::Syntax { at: 3, .. })
        ));
        assert!(matches!(
            evaluate("(1 + 2"),
            Err(EvalError::Syntax { at: 6, .. })
        ));
        assert!(matches!(
            evaluate("2 $ 3"),
            Err(EvalError::Syntax { at: 2, .. })
        ));
        assert!(matches!(evaluate("foo(1)"), Err(EvalError::Syntax { .. })));
        assert!(matches!(evaluate("pi"), Err(EvalError::Syntax { .. })));
        assert!(matches!(
            evaluate("sqrt(-1)"),
            Err(EvalError::Domain { .. })
        ));
        assert!(matches!(evaluate("2 ^ 0.5"), Err(EvalError::Domain { .. })));
        assert!(matches!(
            evaluate("99999999999999 * 99999999999999 * 99999999999999"),
            Err(EvalError::Domain { .. })
        ));
        assert!(matches!(evaluate(""), Err(EvalError::Syntax { at: 0, .. })));
    }

    #[test]
    fn hostile_nesting_is_refused_without_overflowing_the_stack() {
        let deep = "(".repeat(100_000) + "1" + &")".repeat(100_000);
        assert!(matches!(evaluate(&deep), Err(EvalError::Syntax { .. })));
        let minus = "-".repeat(100_000) + "1";
        assert!(matches!(evaluate(&minus), Err(EvalError::Syntax { .. })));
    }
}
