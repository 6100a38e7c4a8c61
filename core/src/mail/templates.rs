//! Mail templates: files under `core/templates/mail/<lang>/`, embedded at build time
//! and rendered with minijinja. `.html` templates escape every value.

use std::sync::OnceLock;

use minijinja::Environment;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::MailKind;

pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What a template may use. Every field is plain data; the HTML templates escape it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MailContext {
    pub lang: String,
    pub org_name: String,
    pub display_name: String,
    pub email: String,
    pub login_name: String,
    pub code: String,
    pub link: String,
    pub expires_in: String,
    pub old_email: String,
    pub new_email: String,
    /// The application an invite names (CreateInviteCode's `applicationName`).
    pub application_name: String,
}

macro_rules! embed {
    ($env:ident, $lang:literal; $($kind:literal),*) => {
        $(
            $env.add_template(
                concat!($lang, "/", $kind, ".subject.txt"),
                include_str!(concat!("../../templates/mail/", $lang, "/", $kind, ".subject.txt")),
            )?;
            $env.add_template(
                concat!($lang, "/", $kind, ".txt"),
                include_str!(concat!("../../templates/mail/", $lang, "/", $kind, ".txt")),
            )?;
            $env.add_template(
                concat!($lang, "/", $kind, ".html"),
                include_str!(concat!("../../templates/mail/", $lang, "/", $kind, ".html")),
            )?;
        )*
    };
}

pub const LANGUAGES: [&str; 2] = ["en", "de"];

/// HTML escaping for text and attribute values: `& < > " '`. Not `/`, which
/// minijinja's escaping also writes as `&#x2f;`: links must appear as plain URLs,
/// since spam filters and link scanners distrust obfuscated ones.
fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// Strings in `.html` templates go through `html_escape`; everything else as
/// minijinja formats it.
fn format_value(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &minijinja::Value,
) -> std::result::Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if state.auto_escape() == minijinja::AutoEscape::Html && !value.is_safe() => out
            .write_str(&html_escape(text))
            .map_err(minijinja::Error::from),
        _ => minijinja::escape_formatter(out, state, value),
    }
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let build = || -> std::result::Result<Environment<'static>, minijinja::Error> {
            let mut env = Environment::new();
            env.set_formatter(format_value);
            env.add_template("base.html", include_str!("../../templates/mail/base.html"))?;
            embed!(env, "en"; "verification", "initialization", "email_changed_notice");
            embed!(env, "de"; "verification", "initialization", "email_changed_notice");
            Ok(env)
        };
        // The templates are compiled into the binary and covered by tests.
        build().expect("mail templates parse")
    })
}

/// The template language for a user's preferred language (English by default).
pub fn language_for(preferred: &str) -> &'static str {
    let primary = preferred
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    LANGUAGES
        .into_iter()
        .find(|l| *l == primary)
        .unwrap_or("en")
}

fn template_name(kind: MailKind) -> &'static str {
    match kind {
        MailKind::EmailVerification => "verification",
        MailKind::Initialization | MailKind::Invite => "initialization",
        MailKind::EmailChangedNotice => "email_changed_notice",
    }
}

/// "1 hour", "72 hours", "30 minutes" (German: "1 Stunde", …).
pub fn expires_in(lang: &str, secs: i64) -> String {
    let de = lang == "de";
    if secs >= 3600 && secs % 3600 == 0 {
        let hours = secs / 3600;
        match (de, hours) {
            (false, 1) => "1 hour".into(),
            (false, n) => format!("{n} hours"),
            (true, 1) => "1 Stunde".into(),
            (true, n) => format!("{n} Stunden"),
        }
    } else {
        let minutes = (secs / 60).max(1);
        match (de, minutes) {
            (false, 1) => "1 minute".into(),
            (false, n) => format!("{n} minutes"),
            (true, 1) => "1 Minute".into(),
            (true, n) => format!("{n} Minuten"),
        }
    }
}

pub fn render(kind: MailKind, context: &MailContext) -> Result<RenderedMail> {
    let env = environment();
    let base = format!("{}/{}", language_for(&context.lang), template_name(kind));
    let render = |suffix: &str| -> Result<String> {
        env.get_template(&format!("{base}{suffix}"))
            .and_then(|t| t.render(context))
            .map_err(|err| Error::internal(format!("mail template {base}{suffix}: {err}")))
    };
    let subject = render(".subject.txt")?;
    // A subject is one line, whatever a value contained.
    let subject = subject
        .split(['\r', '\n'])
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
        .to_owned();
    Ok(RenderedMail {
        subject,
        text: render(".txt")?,
        html: render(".html")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> MailContext {
        MailContext {
            lang: "en".into(),
            org_name: "Acme".into(),
            display_name: "<script>alert(1)</script> & \"Bob\"".into(),
            email: "bob@example.com".into(),
            login_name: "bob".into(),
            code: "AB12CD".into(),
            link: "https://x.test/v?a=1&b=2".into(),
            expires_in: "1 hour".into(),
            old_email: "old@example.com".into(),
            new_email: "new@example.com".into(),
            application_name: String::new(),
        }
    }

    #[test]
    fn every_kind_renders_in_every_language() {
        for lang in LANGUAGES {
            for kind in [
                MailKind::EmailVerification,
                MailKind::Initialization,
                MailKind::EmailChangedNotice,
                MailKind::Invite,
            ] {
                let mut ctx = context();
                ctx.lang = lang.into();
                let mail = render(kind, &ctx).unwrap();
                assert!(!mail.subject.is_empty() && !mail.subject.contains('\n'));
                assert!(mail.html.contains("<html lang=\"") && mail.html.contains(lang));
                if kind != MailKind::EmailChangedNotice {
                    assert!(
                        mail.text.contains("AB12CD") && mail.html.contains("AB12CD"),
                        "{lang} {kind:?}"
                    );
                    assert!(mail.text.contains("https://x.test/v?a=1&b=2"));
                }
            }
        }
    }

    #[test]
    fn html_escapes_every_value_and_text_keeps_it() {
        let mail = render(MailKind::EmailVerification, &context()).unwrap();
        assert!(!mail.html.contains("<script>"));
        assert!(mail.html.contains("&lt;script&gt;"));
        assert!(mail.html.contains("a=1&amp;b=2"), "{}", mail.html);
        assert!(mail.text.contains("<script>alert(1)</script>"));
        assert_eq!(mail.subject, "Verify your email address");
    }

    /// An invite names its application (escaped in HTML); without one the text is
    /// the plain initialization mail's.
    #[test]
    fn an_invite_names_its_application() {
        for lang in LANGUAGES {
            let mut ctx = context();
            ctx.lang = lang.into();
            let plain = render(MailKind::Invite, &ctx).unwrap();
            assert_eq!(
                plain.text,
                render(MailKind::Initialization, &ctx).unwrap().text
            );
            ctx.application_name = "Shop <beta>".into();
            let named = render(MailKind::Invite, &ctx).unwrap();
            assert!(named.text.contains("Shop <beta>"), "{lang}");
            assert!(named.html.contains("Shop &lt;beta&gt;"), "{lang}");
        }
    }

    /// The HTML part's hrefs, unescaped, are the text part's links; nothing but `&`
    /// (and quotes, angle brackets) is entity-escaped in them.
    #[test]
    fn hrefs_are_plain_urls() {
        let html_unescape = |s: &str| {
            s.replace("&quot;", "\"")
                .replace("&#x27;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        };
        for lang in LANGUAGES {
            for kind in [MailKind::EmailVerification, MailKind::Initialization] {
                let mut ctx = context();
                ctx.lang = lang.into();
                ctx.link =
                    "https://app.example.com/ui/v2/login/verify?userId=1&code=AB12CD&orgId=2"
                        .into();
                let mail = render(kind, &ctx).unwrap();
                let hrefs: Vec<&str> = mail
                    .html
                    .split("href=\"")
                    .skip(1)
                    .map(|rest| &rest[..rest.find('"').unwrap()])
                    .collect();
                assert!(!hrefs.is_empty(), "{lang} {kind:?}");
                for href in hrefs {
                    assert!(!href.contains("&#"), "{href}");
                    assert_eq!(html_unescape(href), ctx.link, "{lang} {kind:?}");
                    assert!(mail.text.contains(&html_unescape(href)));
                }
                assert!(mail.html.contains(
                    "https://app.example.com/ui/v2/login/verify?userId=1&amp;code=AB12CD"
                ));
            }
        }
    }

    #[test]
    fn languages_fall_back_to_english() {
        assert_eq!(language_for("de-CH"), "de");
        assert_eq!(language_for("DE"), "de");
        assert_eq!(language_for("fr"), "en");
        assert_eq!(language_for(""), "en");
        assert_eq!(expires_in("en", 3600), "1 hour");
        assert_eq!(expires_in("de", 72 * 3600), "72 Stunden");
        assert_eq!(expires_in("en", 1800), "30 minutes");
    }
}
