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

    async fn existing_user(&self, user_id: UserId) -> Result<UserId> {
        let not_found = || Error::not_found("COMMAND-u8iLp", "User could not be found");
        self.live_user(user_id)
            .await?
            .map(|u| u.id)
            .ok_or_else(not_found)
    }
}

/// Org roles by name; instance roles and unknown names are refused.
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
