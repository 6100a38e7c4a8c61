//! Personal access tokens of machine users (SPEC §1 "Personal access tokens", §3.1):
//! add, list, get and remove, for the Management API v1 (in the org context) and the
//! User Service v2 (any org). A removed token stops working at once in every process.

use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::ids::{OrgId, TokenId, UserId};
use crate::model::{Details, PersonalAccessToken, User};
use crate::permissions::{Caller, Permission};
use crate::secrets;
use crate::service::Mailroom;
use crate::store::{Op, TokenQuery, Write};
use crate::target::Api;

/// A token as listed: never the token itself.
#[derive(Debug, Clone)]
pub struct TokenView {
    pub token: PersonalAccessToken,
    pub org_id: OrgId,
    /// The owner's sequence, which the v1 shapes report in `details`.
    pub sequence: i64,
}

/// A listing of tokens (ZITADEL's v2 filters; v1 lists one user's).
#[derive(Debug, Clone, Default)]
pub struct TokenListing {
    pub user: Option<UserId>,
    pub token: Option<TokenId>,
    pub org: Option<OrgId>,
    pub created: Option<(std::cmp::Ordering, bool, Timestamp)>,
    pub expires: Option<(std::cmp::Ordering, bool, Timestamp)>,
    pub offset: u64,
    pub limit: u64,
    pub asc: bool,
}

pub const MAX_TOKEN_PAGE: u64 = 1000;

/// ZITADEL answers an unknown token differently on get (a query) and remove (a command).
fn get_missing() -> Error {
    Error::not_found("QUERY-fRunu", "Personal Access Token not found")
}

fn remove_missing() -> Error {
    Error::not_found("COMMAND-4m77G", "Personal Access Token not found")
}

impl Mailroom {
    /// The machine user a token write or read is about, after the permission checks
    /// (and, for writes, the target rule).
    async fn token_owner(
        &self,
        caller: &Caller,
        api: Api,
        user_id: UserId,
        permission: Permission,
    ) -> Result<User> {
        let user = match api {
            Api::V1(context) => {
                let org = self.org_in_context(caller, context).await?;
                caller.require_v1(permission, org)?;
                self.user_in_org(org, user_id)
                    .await?
                    .ok_or_else(|| Error::not_found("COMMAND-Ggd3a", "User could not be found"))?
            }
            Api::V2 => {
                let user = self.live_user(user_id).await?.ok_or_else(|| {
                    Error::failed_precondition("COMMAND-Dggw2", "User could not be found")
                })?;
                caller.require_v2(permission, user.org_id)?;
                user
            }
        };
        if permission == Permission::UserWrite {
            self.require_target(caller, &user).await?;
        }
        if user.human().is_some() {
            return Err(match api {
                Api::V1(_) => {
                    Error::failed_precondition("COMMAND-Dgj3s", "The User must be a machine user")
                }
                Api::V2 => {
                    Error::failed_precondition("COMMAND-Df2f1", "Not allowed for this user type")
                }
            });
        }
        Ok(user)
    }

    /// `AddPersonalAccessToken`: the token is returned once, and only its hash is kept.
    pub async fn add_token(
        &self,
        caller: &Caller,
        api: Api,
        user_id: UserId,
        expires_at: Option<Timestamp>,
    ) -> Result<(TokenId, String, Details)> {
        let now = self.clock.now();
        if expires_at.is_some_and(|at| at <= now) {
            return Err(Error::invalid_argument(
                "COMMAND-dv3t5",
                "Expiration date is in the past",
            ));
        }
        let user = self
            .token_owner(caller, api, user_id, Permission::UserWrite)
            .await?;
        let token = secrets::new_token();
        let id = TokenId::generate();
        let mut write = Write::new();
        write.push(Op::InsertToken(PersonalAccessToken {
            id,
            user_id: user.id,
            token_hash: secrets::token_hash(&token),
            expires_at,
            created_at: now,
        }));
        self.store.commit(write).await?;
        Ok((
            id,
            token,
            Details {
                sequence: user.sequence,
                change_date: now,
                resource_owner: user.org_id,
                creation_date: None,
            },
        ))
    }

    /// v1 `ListPersonalAccessTokens` / v2 `ListPersonalAccessTokens`: only tokens of
    /// users the caller may read; an unknown or unreadable user has none.
    pub async fn list_tokens(
        &self,
        caller: &Caller,
        api: Api,
        listing: &TokenListing,
    ) -> Result<(Vec<TokenView>, u64)> {
        let orgs = match api {
            Api::V1(context) => {
                let org = self.org_in_context(caller, context).await?;
                caller.require_v1(Permission::UserRead, org)?;
                Some(vec![org])
            }
            Api::V2 => caller.orgs_with(Permission::UserRead),
        };
        let orgs = match (orgs, listing.org) {
            (None, org) => org.map(|o| vec![o]),
            (Some(orgs), None) => Some(orgs),
            (Some(orgs), Some(org)) => Some(orgs.into_iter().filter(|o| *o == org).collect()),
        };
        let query = TokenQuery {
            user: listing.user,
            token: listing.token,
            orgs,
            created: listing.created,
            expires: listing.expires,
            offset: listing.offset,
            limit: listing.limit.clamp(1, MAX_TOKEN_PAGE),
            asc: listing.asc,
        };
        let (tokens, total) = self.store.tokens(&query).await?;
        Ok((
            tokens
                .into_iter()
                .map(|(token, org_id, sequence)| TokenView {
                    token,
                    org_id,
                    sequence,
                })
                .collect(),
            total,
        ))
    }

    /// v1 `GetPersonalAccessTokenByIDs`.
    pub async fn get_token(
        &self,
        caller: &Caller,
        api: Api,
        user_id: UserId,
        token_id: TokenId,
    ) -> Result<TokenView> {
        let user = self
            .token_owner(caller, api, user_id, Permission::UserRead)
            .await
            .map_err(|err| hide_missing_user(err, get_missing))?;
        self.one_token(&user, token_id, get_missing).await
    }

    /// `RemovePersonalAccessToken`: revoked at once in this process, and announced to
    /// the others (the same NOTIFY as role changes).
    pub async fn remove_token(
        &self,
        caller: &Caller,
        api: Api,
        user_id: UserId,
        token_id: TokenId,
    ) -> Result<Details> {
        let user = self
            .token_owner(caller, api, user_id, Permission::UserWrite)
            .await
            .map_err(|err| hide_missing_user(err, remove_missing))?;
        let token = self.one_token(&user, token_id, remove_missing).await?;
        let now = self.clock.now();
        let mut write = Write::new();
        write.push(Op::RevokeToken {
            id: token.token.id,
            at: now,
        });
        self.store.commit(write).await?;
        self.auth_changed().await;
        Ok(Details {
            sequence: user.sequence,
            change_date: now,
            resource_owner: user.org_id,
            creation_date: None,
        })
    }

    /// A new token, sealed for the one page view that shows it to a browser without
    /// JavaScript (it waits in the session meanwhile): under the master key and bound
    /// to its owner, so the stored session yields no live token (SPEC §7).
    pub fn seal_new_token(&self, owner: UserId, token: &str) -> String {
        self.sealer
            .seal(token.as_bytes(), &new_token_context(owner))
    }

    /// The token `seal_new_token` sealed for `owner`; `None` for anything else.
    pub fn open_new_token(&self, owner: UserId, sealed: &str) -> Option<String> {
        let plain = self.sealer.open(sealed, &new_token_context(owner)).ok()?;
        String::from_utf8(plain).ok()
    }

    async fn one_token(
        &self,
        user: &User,
        token_id: TokenId,
        missing: fn() -> Error,
    ) -> Result<TokenView> {
        let query = TokenQuery {
            user: Some(user.id),
            token: Some(token_id),
            limit: 1,
            ..TokenQuery::default()
        };
        let (mut tokens, _) = self.store.tokens(&query).await?;
        let (token, org_id, sequence) = tokens.pop().ok_or_else(missing)?;
        Ok(TokenView {
            token,
            org_id,
            sequence,
        })
    }
}

fn new_token_context(owner: UserId) -> Vec<u8> {
    format!("new-token:{owner}").into_bytes()
}

/// An unknown owner on get and remove reads like an unknown token (ZITADEL's ids).
fn hide_missing_user(err: Error, missing: fn() -> Error) -> Error {
    if matches!(err.id, Some("COMMAND-Ggd3a" | "COMMAND-Dggw2")) {
        missing()
    } else {
        err
    }
}
