//! Organizations and memberships: v1 `orgs`, `orgs/me/members`; v2 AddOrganization.

use crate::error::{Code, Error, Result};
use crate::ids::{OrgId, UserId};
use crate::model::{Details, Membership, Org, OrgState};
use crate::permissions::{Caller, Permission, Role};
use crate::service::Mailroom;
use crate::store::{Op, Write};
use crate::target::OrgContext;

pub const MAX_ORG_NAME_CHARS: usize = 200;

fn org_exists() -> Error {
    Error::new(
        Code::AlreadyExists,
        "COMMAND-ZGuH8",
        "Organisation already exists",
    )
}

/// Orgs have no event stream of their own here; their writes report sequence 1.
fn org_details(org: &Org) -> Details {
    Details {
        sequence: 1,
        change_date: org.created_at,
        resource_owner: org.id,
        creation_date: None,
    }
}

impl Mailroom {
    async fn insert_org(
        &self,
        id: Option<OrgId>,
        name: &str,
        owners: Vec<(UserId, Vec<Role>)>,
    ) -> Result<Org> {
        crate::text::printable_names(&[name])?;
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid_argument(
                "ORG-mruNY",
                "Organisation name is empty",
            ));
        }
        let org = Org {
            id: id.unwrap_or_else(OrgId::generate),
            name: name.to_owned(),
            state: OrgState::Active,
            created_at: self.clock.now(),
        };
        let mut write = Write::new();
        write.push(Op::InsertOrg(org.clone()));
        for (user_id, roles) in owners {
            write.push(Op::PutMembership(Membership {
                user_id,
                org_id: Some(org.id),
                roles,
            }));
        }
        let committed = self.store.commit(write).await;
        committed.map_err(|err| err.instead_of(Code::AlreadyExists, org_exists))?;
        self.auth_changed().await;
        Ok(org)
    }

    /// `POST /management/v1/orgs`: any authenticated caller may create an org and
    /// becomes its ORG_OWNER (as in ZITADEL).
    pub async fn add_org(&self, caller: &Caller, name: &str) -> Result<(OrgId, Details)> {
        let org = self
            .insert_org(None, name, vec![(caller.user_id, vec![Role::OrgOwner])])
            .await?;
        Ok((org.id, org_details(&org)))
    }

    /// v2 `AddOrganization`: needs instance rights; admins default to ORG_OWNER.
    pub async fn add_organization(
        &self,
        caller: &Caller,
        id: Option<OrgId>,
        name: &str,
        admins: Vec<(UserId, Vec<String>)>,
    ) -> Result<(OrgId, Details)> {
        if !caller.can_instance(Permission::IamWrite) {
            return Err(Error::permission_denied(
                "AUTH-AWfge",
                "No matching permissions found",
            ));
        }
        if let Some(id) = id {
            if self.store.org(id).await?.is_some() {
                return Err(org_exists());
            }
        }
        let mut owners = Vec::new();
        for (user_id, roles) in admins {
            let user = self.existing_user(user_id).await?;
            owners.push((user, parse_org_roles(&roles, vec![Role::OrgOwner])?));
        }
        let org = self.insert_org(id, name, owners).await?;
        Ok((org.id, org_details(&org)))
    }

    /// `POST /management/v1/orgs/me/members`
    pub async fn add_member(
        &self,
        caller: &Caller,
        context: OrgContext,
        user_id: UserId,
        roles: &[String],
    ) -> Result<Details> {
        let org = self.org_in_context(caller, context).await?;
        caller.require_v1(Permission::OrgMemberWrite, org)?;
        let user = self.existing_user(user_id).await?;
        let roles = parse_org_roles(roles, Vec::new())?;
        if roles.is_empty() {
            return Err(Error::invalid_argument("ORG-4Mlfs", "Roles are empty"));
        }
        let mut write = Write::new();
        write.push(Op::PutMembership(Membership {
            user_id: user,
            org_id: Some(org),
            roles,
        }));
        self.store.commit(write).await?;
        self.auth_changed().await;
        Ok(Details {
            sequence: 1,
            change_date: self.clock.now(),
            resource_owner: org,
            creation_date: None,
        })
    }

    /// The console's org page: the org and its members with their roles, for a caller
    /// who may read the org (others: unknown).
    pub async fn org_page(&self, caller: &Caller, id: OrgId) -> Result<OrgPage> {
        let missing = || Error::not_found("QUERY-mvn3R", "Organisation not found");
        if !caller.can(Permission::OrgRead, id) {
            return Err(missing());
        }
        let org = self
            .store
            .org(id)
            .await?
            .filter(|org| org.state != OrgState::Removed)
            .ok_or_else(missing)?;
        let mut members = Vec::new();
        for membership in self.store.org_memberships(id).await? {
            if let Some(user) = self.live_user(membership.user_id).await? {
                members.push((user, membership.roles));
            }
        }
        Ok(OrgPage {
            can_manage_members: caller.can(Permission::OrgMemberWrite, id),
            org,
            members,
        })
    }

    /// The orgs the caller may read (the console's `/orgs`), by name.
    pub async fn orgs_page(&self, caller: &Caller) -> Result<Vec<Org>> {
        let readable = caller.orgs_with(Permission::OrgRead);
        let mut orgs: Vec<Org> = self
            .store
            .orgs()
            .await?
            .into_iter()
            .filter(|org| org.state != OrgState::Removed)
            .filter(|org| readable.as_ref().is_none_or(|r| r.contains(&org.id)))
            .collect();
        orgs.sort_by_key(|org| org.name.to_lowercase());
        Ok(orgs)
    }

    /// The console's "add member": the user named by its username (or id).
    pub async fn add_member_named(
        &self,
        caller: &Caller,
        org: OrgId,
        who: &str,
        roles: &[String],
    ) -> Result<UserId> {
        let who = who.trim();
        let mut user = self.store.user_by_username(who).await?;
        if user.is_none() {
            if let Some(id) = UserId::parse(who) {
                user = self.store.user(id).await?;
            }
        }
        let user = user
            .filter(|user| !user.is_deleted())
            .ok_or_else(|| Error::not_found("COMMAND-u8iLp", "User could not be found"))?;
        self.add_member(caller, OrgContext::Org(org), user.id, roles)
            .await?;
        Ok(user.id)
    }

    /// Ends `user`'s membership of `org`. Needs `org.member.write` there, and the
    /// target rule: a caller cannot strip someone more powerful than itself.
    pub async fn remove_member(&self, caller: &Caller, org: OrgId, user_id: UserId) -> Result<()> {
        if !caller.can(Permission::OrgMemberWrite, org) {
            return Err(Error::permission_denied(
                "AUTH-5mWD2",
                "No matching permissions found",
            ));
        }
        let not_member = || Error::not_found("MEMBER-LDHkA", "Member not found");
        let user = self.live_user(user_id).await?.ok_or_else(not_member)?;
        let memberships = self.store.memberships(user.id).await?;
        if !memberships.iter().any(|m| m.org_id == Some(org)) {
            return Err(not_member());
        }
        self.require_target(caller, &user).await?;
        let mut write = Write::new();
        write.push(Op::DeleteMembership {
            user_id: user.id,
            org_id: org,
        });
        self.store.commit(write).await?;
        self.auth_changed().await;
        Ok(())
    }

    async fn existing_user(&self, user_id: UserId) -> Result<UserId> {
        let not_found = || Error::not_found("COMMAND-u8iLp", "User could not be found");
        self.live_user(user_id)
            .await?
            .map(|u| u.id)
            .ok_or_else(not_found)
    }
}

/// Org roles by name; instance roles and unknown names are refused.
/// An org's page in the console.
#[derive(Debug, Clone)]
pub struct OrgPage {
    pub org: Org,
    /// Its live members and their roles there, by user id.
    pub members: Vec<(crate::model::User, Vec<Role>)>,
    pub can_manage_members: bool,
}

fn parse_org_roles(names: &[String], default: Vec<Role>) -> Result<Vec<Role>> {
    if names.is_empty() {
        return Ok(default);
    }
    names
        .iter()
        .map(|name| {
            Role::parse(name)
                .filter(|role| !role.is_instance_role())
                .ok_or_else(|| {
                    Error::invalid_argument("ORG-Tsh3a", "Role is not an organization role")
                })
        })
        .collect()
}
