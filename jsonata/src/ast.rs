//! The syntax tree produced by the parser and walked by the evaluator.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

/// A node of the (processed) syntax tree, with its annotations.
#[derive(Debug, Clone)]
pub(crate) struct Expr {
    /// What kind of node this is.
    pub kind: Kind,
    /// Character offset in the expression (for error messages).
    pub pos: usize,
    /// Filters applied to the whole result (outside paths).
    pub predicates: Vec<Expr>,
    /// Filters (and `#$i` index bindings) applied to each step result (inside paths).
    pub stages: Vec<Stage>,
    /// A grouping object constructor `expr{k: v}`.
    pub group: Option<Vec<(Expr, Expr)>>,
    /// `expr[]`: keep singleton arrays.
    pub keep_array: bool,
    /// An array constructor at the start or end of a path: do not flatten.
    pub cons_array: bool,
    /// `step@$v`: the step's items are bound to `v` and the context stays as it was.
    pub focus: Option<String>,
    /// `step#$i`: the position of each item in the step's result is bound to `i`.
    pub index: Option<String>,
    /// The parent (`%`) slot this step binds its input to.
    pub ancestor: Option<Label>,
    /// The step (or path) is evaluated as a tuple stream (it binds variables per item).
    pub tuple: bool,
    /// Parent slots not yet resolved to a step (processing only).
    pub seeking: Vec<Slot>,
}

/// The label of a parent slot: the variable (`!N`) a step binds its input to. Shared, as
/// the processing pass may relabel a slot after its `%` node is built.
#[derive(Debug, Clone, Default)]
pub(crate) struct Label(pub Arc<AtomicUsize>);

impl Label {
    /// The variable name the parent value is bound to.
    pub fn var(&self) -> String {
        format!("!{}", self.0.load(Ordering::Relaxed))
    }
}

/// A parent slot while processing: its label and how many steps up it still has to go.
#[derive(Debug, Clone, Default)]
pub(crate) struct Slot {
    pub label: Label,
    pub level: Arc<AtomicI64>,
}

/// What is applied to a step's results, in order.
#[derive(Debug, Clone)]
pub(crate) enum Stage {
    /// A predicate `[...]`.
    Filter(Expr),
    /// `#$i` after a predicate: binds the position in the filtered result.
    Index(String),
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
    /// `%`: the parent of the context item, read from the variable its slot's label names.
    Parent(Slot),
    /// `| pattern | update [, delete] |`.
    Transform {
        pattern: Box<Expr>,
        update: Box<Expr>,
        delete: Option<Box<Expr>>,
    },
    /// `lhs @ $v` before processing.
    Focus(Box<Expr>, String),
    /// `lhs # $i` before processing.
    IndexBind(Box<Expr>, String),
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
        /// The type signature (`<n-n:n>`), if any.
        signature: Option<Arc<crate::functions::Signature>>,
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
            focus: None,
            index: None,
            ancestor: None,
            tuple: false,
            seeking: Vec::new(),
        }
    }
}
