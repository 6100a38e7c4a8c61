//! `UrlTemplate`: a link template over exactly `{{.UserID}}`, `{{.OrgID}}` and
//! `{{.Code}}`, in Go text/template syntax as ZITADEL accepts it (SPEC §3.2).

use crate::error::{Error, Result};

pub const MAX_TEMPLATE_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    UserId,
    OrgId,
    Code,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(Field),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlTemplate {
    source: String,
    pieces: Vec<Piece>,
}

fn syntax_error() -> Error {
    Error::invalid_argument("DOMAIN-oGh5e", "URL Template is invalid")
}

fn field_error() -> Error {
    Error::invalid_argument("DOMAIN-ieYa7", "URL Template is invalid")
}

impl UrlTemplate {
    /// Parses a template. Broken syntax (an unclosed action, anything but a field) →
    /// `DOMAIN-oGh5e`; a field other than the three → `DOMAIN-ieYa7`. Control
    /// characters are refused: the link ends up in a mail.
    pub fn parse(source: &str) -> Result<Self> {
        if source.chars().any(char::is_control) {
            return Err(syntax_error());
        }
        let mut pieces = Vec::new();
        let mut rest = source;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                pieces.push(Piece::Text(rest[..start].to_owned()));
            }
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or_else(syntax_error)?;
            let action = after[..end].trim();
            // Go's trim markers: `{{- .Code -}}`.
            let action = action.strip_prefix('-').unwrap_or(action);
            let action = action.strip_suffix('-').unwrap_or(action).trim();
            let Some(name) = action.strip_prefix('.') else {
                return Err(syntax_error());
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(syntax_error());
            }
            pieces.push(Piece::Field(match name {
                "UserID" => Field::UserId,
                "OrgID" => Field::OrgId,
                "Code" => Field::Code,
                _ => return Err(field_error()),
            }));
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        Ok(UrlTemplate {
            source: source.to_owned(),
            pieces,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub fn render(&self, user_id: &str, org_id: &str, code: &str) -> String {
        self.pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.as_str(),
                Piece::Field(Field::UserId) => user_id,
                Piece::Field(Field::OrgId) => org_id,
                Piece::Field(Field::Code) => code,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_three_fields() {
        let t =
            UrlTemplate::parse("https://x.test/verify?u={{.UserID}}&o={{ .OrgID }}&c={{.Code}}")
                .unwrap();
        assert_eq!(
            t.render("1", "2", "ABC123"),
            "https://x.test/verify?u=1&o=2&c=ABC123"
        );
        assert_eq!(
            UrlTemplate::parse("plain").unwrap().render("1", "2", "3"),
            "plain"
        );
    }

    #[test]
    fn rejects_other_fields_and_broken_syntax() {
        for (source, id) in [
            ("https://x/{{.Foo}}", "DOMAIN-ieYa7"),
            ("https://x/{{.Code", "DOMAIN-oGh5e"),
            ("https://x/{{if .Code}}", "DOMAIN-oGh5e"),
            ("https://x/{{Code}}", "DOMAIN-oGh5e"),
            ("https://x/{{.}}", "DOMAIN-oGh5e"),
            ("https://x/\r\n{{.Code}}", "DOMAIN-oGh5e"),
        ] {
            assert_eq!(
                UrlTemplate::parse(source).unwrap_err().id,
                Some(id),
                "{source}"
            );
        }
    }
}
