//! Creating users and changing their state: v1 `users/human`, `users/machine`;
//! v2 AddHumanUser, DeleteUser, deactivate / reactivate /
//! lock / unlock. SPEC §3.1, §3.2 "Supporting v2 methods".

use serde_json::json;

use crate::change::{event, UserChange};
use crate::clock::Timestamp;
use crate::email::EmailAddress;
use crate::error::{Code, Error, Result};
use crate::ids::{OrgId, UserId};
use crate::initialization::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::model::{Details, Human, Machine, User, UserKind, UserState};
use crate::permissions::{Caller, Permission};
use crate::service::Mailroom;
use crate::store::Op;
use crate::user_email::SetEmailMode;
use crate::verification::CodeDelivery;

/// A new human, already validated by the transport.
#[derive(Debug, Clone, Default)]
pub struct NewHuman {
    pub user_id: Option<UserId>,
    pub username: String,
    pub given_name: String,
    pub family_name: String,
    pub nick_name: String,
    pub display_name: String,
    pub preferred_language: String,
    pub email: Option<EmailAddress>,
    pub password: Option<String>,
}

/// A created user: its id, the write's details and a returned code, if any.
#[derive(Debug, Clone)]
pub struct Created {
    pub user_id: UserId,
    pub details: Details,
    pub code: Option<crate::code::PlainCode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    Deactivate,
    Reactivate,
    Lock,
    Unlock,
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
        self.store.commit(write).await.map_err(|err| {
            if err.code == Code::AlreadyExists {
                user_exists()
            } else {
                err
            }
        })?;
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
        let email = human
            .email
            .as_ref()
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default();
        let display_name = if human.display_name.is_empty() {
            format!("{} {}", human.given_name, human.family_name)
                .trim()
                .to_owned()
        } else {
            human.display_name.clone()
        };
        User {
            id: human.user_id.unwrap_or_else(UserId::generate),
            org_id: org,
            username: human.username.clone(),
            state: UserState::Active,
            kind: UserKind::Human(Human {
                given_name: human.given_name.clone(),
                family_name: human.family_name.clone(),
                display_name,
                nick_name: human.nick_name.clone(),
                preferred_language: human.preferred_language.clone(),
                email,
                email_verified: false,
                password_hash,
            }),
            created_at: now,
            sequence: 0,
            change_sequence: 0,
            changed_at: now,
        }
    }

    fn human_added_payload(user: &User) -> serde_json::Value {
        let human = user.human().cloned().unwrap_or_default();
        json!({
            "userName": user.username,
            "givenName": human.given_name,
            "familyName": human.family_name,
            "displayName": human.display_name,
            "preferredLanguage": human.preferred_language,
            "email": human.email,
            "passwordSet": human.password_hash.is_some(),
        })
    }

    /// `POST /management/v1/users/human`. Without a password and with an unverified
    /// email the user starts *initial* and gets an initialization mail; otherwise it
    /// is active and an unverified email gets a verification mail.
    pub async fn add_human_v1(
        &self,
        caller: &Caller,
        org_header: Option<&str>,
        human: NewHuman,
        email_verified: bool,
    ) -> Result<Created> {
        let org = self.org_context(caller, org_header).await?;
        caller.require_v1(Permission::UserWrite, org)?;
        self.ensure_username_free(&human.username).await?;
        let has_password = human.password.is_some();
        let hash = self.hash_password(human.password.clone()).await?;
        let mut user = self.new_human_row(org, &human, hash, self.clock.now());
        if !has_password && !email_verified {
            user.state = UserState::Initial;
        }
        let payload = Self::human_added_payload(&user);
        self.insert_user(
            user.clone(),
            caller.user_id,
            (event::HUMAN_ADDED, payload),
            |change| {
                if email_verified {
                    Self::verify_in(change);
                } else if user.state == UserState::Initial {
                    self.issue_init_code(change);
                } else {
                    self.issue_email_code(change, &CodeDelivery::Mail { url_template: None });
                }
                None
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

    /// v2 `AddHumanUser`: never *initial*; the email mode is SetEmail's.
    pub async fn add_human_v2(
        &self,
        caller: &Caller,
        org: Option<OrgId>,
        human: NewHuman,
        mode: SetEmailMode,
    ) -> Result<Created> {
        let org = org.unwrap_or(caller.org_id);
        match self.store.org(org).await? {
            Some(_) => {}
            None => return Err(Error::not_found("COMMAND-4n8Ds", "Organisation not found")),
        }
        caller.require_v2(Permission::UserWrite, org)?;
        if let Some(id) = human.user_id {
            if self.store.user(id).await?.is_some() {
                return Err(user_exists());
            }
        }
        self.ensure_username_free(&human.username).await?;
        let hash = self.hash_password(human.password.clone()).await?;
        let user = self.new_human_row(org, &human, hash, self.clock.now());
        let payload = Self::human_added_payload(&user);
        self.insert_user(
            user,
            caller.user_id,
            (event::HUMAN_ADDED, payload),
            |change| match &mode {
                SetEmailMode::MarkVerified => {
                    Self::verify_in(change);
                    None
                }
                SetEmailMode::Code(delivery) => self.issue_email_code(change, delivery),
            },
        )
        .await
    }

    /// `POST /management/v1/users/machine`
    pub async fn add_machine_v1(
        &self,
        caller: &Caller,
        org_header: Option<&str>,
        username: &str,
        name: &str,
        description: &str,
    ) -> Result<Created> {
        let org = self.org_context(caller, org_header).await?;
        caller.require_v1(Permission::UserWrite, org)?;
        self.ensure_username_free(username).await?;
        let now = self.clock.now();
        let user = User {
            id: UserId::generate(),
            org_id: org,
            username: username.to_owned(),
            state: UserState::Active,
            kind: UserKind::Machine(Machine {
                name: name.to_owned(),
                description: description.to_owned(),
            }),
            created_at: now,
            sequence: 0,
            change_sequence: 0,
            changed_at: now,
        };
        let payload = json!({"userName": username, "name": name, "description": description});
        self.insert_user(
            user,
            caller.user_id,
            (event::MACHINE_ADDED, payload),
            |_| None,
        )
        .await
    }

    /// v2 `DeleteUser`
    pub async fn delete_user_v2(&self, caller: &Caller, user_id: &str) -> Result<Details> {
        self.retry_on_conflict(|| async {
            let user = self.v2_user_for_write(caller, user_id).await?;
            let mut change = UserChange::new(user, Some(caller.user_id), self.clock.now());
            change.user_mut().state = UserState::Deleted;
            change.event(event::REMOVED, json!({}));
            let id = change.user().id;
            for kind in [crate::code::CodeKind::Email, crate::code::CodeKind::Init] {
                change.op(Op::DeleteCode { user_id: id, kind });
            }
            let details = self.commit_change(change).await?;
            // Deleted or deactivated users lose their tokens at once.
            self.auth_changed().await;
            Ok(details)
        })
        .await
    }

    /// v2 deactivate / reactivate / lock / unlock, with ZITADEL's precondition errors.
    pub async fn change_user_state_v2(
        &self,
        caller: &Caller,
        user_id: &str,
        to: StateChange,
    ) -> Result<Details> {
        self.retry_on_conflict(|| async {
            let user = self.v2_user_for_write(caller, user_id).await?;
            let (allowed, error, next, event_type) = match to {
                StateChange::Deactivate => (
                    matches!(user.state, UserState::Active | UserState::Locked),
                    if user.state == UserState::Initial {
                        ("COMMAND-ke0fw", "Cannot deactivate a user in state initial")
                    } else {
                        ("COMMAND-5M0sf", "User is already deactivated")
                    },
                    UserState::Inactive,
                    event::DEACTIVATED,
                ),
                StateChange::Reactivate => (
                    user.state == UserState::Inactive,
                    ("COMMAND-6M0sf", "User is not deactivated"),
                    UserState::Active,
                    event::REACTIVATED,
                ),
                StateChange::Lock => (
                    matches!(user.state, UserState::Active | UserState::Initial),
                    ("COMMAND-3NN8v", "User should be active or initial"),
                    UserState::Locked,
                    event::LOCKED,
                ),
                StateChange::Unlock => (
                    user.state == UserState::Locked,
                    ("COMMAND-4M0ds", "User is not locked"),
                    UserState::Active,
                    event::UNLOCKED,
                ),
            };
            if !allowed {
                return Err(Error::failed_precondition(error.0, error.1));
            }
            let mut change = UserChange::new(user, Some(caller.user_id), self.clock.now());
            change.user_mut().state = next;
            change.event(event_type, json!({}));
            let details = self.commit_change(change).await?;
            // Deleted or deactivated users lose their tokens at once.
            self.auth_changed().await;
            Ok(details)
        })
        .await
    }

    /// v2: an existing user (human or machine) the caller may write.
    async fn v2_user_for_write(&self, caller: &Caller, user_id: &str) -> Result<User> {
        let not_found = || Error::not_found("COMMAND-5m9lw", "User could not be found");
        let user = self.live_user(user_id).await?.ok_or_else(not_found)?;
        caller.require_v2(Permission::UserWrite, user.org_id)?;
        self.require_target(caller, &user).await?;
        Ok(user)
    }
}
