//! `EmailAddress`: a value of this type is a valid address everywhere (SPEC §3).

use std::fmt;

use crate::error::{Code, Error, Result};

/// Longest address accepted, counted in Unicode scalar values.
pub const MAX_EMAIL_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses an address as given (no lower-casing, no trimming).
    ///
    /// The rules are the HTML living standard's "valid e-mail address", which is also
    /// what ZITADEL checks: an atext local part (dots allowed), `@`, and a hostname.
    pub fn parse(input: &str) -> Result<Self> {
        if input.is_empty() {
            return Err(Error::invalid_argument("EMAIL-spblu", "Email is empty"));
        }
        if input.chars().count() > MAX_EMAIL_CHARS {
            return Err(Error::invalid_argument("EMAIL-599BI", "Email is invalid"));
        }
        if input.contains('<') || input.contains('>') {
            // `Name <a@b.c>`: a display name has no place in a stored address.
            return Err(Error::invalid_argument("EMAIL-599GV", "Email is invalid"));
        }
        let Some((local, domain)) = input.split_once('@') else {
            return Err(invalid());
        };
        if local.is_empty() || !local.bytes().all(is_atext_or_dot) || !is_hostname(domain) {
            return Err(invalid());
        }
        Ok(EmailAddress(input.to_owned()))
    }

    /// An address read back from the database: it was parsed when it was written.
    pub(crate) fn from_stored(text: String) -> Self {
        EmailAddress(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn invalid() -> Error {
    Error::new(Code::InvalidArgument, "EMAIL-599BI", "Email is invalid")
}

fn is_atext_or_dot(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&byte)
}

/// Labels of letters, digits and hyphens, 1–63 long, not starting or ending with a hyphen.
fn is_hostname(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_addresses_as_given() {
        for ok in [
            "a@b.c",
            "admin@localhost",
            "First.Last+tag@Example.COM",
            "x!#$%&'*+/=?^_`{|}~-@sub-domain.example.org",
        ] {
            assert_eq!(EmailAddress::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn rejects_invalid_addresses_with_the_documented_ids() {
        let cases = [
            ("", "EMAIL-spblu"),
            ("plain", "EMAIL-599BI"),
            ("a@", "EMAIL-599BI"),
            ("@b.c", "EMAIL-599BI"),
            ("a@b@c", "EMAIL-599BI"),
            ("a b@c.d", "EMAIL-599BI"),
            ("a@-b.c", "EMAIL-599BI"),
            ("a@b-.c", "EMAIL-599BI"),
            ("a@b..c", "EMAIL-599BI"),
            ("a@b.c\r\nBcc: x@y.z", "EMAIL-599BI"),
            ("a@b.c\0", "EMAIL-599BI"),
            ("a\n@b.c", "EMAIL-599BI"),
            ("Name <a@b.c>", "EMAIL-599GV"),
            ("ä@b.c", "EMAIL-599BI"),
        ];
        for (input, id) in cases {
            let err = EmailAddress::parse(input).unwrap_err();
            assert_eq!(err.id, Some(id), "{input:?}");
            assert_eq!(err.code, Code::InvalidArgument);
        }
    }

    #[test]
    fn length_is_counted_in_characters() {
        let local = "a".repeat(MAX_EMAIL_CHARS - 4);
        assert!(EmailAddress::parse(&format!("{local}@b.c")).is_ok());
        assert!(EmailAddress::parse(&format!("{local}a@b.c")).is_err());
    }
}
