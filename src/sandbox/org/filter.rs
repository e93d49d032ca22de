//! The RSQL subset of the list endpoints' `filter` parameter, turned into an SQL condition over
//! the `api_objects` table.
//!
//! Supported: `==` (with `*` as a wildcard), `!=`, `=in=(…)`, `=out=(…)`, `;` (AND), `,` (OR),
//! parentheses, values bare or in double or single quotes. `id` compares the id; the identity
//! field of a type (`name`, or `email` for users, `dialledNumber` for EP mappings) compares
//! case-insensitively, as names are unique case-insensitively; any other property of the DTO
//! compares its JSON value exactly (`true`/`false` and numbers as such).

use rusqlite::types::Value;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Cmp {
        field: String,
        op: Op,
        values: Vec<String>,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    In,
    Out,
}

/// Parses a filter; the error says what is wrong and where.
pub fn parse(s: &str) -> Result<Expr, String> {
    let mut p = Parser {
        s: s.as_bytes(),
        src: s,
        i: 0,
    };
    let e = p.or()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!(
            "filter: unexpected {:?} at offset {}",
            &s[p.i..],
            p.i
        ));
    }
    Ok(e)
}

struct Parser<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i] == b' ' {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut v = vec![self.and()?];
        while self.eat(b',') {
            v.push(self.and()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Expr::Or(v)
        })
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut v = vec![self.primary()?];
        while self.eat(b';') {
            v.push(self.primary()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Expr::And(v)
        })
    }

    fn primary(&mut self) -> Result<Expr, String> {
        if self.eat(b'(') {
            let e = self.or()?;
            if !self.eat(b')') {
                return Err(format!("filter: missing ')' at offset {}", self.i));
            }
            return Ok(e);
        }
        self.ws();
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
        {
            self.i += 1;
        }
        if start == self.i {
            return Err(format!("filter: expected a field name at offset {start}"));
        }
        let field = self.src[start..self.i].to_string();
        let rest = &self.src[self.i..];
        let (op, len) = if rest.starts_with("==") {
            (Op::Eq, 2)
        } else if rest.starts_with("!=") {
            (Op::Ne, 2)
        } else if rest.starts_with("=in=") {
            (Op::In, 4)
        } else if rest.starts_with("=out=") {
            (Op::Out, 5)
        } else {
            return Err(format!(
                "filter: expected ==, !=, =in= or =out= after {field:?} at offset {}",
                self.i
            ));
        };
        self.i += len;
        let values = match op {
            Op::Eq | Op::Ne => vec![self.value()?],
            Op::In | Op::Out => {
                if !self.eat(b'(') {
                    return Err(format!("filter: expected '(' at offset {}", self.i));
                }
                let mut v = vec![self.value()?];
                while self.eat(b',') {
                    v.push(self.value()?);
                }
                if !self.eat(b')') {
                    return Err(format!("filter: missing ')' at offset {}", self.i));
                }
                v
            }
        };
        Ok(Expr::Cmp { field, op, values })
    }

    fn value(&mut self) -> Result<String, String> {
        self.ws();
        match self.s.get(self.i) {
            Some(&q) if q == b'"' || q == b'\'' => {
                let start = self.i + 1;
                let end = self.src[start..]
                    .find(q as char)
                    .ok_or_else(|| format!("filter: unclosed quote at offset {}", self.i))?;
                self.i = start + end + 1;
                Ok(self.src[start..start + end].to_string())
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len() && !b";,() ".contains(&self.s[self.i]) {
                    self.i += 1;
                }
                if start == self.i {
                    return Err(format!("filter: expected a value at offset {start}"));
                }
                Ok(self.src[start..self.i].to_string())
            }
        }
    }
}

/// How a field of the filter maps to the table.
pub enum Column {
    Id,
    /// The case-insensitive identity key.
    Key,
    /// A property of the object's JSON.
    Json(String),
}

/// Renders `e` as an SQL condition with its parameters; `column` maps a field name to its
/// column or refuses it with a message.
pub fn to_sql(
    e: &Expr,
    column: &dyn Fn(&str) -> Result<Column, String>,
    params: &mut Vec<Value>,
) -> Result<String, String> {
    Ok(match e {
        Expr::And(v) | Expr::Or(v) => {
            let joiner = if matches!(e, Expr::And(_)) {
                " AND "
            } else {
                " OR "
            };
            let parts = v
                .iter()
                .map(|x| to_sql(x, column, params))
                .collect::<Result<Vec<_>, _>>()?;
            format!("({})", parts.join(joiner))
        }
        Expr::Cmp { field, op, values } => {
            let col = column(field)?;
            let (lhs, conv): (String, fn(&str) -> Value) = match &col {
                Column::Id => ("id".into(), |v| Value::Text(v.to_string())),
                Column::Key => ("name_key".into(), |v| Value::Text(v.trim().to_lowercase())),
                Column::Json(f) => (format!("json_extract(data, '$.{f}')"), json_value),
            };
            match op {
                Op::Eq | Op::Ne => {
                    let v = &values[0];
                    let not = if *op == Op::Ne { "NOT " } else { "" };
                    if v.contains('*') {
                        let pattern = v
                            .replace('\\', "\\\\")
                            .replace('%', "\\%")
                            .replace('_', "\\_")
                            .replace('*', "%");
                        params.push(conv(&pattern));
                        format!("{not}({lhs} LIKE ?{} ESCAPE '\\')", params.len())
                    } else {
                        params.push(conv(v));
                        format!("{not}({lhs} IS ?{})", params.len())
                    }
                }
                Op::In | Op::Out => {
                    let mut marks = Vec::new();
                    for v in values {
                        params.push(conv(v));
                        marks.push(format!("?{}", params.len()));
                    }
                    let not = if *op == Op::Out { "NOT " } else { "" };
                    format!("{not}({lhs} IN ({}))", marks.join(", "))
                }
            }
        }
    })
}

fn json_value(v: &str) -> Value {
    match v {
        "true" => Value::Integer(1),
        "false" => Value::Integer(0),
        _ => {
            if let Ok(i) = v.parse::<i64>() {
                Value::Integer(i)
            } else if let Ok(f) = v.parse::<f64>() {
                Value::Real(f)
            } else {
                Value::Text(v.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(field: &str, op: Op, values: &[&str]) -> Expr {
        Expr::Cmp {
            field: field.into(),
            op,
            values: values.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn parses_the_documented_forms() {
        let cases: &[(&str, Expr)] = &[
            ("name==\"Sales Team\"", cmp("name", Op::Eq, &["Sales Team"])),
            ("name==Sales", cmp("name", Op::Eq, &["Sales"])),
            ("id!='a'", cmp("id", Op::Ne, &["a"])),
            ("id=in=(\"a\",\"b\")", cmp("id", Op::In, &["a", "b"])),
            ("id=out=(a, b)", cmp("id", Op::Out, &["a", "b"])),
            (
                "name==x;siteId==y",
                Expr::And(vec![
                    cmp("name", Op::Eq, &["x"]),
                    cmp("siteId", Op::Eq, &["y"]),
                ]),
            ),
            (
                "(name==x,name==y);active==true",
                Expr::And(vec![
                    Expr::Or(vec![
                        cmp("name", Op::Eq, &["x"]),
                        cmp("name", Op::Eq, &["y"]),
                    ]),
                    cmp("active", Op::Eq, &["true"]),
                ]),
            ),
        ];
        for (s, want) in cases {
            assert_eq!(&parse(s).unwrap(), want, "{s}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for s in ["", "name", "name=x", "name==\"x", "id=in=(a", "name==x)"] {
            assert!(parse(s).is_err(), "{s:?} parsed");
        }
    }

    #[test]
    fn renders_sql_with_parameters() {
        let col = |f: &str| -> Result<Column, String> {
            Ok(match f {
                "id" => Column::Id,
                "name" => Column::Key,
                other => Column::Json(other.into()),
            })
        };
        let mut p = Vec::new();
        let sql = to_sql(
            &parse("name==\"Sales*\";id=in=(a,b);active==true").unwrap(),
            &col,
            &mut p,
        )
        .unwrap();
        assert_eq!(
            sql,
            "((name_key LIKE ?1 ESCAPE '\\') AND (id IN (?2, ?3)) AND (json_extract(data, '$.active') IS ?4))"
        );
        assert_eq!(p[0], Value::Text("sales%".into()));
        assert_eq!(p[3], Value::Integer(1));
    }
}
