//! Function signatures (`<s-nn?:s>`), as jsonata-js parses and checks them: each parameter
//! is a type symbol, `-` lets the context stand in for a missing argument, `?` and `+` are
//! optional and repeated parameters, `(sn)` a choice of types, `a<n>` an array of numbers.
//! Checking an argument list gives `T0410` (an argument of the wrong type, or one too many),
//! `T0411` (a context of the wrong type) or `T0412` (an array with items of the wrong type).

use crate::JsonataError;
use crate::errors::{Res, err, err_np};
use crate::value::Val;

#[derive(Debug)]
struct Param {
    regex: String,
    kind: String,
    context: Option<fancy_regex::Regex>,
    subtype: Option<String>,
    optional: bool,
}

/// A parsed signature.
#[derive(Debug)]
pub(crate) struct Signature {
    params: Vec<Param>,
    regex: fancy_regex::Regex,
}

/// The type symbol of a value (`m` for undefined).
fn symbol(v: Option<&Val>) -> char {
    match v {
        None => 'm',
        Some(Val::Func(_)) => 'f',
        Some(Val::Str(_)) => 's',
        Some(Val::Num(_)) => 'n',
        Some(Val::Bool(_)) => 'b',
        Some(Val::Null) => 'l',
        Some(Val::Arr(..)) => 'a',
        Some(Val::Obj(_)) => 'o',
    }
}

fn closing(chars: &[char], start: usize, open: char, close: char) -> usize {
    let mut depth = 1;
    let mut i = start;
    while i + 1 < chars.len() {
        i += 1;
        if chars[i] == close {
            depth -= 1;
            if depth == 0 {
                break;
            }
        } else if chars[i] == open {
            depth += 1;
        }
    }
    i
}

fn compile(pattern: &str) -> fancy_regex::Regex {
    fancy_regex::Regex::new(pattern).expect("signature patterns are plain regexes")
}

impl Signature {
    /// Parses a signature (`<...>` included); `pos` is where it starts, for errors.
    pub fn parse(sig: &str, pos: usize) -> Res<Signature> {
        let chars: Vec<char> = sig.chars().collect();
        let mut params: Vec<Param> = Vec::new();
        let mut i = 1;
        while i < chars.len() {
            let c = chars[i];
            if c == ':' {
                break;
            }
            let simple = |regex: &str, kind: &str| Param {
                regex: regex.to_string(),
                kind: kind.to_string(),
                context: None,
                subtype: None,
                optional: false,
            };
            match c {
                's' | 'n' | 'b' | 'l' | 'o' => {
                    params.push(simple(&format!("[{c}m]"), &c.to_string()))
                }
                'a' => params.push(simple("[asnblfom]", "a")),
                'f' => params.push(simple("f", "f")),
                'j' => params.push(simple("[asnblom]", "j")),
                'x' => params.push(simple("[asnblfom]", "x")),
                '-' => {
                    if let Some(p) = params.last_mut() {
                        p.context = Some(compile(&p.regex));
                        p.regex.push('?');
                    }
                }
                '?' | '+' => {
                    if let Some(p) = params.last_mut() {
                        p.regex.push(c);
                        p.optional |= c == '?';
                    }
                }
                '(' => {
                    let end = closing(&chars, i, '(', ')');
                    let choice: String = chars[i + 1..end.min(chars.len())].iter().collect();
                    if choice.contains('<') {
                        return Err(err(
                            "S0402",
                            pos,
                            &format!(
                                "Choice groups containing parameterized types are not supported: {choice}"
                            ),
                        ));
                    }
                    params.push(simple(&format!("[{choice}m]"), &format!("({choice})")));
                    i = end;
                }
                '<' => {
                    let Some(p) = params.last_mut().filter(|p| p.kind == "a" || p.kind == "f")
                    else {
                        return Err(err(
                            "S0401",
                            pos,
                            "Type parameters can only be applied to functions and arrays",
                        ));
                    };
                    let end = closing(&chars, i, '<', '>');
                    p.subtype = Some(chars[i + 1..end.min(chars.len())].iter().collect());
                    i = end;
                }
                _ => {}
            }
            i += 1;
        }
        let pattern: String = params.iter().map(|p| format!("({})", p.regex)).collect();
        Ok(Signature {
            regex: compile(&format!("^{pattern}$")),
            params,
        })
    }

    /// Checks `args` against the signature and returns the arguments to call with: the
    /// context in place of a missing `-` argument, and single values where an array is
    /// expected wrapped as arrays.
    pub fn validate(
        &self,
        name: &str,
        args: Vec<Option<Val>>,
        context: Option<&Val>,
    ) -> Res<Vec<Option<Val>>> {
        let supplied: String = args.iter().map(|a| symbol(a.as_ref())).collect();
        let caps = match self.regex.captures(&supplied) {
            Ok(Some(c)) => c,
            _ => return Err(self.mismatch(name, &supplied)),
        };
        let mut out = Vec::with_capacity(self.params.len());
        let mut at = 0;
        for (pi, param) in self.params.iter().enumerate() {
            let m = caps.get(pi + 1).map(|m| m.as_str()).unwrap_or("");
            if m.is_empty() {
                if let Some(re) = &param.context {
                    let t = symbol(context).to_string();
                    if re.is_match(&t).unwrap_or(false) {
                        out.push(context.cloned());
                    } else {
                        return Err(err_np(
                            "T0411",
                            &format!(
                                "Context value is not a compatible type with argument {} of function {name}",
                                at + 1
                            ),
                        ));
                    }
                } else {
                    out.push(args.get(at).cloned().flatten());
                    at += 1;
                }
                continue;
            }
            for single in m.chars() {
                let arg = args.get(at).cloned().flatten();
                if param.kind == "a" {
                    if single == 'm' {
                        out.push(None);
                    } else {
                        if let Some(sub) = &param.subtype {
                            let ok = if single != 'a' {
                                m == sub.as_str()
                            } else {
                                match &arg {
                                    Some(Val::Arr(items, _)) if !items.is_empty() => {
                                        let t = symbol(Some(&items[0]));
                                        sub.starts_with(t)
                                            && items.iter().all(|v| symbol(Some(v)) == t)
                                    }
                                    _ => true,
                                }
                            };
                            if !ok {
                                return Err(array_items_error(name, at + 1, sub));
                            }
                        }
                        out.push(match arg {
                            Some(v @ Val::Arr(..)) => Some(v),
                            Some(v) => Some(Val::array(vec![v])),
                            None => None,
                        });
                    }
                } else {
                    out.push(arg);
                }
                at += 1;
            }
        }
        Ok(out)
    }

    /// The number of parameters that are not optional (`?`).
    pub fn required(&self) -> usize {
        self.params.iter().filter(|p| !p.optional).count()
    }

    fn mismatch(&self, name: &str, supplied: &str) -> JsonataError {
        let mut partial = String::from("^");
        let mut good = 0;
        for p in &self.params {
            partial.push_str(&p.regex);
            match compile(&partial).find(supplied) {
                Ok(Some(m)) => good = m.end(),
                _ => break,
            }
        }
        bad_arg(name, good + 1)
    }
}

/// `T0410`: an argument does not match the function's signature.
pub(crate) fn bad_arg(name: &str, index: usize) -> JsonataError {
    err_np(
        "T0410",
        &format!("Argument {index} of function {name} does not match function signature"),
    )
}

fn array_items_error(name: &str, index: usize, sub: &str) -> JsonataError {
    let what = match sub.chars().next() {
        Some('a') => "arrays",
        Some('b') => "booleans",
        Some('f') => "functions",
        Some('n') => "numbers",
        Some('o') => "objects",
        Some('s') => "strings",
        _ => "values",
    };
    err_np(
        "T0412",
        &format!("Argument {index} of function {name} must be an array of {what}"),
    )
}
