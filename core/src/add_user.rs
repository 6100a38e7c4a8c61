//! Creating users: v1 `users/human` and `users/machine`, v2 `AddHumanUser`, the
//! console's "new user". SPEC §3.1, §3.2 "Supporting v2 methods".

use serde_json::json;

use crate::change::{event, UserChange};
use crate::change_email::Verification;
use crate::clock::Timestamp;
use crate::email::EmailAddress;
use crate::error::{Code, Error, Result};
use crate::ids::{OrgId, UserId};
use crate::initialization::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::model::{Details, Human, Machine, User, UserKind, UserState};
use crate::permissions::{Caller, Permission};
use crate::service::Mailroom;
use crate::target::{Api, OrgContext};

/// A new human, already validated by the transport.
#[derive(Debug, Clone)]
pub struct NewHuman {
    /// v2: the user's id, if the client chose it.
    pub user_id: Option<UserId>,
    /// v2: the org (default: the caller's). v1 takes the org context instead.
    pub org: Option<OrgId>,
    pub username: String,
    pub given_name: String,
    pub family_name: String,
    pub nick_name: String,
    pub display_name: String,
    pub preferred_language: String,
    pub email: EmailAddress,
    pub password: Option<String>,
}

/// A created user: its id, the write's details and a returned code, if any.
#[derive(Debug, Clone)]
pub struct Created {
    pub user_id: UserId,
    pub details: Details,
    pub code: Option<crate::code::PlainCode>,
}

fn user_exists() -> Error {
    Error::new(Code::AlreadyExists, "COMMAND-k2unb", "User already exists")
}

/// The password rules of a new user's initial password.
fn check_password(password: &str) -> Result<()> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(Error::invalid_argument(
            "COMMAND-KJ4dh",
            "The password must be between 8 and 200 characters",
        ));
    }
    Ok(())
}

impl Mailroom {
    async fn hash_password(&self, password: Option<String>) -> Result<Option<String>> {
        let Some(password) = password else {
            return Ok(None);
        };
        check_password(&password)?;
        Ok(Some(self.password_work.hash(password).await?))
    }

    async fn ensure_username_free(&self, username: &str) -> Result<()> {
        if self.store.user_by_username(username).await?.is_some() {
            return Err(user_exists());
        }
        Ok(())
    }

    /// Inserts a fresh user whose first event is `added_event`, then lets `more` add
    /// the rest of its first write (email verified, codes, mails).
    async fn insert_user(
        &self,
        user: User,
        creator: UserId,
        added_event: (&str, serde_json::Value),
        more: impl FnOnce(&mut UserChange) -> Option<crate::code::PlainCode>,
    ) -> Result<Created> {
        let now = user.created_at;
        let user_id = user.id;
        // Sequence 0 before the first event; the change appends 1, 2, … on top.
        let mut change = UserChange::new(user, Some(creator), now);
        change.event(added_event.0, added_event.1);
        let code = more(&mut change);
        let (write, details) = change.into_insert();
        let committed = self.store.commit(write).await;
        committed.map_err(|err| err.instead_of(Code::AlreadyExists, user_exists))?;
        Ok(Created {
            user_id,
            details,
            code,
        })
    }

    fn new_human_row(
        &self,
        org: OrgId,
        human: &NewHuman,
        password_hash: Option<String>,
        now: Timestamp,
    ) -> User {
        let email = human.email.clone();
        let display_name = if human.display_name.is_empty() {
            format!("{} {}", human.given_name, human.family_name)
                .trim()
                .to_owned()
        } else {
            human.display_name.clone()
        };
        User::new(
            human.user_id.unwrap_or_else(UserId::generate),
            org,
            human.username.clone(),
            UserKind::Human(Human {
                given_name: human.given_name.clone(),
                family_name: human.family_name.clone(),
                display_name,
                nick_name: human.nick_name.clone(),
                preferred_language: human.preferred_language.clone(),
                email,
                email_verified: false,
                password_hash,
            }),
            now,
            0,
        )
    }

    fn human_added_payload(user: &User) -> serde_json::Value {
        let Some(human) = user.human() else {
            return json!({"userName": user.username});
        };
        json!({
            "userName": user.username,
            "givenName": human.given_name,
            "familyName": human.family_name,
            "displayName": human.display_name,
            "preferredLanguage": human.preferred_language,
            "email": human.email.as_str(),
            "passwordSet": human.password_hash.is_some(),
        })
    }

    /// A new human. v1 (`users/human`): in the org context; without a password and
    /// with an unverified address it starts *initial* and gets the initialization
    /// mail. v2 (`AddHumanUser`): in `human.org` (default: the caller's), which must
    /// exist; never *initial*. Otherwise an unverified address gets a code.
    pub async fn add_human(
        &self,
        caller: &Caller,
        api: Api,
        human: NewHuman,
        verification: Verification,
    ) -> Result<Created> {
        crate::text::printable_names(&[
            &human.username,
            &human.given_name,
            &human.family_name,
            &human.nick_name,
            &human.display_name,
            &human.preferred_language,
        ])?;
        let org = match api {
            Api::V1(context) => {
                let org = self.org_in_context(caller, context).await?;
                caller.require_v1(Permission::UserWrite, org)?;
                org
            }
            Api::V2 => {
                let org = human.org.unwrap_or(caller.org_id);
                if self.store.org(org).await?.is_none() {
                    return Err(Error::not_found("COMMAND-4n8Ds", "Organisation not found"));
                }
                caller.require_v2(Permission::UserWrite, org)?;
                if let Some(id) = human.user_id {
                    if self.store.user(id).await?.is_some() {
                        return Err(user_exists());
                    }
                }
                org
            }
        };
        self.ensure_username_free(&human.username).await?;
        let starts_initial = matches!(api, Api::V1(_))
            && human.password.is_none()
            && verification != Verification::Verified;
        let hash = self.hash_password(human.password.clone()).await?;
        let mut user = self.new_human_row(org, &human, hash, self.clock.now());
        if starts_initial {
            user.state = UserState::Initial;
        }
        let payload = Self::human_added_payload(&user);
        self.insert_user(
            user,
            caller.user_id,
            (event::HUMAN_ADDED, payload),
            |change| match &verification {
                Verification::Verified => {
                    Self::verify_in(change);
                    None
                }
                Verification::Code(_) if starts_initial => {
                    self.issue_init_code(change);
                    None
                }
                Verification::Code(delivery) => self.issue_email_code(change, delivery),
            },
        )
        .await
    }

    fn verify_in(change: &mut UserChange) {
        if let Some(h) = change.user_mut().human_mut() {
            h.email_verified = true;
        }
        change.event(event::EMAIL_VERIFIED, json!({}));
    }

    /// A machine user (v1 `users/machine`), in the org context.
    pub async fn add_machine(
        &self,
        caller: &Caller,
        context: OrgContext,
        username: &str,
        name: &str,
        description: &str,
    ) -> Result<Created> {
        crate::text::printable_names(&[username, name])?;
        crate::text::printable_text(description)?;
        let org = self.org_in_context(caller, context).await?;
        caller.require_v1(Permission::UserWrite, org)?;
        self.ensure_username_free(username).await?;
        let now = self.clock.now();
        let user = User::new(
            UserId::generate(),
            org,
            username.to_owned(),
            UserKind::Machine(Machine {
                name: name.to_owned(),
                description: description.to_owned(),
            }),
            now,
            0,
        );
        let payload = json!({"userName": username, "name": name, "description": description});
        self.insert_user(
            user,
            caller.user_id,
            (event::MACHINE_ADDED, payload),
            |_| None,
        )
        .await
    }
}
