//! The syntax tree produced by the parser and walked by the evaluator.

use std::sync::Arc;

/// A node of the (processed) syntax tree, with its annotations.
#[derive(Debug, Clone)]
pub(crate) struct Expr {
    /// What kind of node this is.
    pub kind: Kind,
    /// Character offset in the expression (for error messages).
    pub pos: usize,
    /// Filters applied to the whole result (outside paths).
    pub predicates: Vec<Expr>,
    /// Filters applied to each step result (inside paths).
    pub stages: Vec<Expr>,
    /// A grouping object constructor `expr{k: v}`.
    pub group: Option<Vec<(Expr, Expr)>>,
    /// `expr[]`: keep singleton arrays.
    pub keep_array: bool,
    /// An array constructor at the start or end of a path: do not flatten.
    pub cons_array: bool,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    In,
    Concat,
    Range,
    Coalesce,
    Default,
}

impl BinOp {
    /// The operator's source text.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::In => "in",
            BinOp::Concat => "&",
            BinOp::Range => "..",
            BinOp::Coalesce => "??",
            BinOp::Default => "?:",
        }
    }
}

/// The kinds of nodes.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    /// A regular expression literal (compiled pattern and its source).
    Regex(Arc<fancy_regex::Regex>),
    /// A field name.
    Name(String),
    /// A variable (`""` is `$`, `"$"` is `$$`).
    Var(String),
    Wildcard,
    Descendant,
    Parent,
    /// A location path: a sequence of steps.
    Path {
        steps: Vec<Expr>,
        keep_singleton: bool,
    },
    /// Unary minus.
    Neg(Box<Expr>),
    /// `[a, b, ...]`.
    Array(Vec<Expr>),
    /// `{k: v, ...}` (unary object constructor).
    Object(Vec<(Expr, Expr)>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a.b` before path processing.
    Dot(Box<Expr>, Box<Expr>),
    /// `a[b]` before path processing.
    Filter(Box<Expr>, Box<Expr>),
    /// `a{...}` before path processing.
    GroupBy(Box<Expr>, Vec<(Expr, Expr)>),
    /// `a^(...)` before processing; a sort step (terms, descending flags) after.
    OrderBy(Box<Expr>, Vec<(Expr, bool)>),
    Sort(Vec<(Expr, bool)>),
    Cond(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    Block(Vec<Expr>),
    Bind(String, Box<Expr>),
    /// A function call; `partial` when some argument is a `?` placeholder.
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        partial: bool,
    },
    Placeholder,
    Lambda {
        params: Vec<String>,
        body: Arc<Expr>,
    },
    /// `lhs ~> rhs`.
    Apply(Box<Expr>, Box<Expr>),
}

impl Expr {
    /// A node with no annotations.
    pub fn new(kind: Kind, pos: usize) -> Self {
        Expr {
            kind,
            pos,
            predicates: Vec::new(),
            stages: Vec::new(),
            group: None,
            keep_array: false,
            cons_array: false,
        }
    }
}
