//! First start on an empty database: the default org, the `admin` human and the
//! `api-admin` machine user with its PAT (SPEC §6). Later starts change nothing.

use serde_json::json;

use crate::clock::Timestamp;
use crate::error::Result;
use crate::ids::{OrgId, TokenId, UserId};
use crate::model::{
    Event, Human, Machine, Membership, Org, OrgState, PersonalAccessToken, User, UserKind,
};
use crate::permissions::Role;
use crate::secrets;
use crate::service::Mailroom;
use crate::store::{Op, Write};

pub const DEFAULT_ORG_NAME: &str = "Mailroom";
pub const ADMIN_USERNAME: &str = "admin";
pub const ADMIN_EMAIL: &str = "admin@localhost";
pub const API_ADMIN_USERNAME: &str = "api-admin";

/// What the first start created; secrets are here once and nowhere else.
#[derive(Debug)]
pub struct Bootstrapped {
    pub org_id: OrgId,
    pub admin_id: UserId,
    pub api_admin_id: UserId,
    /// Set when no password was configured and one was generated.
    pub generated_admin_password: Option<String>,
    pub api_admin_token: String,
}

/// One event of a freshly created user, as sequence `sequence`.
pub(crate) fn event(
    user: UserId,
    sequence: i64,
    event_type: &str,
    payload: serde_json::Value,
    creator: Option<UserId>,
    at: Timestamp,
) -> Event {
    Event {
        user_id: user,
        sequence,
        event_type: event_type.to_owned(),
        payload,
        creator,
        created_at: at,
        via: Some(crate::via::Via::System),
    }
}

impl Mailroom {
    /// Creates the first org and users unless another start already did. Safe to run
    /// from several processes at once: the instance key is claimed in the same
    /// transaction, so exactly one of them commits.
    pub async fn bootstrap(&self, admin_password: Option<&str>) -> Result<Option<Bootstrapped>> {
        if self
            .store
            .instance_value("bootstrapped_at")
            .await?
            .is_some()
        {
            return Ok(None);
        }
        let now = self.clock.now();
        let generated_admin_password = admin_password.is_none().then(secrets::random_password);
        let password = admin_password
            .map(str::to_owned)
            .or_else(|| generated_admin_password.clone())
            .unwrap_or_default();
        let password_hash = self.password_work.hash(password).await?;

        let org = Org {
            id: OrgId::generate(),
            name: DEFAULT_ORG_NAME.to_owned(),
            state: OrgState::Active,
            created_at: now,
        };
        let admin = User::new(
            UserId::generate(),
            org.id,
            ADMIN_USERNAME.to_owned(),
            UserKind::Human(Human {
                given_name: "Mailroom".into(),
                family_name: "Administrator".into(),
                display_name: "Mailroom Administrator".into(),
                preferred_language: "en".into(),
                nick_name: String::new(),
                email: crate::email::EmailAddress::from_stored(ADMIN_EMAIL.into()),
                email_verified: true,
                password_hash: Some(password_hash),
            }),
            now,
            3,
        );
        let api_admin = User::new(
            UserId::generate(),
            org.id,
            API_ADMIN_USERNAME.to_owned(),
            UserKind::Machine(Machine {
                name: "API administrator".into(),
                description: "Created on first start; its token is in the first-PAT file".into(),
            }),
            now,
            1,
        );
        let token = secrets::new_token();

        let mut write = Write::new();
        write
            .push(Op::ClaimInstanceKey {
                key: "bootstrapped_at".into(),
                value: now.to_rfc3339(),
            })
            .push(Op::ClaimInstanceKey {
                key: "default_org_id".into(),
                value: org.id.to_string(),
            })
            .push(Op::InsertOrg(org.clone()))
            .push(Op::InsertUser(admin.clone()))
            .push(Op::AppendEvents(vec![event(
                admin.id,
                1,
                "user.human.added",
                json!({
                    "userName": ADMIN_USERNAME,
                    "email": ADMIN_EMAIL,
                    "givenName": "Mailroom",
                    "familyName": "Administrator",
                }),
                None,
                now,
            )]))
            .push(Op::AppendEvents(vec![event(
                admin.id,
                2,
                "user.human.email.verified",
                json!({}),
                None,
                now,
            )]))
            .push(Op::AppendEvents(vec![event(
                admin.id,
                3,
                "user.human.password.changed",
                json!({}),
                None,
                now,
            )]))
            .push(Op::InsertUser(api_admin.clone()))
            .push(Op::AppendEvents(vec![event(
                api_admin.id,
                1,
                "user.machine.added",
                json!({"userName": API_ADMIN_USERNAME, "name": "API administrator"}),
                None,
                now,
            )]));
        for user in [admin.id, api_admin.id] {
            write.push(Op::PutMembership(Membership {
                user_id: user,
                org_id: None,
                roles: vec![Role::IamOwner],
            }));
        }
        write.push(Op::InsertToken(PersonalAccessToken {
            id: TokenId::generate(),
            user_id: api_admin.id,
            token_hash: secrets::token_hash(&token),
            expires_at: None,
            created_at: now,
        }));
        if !self.store.commit(write).await? {
            return Ok(None);
        }
        Ok(Some(Bootstrapped {
            org_id: org.id,
            admin_id: admin.id,
            api_admin_id: api_admin.id,
            generated_admin_password,
            api_admin_token: token,
        }))
    }
}
