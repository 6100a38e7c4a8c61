//! The front end's files under `/pkg`: their names and how long browsers keep them.
//!
//! `scripts/build-site.sh` names the files after a hash of their content
//! (`mailroom-<id>.js`, `mailroom-<id>_bg.wasm`, `mailroom-<id>.css`) and writes the
//! name to `<site root>/assets.env`. Such a name never gets new content, so those
//! files are cached for a year without revalidation. Without the file (cargo-leptos'
//! `make dev` writes plain names) the plain names are used and revalidated.

use std::path::Path;

use axum::http::{header, HeaderValue, Request, Response};
use axum::middleware::Next;

/// The name Leptos builds the script, module and stylesheet paths from.
pub fn output_name(site_root: &Path) -> String {
    std::fs::read_to_string(site_root.join("assets.env"))
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.trim().strip_prefix("MAILROOM_ASSETS="))
                .map(str::to_owned)
        })
        .filter(|name| is_hashed(name))
        .unwrap_or_else(|| "mailroom".to_owned())
}

/// `mailroom-<hex id>`, optionally followed by a suffix such as `_bg.wasm`.
fn is_hashed(file: &str) -> bool {
    file.strip_prefix("mailroom-").is_some_and(|rest| {
        let id: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
        id.len() >= 16
    })
}

/// Immutable for a year when the name carries the content hash; revalidated after
/// five minutes otherwise.
pub async fn cache_control(
    request: Request<axum::body::Body>,
    next: Next,
) -> Response<axum::body::Body> {
    let file = request.uri().path().rsplit('/').next().unwrap_or_default();
    let policy = if is_hashed(file) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300, must-revalidate"
    };
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status().is_redirection() {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names() {
        assert!(is_hashed("mailroom-0123456789abcdef.js"));
        assert!(is_hashed("mailroom-0123456789abcdef_bg.wasm"));
        assert!(!is_hashed("mailroom.js"));
        assert!(!is_hashed("mailroom-abc.css"));
    }

    #[test]
    fn output_name_falls_back_to_the_plain_name() {
        let dir = std::env::temp_dir().join(format!("mailroom-assets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(output_name(&dir), "mailroom");
        std::fs::write(
            dir.join("assets.env"),
            "MAILROOM_ASSETS=mailroom-0123456789abcdef\n",
        )
        .unwrap();
        assert_eq!(output_name(&dir), "mailroom-0123456789abcdef");
        std::fs::write(dir.join("assets.env"), "MAILROOM_ASSETS=../../etc/passwd\n").unwrap();
        assert_eq!(output_name(&dir), "mailroom");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
