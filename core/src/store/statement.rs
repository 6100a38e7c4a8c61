//! A statement being built: SQL text and the values it binds, like sqlx's
//! `QueryBuilder`, but holding owned values of the few types we bind. Generic code
//! over `sqlx::Database` can then make the arguments right where it runs the query,
//! tied to the SQL it borrows (`QueryBuilder::build` ties them to the builder, which
//! generic code over SQLite's borrowed arguments cannot satisfy).

use sqlx::Database;

/// A bound value.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
    Bool(bool),
    Name(&'static str),
    OptName(Option<&'static str>),
}

/// Each bindable type becomes its variant.
macro_rules! values_from {
    ($($ty:ty => $variant:ident),* $(,)?) => {$(
        impl From<$ty> for Value {
            fn from(value: $ty) -> Self {
                Value::$variant(value)
            }
        }
    )*};
}

values_from! {
    i64 => Int,
    Option<i64> => OptInt,
    String => Text,
    Option<String> => OptText,
    bool => Bool,
    &'static str => Name,
    Option<&'static str> => OptName,
}

pub(crate) struct Statement<DB: Database> {
    sql: String,
    values: Vec<Value>,
    _db: std::marker::PhantomData<DB>,
}

impl<DB: Database> Statement<DB> {
    pub(crate) fn new(sql: impl Into<String>) -> Self {
        Statement {
            sql: sql.into(),
            values: Vec::new(),
            _db: std::marker::PhantomData,
        }
    }

    pub(crate) fn push(&mut self, sql: impl std::fmt::Display) -> &mut Self {
        use std::fmt::Write;
        let _ = write!(self.sql, "{sql}");
        self
    }

    /// Binds `value` and writes its placeholder: `?` on SQLite (numbered in order,
    /// across the statements of a script), `$n` on Postgres.
    pub(crate) fn push_bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        if DB::NAME == "SQLite" {
            self.sql.push('?');
        } else {
            let n = self.values.len();
            self.push(format_args!("${n}"));
        }
        self
    }

    /// `(v1, v2, …)` with every value bound, through `bind`.
    pub(crate) fn push_tuple(&mut self, bind: impl FnOnce(&mut Tuple<'_, DB>)) -> &mut Self {
        self.sql.push('(');
        let mut tuple = Tuple {
            statement: self,
            first: true,
        };
        bind(&mut tuple);
        self.sql.push(')');
        self
    }

    /// The SQL and the values, for `Sql::arguments` and `sqlx::query_with`.
    pub(crate) fn into_parts(self) -> (String, Vec<Value>) {
        (self.sql, self.values)
    }
}

/// The values of one `(…)` tuple, comma-separated.
pub(crate) struct Tuple<'s, DB: Database> {
    statement: &'s mut Statement<DB>,
    first: bool,
}

impl<DB: Database> Tuple<'_, DB> {
    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        if !self.first {
            self.statement.sql.push_str(", ");
        }
        self.first = false;
        self.statement.push_bind(value);
        self
    }
}
