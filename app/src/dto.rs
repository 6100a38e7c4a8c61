//! What the server functions send to the pages. Plain data, shared by SSR and WASM.

use serde::{Deserialize, Serialize};

/// The signed-in administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
}

/// The email badge of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmailStatus {
    Verified,
    Unverified,
    /// A verification code is out and not yet used.
    Pending,
    /// Machine users have no email.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub email_status: EmailStatus,
    pub state: String,
    pub org_id: String,
    pub org_name: String,
    pub is_machine: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersPage {
    pub users: Vec<UserSummary>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
    /// Orgs the caller may filter by: (id, name).
    pub orgs: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub summary: UserSummary,
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: String,
    pub created_at: String,
    pub changed_at: String,
    pub sequence: String,
}

/// From domain records to DTOs (server side only).
#[cfg(feature = "ssr")]
pub mod convert {
    use super::*;
    use mailroom_core::model::{Org, User, UserKind};

    fn org_name(user: &User, orgs: &[Org]) -> String {
        orgs.iter()
            .find(|o| o.id == user.org_id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    }

    pub fn summary(user: &User, orgs: &[Org]) -> UserSummary {
        let (display_name, email, email_status) = match &user.kind {
            UserKind::Human(h) => {
                let name = if h.display_name.is_empty() {
                    format!("{} {}", h.given_name, h.family_name)
                        .trim()
                        .to_owned()
                } else {
                    h.display_name.clone()
                };
                let status = if h.email_verified {
                    EmailStatus::Verified
                } else {
                    EmailStatus::Unverified
                };
                (name, h.email.clone(), status)
            }
            UserKind::Machine(m) => (m.name.clone(), String::new(), EmailStatus::None),
        };
        UserSummary {
            id: user.id.to_string(),
            display_name: if display_name.is_empty() {
                user.username.clone()
            } else {
                display_name
            },
            username: user.username.clone(),
            email,
            email_status,
            state: user.state.as_db().to_owned(),
            org_id: user.org_id.to_string(),
            org_name: org_name(user, orgs),
            is_machine: matches!(user.kind, UserKind::Machine(_)),
        }
    }

    pub fn detail(user: &User, orgs: &[Org]) -> UserDetail {
        let human = user.human().cloned().unwrap_or_default();
        UserDetail {
            summary: summary(user, orgs),
            given_name: human.given_name,
            family_name: human.family_name,
            preferred_language: human.preferred_language,
            created_at: user.created_at.to_rfc3339(),
            changed_at: user.changed_at.to_rfc3339(),
            sequence: user.change_sequence.to_string(),
        }
    }
}
