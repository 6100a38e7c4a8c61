//! Names people and machines give things (usernames, given and family names, org
//! names): printable text only. A NUL or an escape sequence in a name breaks
//! terminals, logs, CSV exports and mail headers downstream.

use crate::error::{Error, Result};

/// 400 `MAILROOM-CONTROL-CHAR` when any of `names` holds a control character
/// (C0, DEL, C1: Unicode category Cc).
pub fn printable_names(names: &[&str]) -> Result<()> {
    if names.iter().any(|name| name.chars().any(char::is_control)) {
        return Err(Error::invalid_argument(
            "MAILROOM-CONTROL-CHAR",
            "Names must not contain control characters",
        ));
    }
    Ok(())
}

/// The same for free text (descriptions), where line breaks and tabs are fine.
pub fn printable_text(text: &str) -> Result<()> {
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Error::invalid_argument(
            "MAILROOM-CONTROL-CHAR",
            "Text must not contain control characters other than line breaks and tabs",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_in_names() {
        for bad in ["\u{0}", "a\nb", "\u{7}", "\u{1b}[31m", "\u{7f}", "\u{85}"] {
            assert!(printable_names(&["ok", bad]).is_err(), "{bad:?}");
        }
        for good in ["Zoë", "O'Brien", "李", "Anne-Marie Léa", ""] {
            assert!(printable_names(&[good]).is_ok(), "{good:?}");
        }
        assert!(printable_text("line one\nline two\ttab").is_ok());
        assert!(printable_text("nul\u{0}").is_err());
    }
}
