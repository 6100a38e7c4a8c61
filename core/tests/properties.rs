//! Property tests of the parsers a request's text goes through (issue 13): the email
//! parser, the URL template, code normalization and id parsing. Each never panics,
//! and accepts exactly what SPEC §3 describes.

use mailroom_core::code::{code_hash, code_matches, CodeKind};
use mailroom_core::email::{EmailAddress, MAX_EMAIL_CHARS};
use mailroom_core::ids::{OrgId, UserId};
use mailroom_core::secrets::MasterKey;
use mailroom_core::url_template::UrlTemplate;
use proptest::prelude::*;

const ATEXT: &str =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-";

/// A hostname label: letters, digits and inner hyphens, 1–63 long.
fn label() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9]([a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?"
}

fn valid_address() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(
            proptest::sample::select(ATEXT.chars().collect::<Vec<_>>()),
            1..40,
        ),
        proptest::collection::vec(label(), 1..4),
    )
        .prop_map(|(local, labels)| {
            format!(
                "{}@{}",
                local.into_iter().collect::<String>(),
                labels.join(".")
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Arbitrary text never panics the parser; what it accepts is stored as given,
    /// is at most 200 characters, has one `@`, and holds no CR, LF, NUL or space.
    #[test]
    fn email_parser_accepts_only_plain_addresses(input in "\\PC{0,40}|[\\x00-\\x7f]{0,60}") {
        if let Ok(address) = EmailAddress::parse(&input) {
            prop_assert_eq!(address.as_str(), input.as_str());
            prop_assert!(input.chars().count() <= MAX_EMAIL_CHARS);
            prop_assert_eq!(input.matches('@').count(), 1);
            prop_assert!(!input.contains(['\r', '\n', '\0', ' ', '<', '>']));
        }
    }

    /// Every address of SPEC §3's form is accepted as given (no lower-casing).
    #[test]
    fn email_parser_accepts_every_valid_address(address in valid_address()) {
        prop_assume!(address.chars().count() <= MAX_EMAIL_CHARS);
        let parsed = EmailAddress::parse(&address);
        prop_assert!(parsed.is_ok(), "{address:?}");
        prop_assert_eq!(parsed.unwrap().into_string(), address);
    }

    /// CR, LF or NUL anywhere in an otherwise valid address: always invalid.
    #[test]
    fn email_parser_refuses_line_breaks_and_nul(address in valid_address(), at in 0usize..200, bad in prop_oneof![Just('\r'), Just('\n'), Just('\0')]) {
        let at = address.char_indices().map(|(i, _)| i).chain([address.len()]).nth(at % (address.chars().count() + 1)).unwrap();
        let mut hostile = address.clone();
        hostile.insert(at, bad);
        prop_assert!(EmailAddress::parse(&hostile).is_err(), "{hostile:?}");
    }

    /// Over 200 characters: invalid, whatever they are.
    #[test]
    fn email_parser_refuses_long_addresses(address in valid_address(), extra in 200usize..260) {
        let long = format!("{}{}", "a".repeat(extra), address);
        prop_assert!(EmailAddress::parse(&long).is_err());
    }

    /// A template never panics; one it accepts renders with the three values
    /// substituted and its text kept.
    #[test]
    fn url_template_renders_exactly_the_three_fields(
        parts in proptest::collection::vec(prop_oneof![
            "[a-zA-Z0-9:/?&=._%-]{0,12}".prop_map(Piece::Text),
            Just(Piece::Field("UserID")),
            Just(Piece::Field("OrgID")),
            Just(Piece::Field("Code")),
        ], 0..8)
    ) {
        let source: String = parts.iter().map(|p| match p {
            Piece::Text(t) => t.clone(),
            Piece::Field(f) => format!("{{{{.{f}}}}}"),
        }).collect();
        let expected: String = parts.iter().map(|p| match p {
            Piece::Text(t) => t.clone(),
            Piece::Field("UserID") => "111".into(),
            Piece::Field("OrgID") => "222".into(),
            Piece::Field(_) => "ABC123".into(),
        }).collect();
        // A text piece ending in `{` next to a field would change the syntax.
        prop_assume!(!source.contains("{{{") && !source.contains("}}}"));
        let template = UrlTemplate::parse(&source);
        prop_assert!(template.is_ok(), "{source:?}");
        prop_assert_eq!(template.unwrap().render("111", "222", "ABC123"), expected);
    }

    /// Any other field name is refused.
    #[test]
    fn url_template_refuses_other_fields(name in "[A-Za-z_][A-Za-z0-9_]{0,10}", prefix in "[a-z:/]{0,10}") {
        prop_assume!(!["UserID", "OrgID", "Code"].contains(&name.as_str()));
        let source = format!("{prefix}{{{{.{name}}}}}");
        prop_assert!(UrlTemplate::parse(&source).is_err());
    }

    /// Arbitrary text never panics the template parser, and control characters never pass.
    #[test]
    fn url_template_never_panics(source in "\\PC{0,40}|[\\x00-\\x7f{}.]{0,40}") {
        if UrlTemplate::parse(&source).is_ok() {
            prop_assert!(!source.chars().any(char::is_control));
        }
    }

    /// A code matches in any case and with surrounding whitespace; any other code of
    /// the alphabet, another user or another kind does not.
    #[test]
    fn codes_match_case_and_space_insensitively(
        code in "[A-Z0-9]{6}",
        flips in proptest::collection::vec(any::<bool>(), 6),
        before in "[ \t\n]{0,3}",
        after in "[ \t\n]{0,3}",
        other in "[A-Z0-9]{6}",
        user in 1i64..i64::MAX,
    ) {
        let key = MasterKey::parse(&"ab".repeat(32)).unwrap();
        let stored = code_hash(&key, CodeKind::Email, UserId(user), &code);
        let typed: String = code.chars().zip(&flips).map(|(c, flip)| if *flip { c.to_ascii_lowercase() } else { c }).collect();
        let typed = format!("{before}{typed}{after}");
        prop_assert!(code_matches(&key, CodeKind::Email, UserId(user), &typed, &stored));
        prop_assert!(!code_matches(&key, CodeKind::Init, UserId(user), &code, &stored));
        let someone_else = if user == i64::MAX { 1 } else { user + 1 };
        prop_assert!(!code_matches(&key, CodeKind::Email, UserId(someone_else), &code, &stored));
        if other != code {
            prop_assert!(!code_matches(&key, CodeKind::Email, UserId(user), &other, &stored));
        }
    }

    /// Ids: exactly the positive decimal i64s, round-tripping through their text.
    #[test]
    fn ids_are_positive_decimal_numbers(id in 1i64..=i64::MAX) {
        let text = id.to_string();
        prop_assert_eq!(UserId::parse(&text), Some(UserId(id)));
        prop_assert_eq!(OrgId::parse(&text).map(|o| o.to_string()), Some(text.clone()));
        prop_assert_eq!(UserId::parse(&format!("+{text}")), None);
        prop_assert_eq!(UserId::parse(&format!(" {text}")), None);
        prop_assert_eq!(UserId::parse(&format!("-{text}")), None);
    }

    #[test]
    fn id_parser_never_panics_and_accepts_only_digits(text in "\\PC{0,25}|[0-9]{0,25}") {
        if let Some(id) = UserId::parse(&text) {
            prop_assert!(id.0 > 0);
            prop_assert!(text.bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(text.parse::<i64>().ok(), Some(id.0));
        } else {
            prop_assert!(text.parse::<i64>().map_or(true, |n| n <= 0) || text.starts_with('+') || text.len() > 19);
        }
    }
}

#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Field(&'static str),
}
