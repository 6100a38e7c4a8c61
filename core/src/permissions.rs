//! Roles, the permissions they carry, and the checks every transport calls (SPEC §1, §2).
//! This is the only place that decides whether a caller may do something.

use crate::error::{Error, Result};
use crate::ids::{OrgId, UserId};
use crate::model::Membership;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    IamOwner,
    OrgOwner,
    OrgUserManager,
    OrgOwnerViewer,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::IamOwner => "IAM_OWNER",
            Role::OrgOwner => "ORG_OWNER",
            Role::OrgUserManager => "ORG_USER_MANAGER",
            Role::OrgOwnerViewer => "ORG_OWNER_VIEWER",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        [
            Role::IamOwner,
            Role::OrgOwner,
            Role::OrgUserManager,
            Role::OrgOwnerViewer,
        ]
        .into_iter()
        .find(|role| role.name() == name)
    }

    /// True for roles that only make sense on the instance.
    pub fn is_instance_role(self) -> bool {
        self == Role::IamOwner
    }

    fn grants(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::IamOwner => true,
            Role::OrgOwner => matches!(
                permission,
                UserRead | UserWrite | OrgRead | OrgWrite | OrgMemberWrite
            ),
            Role::OrgUserManager => matches!(permission, UserRead | UserWrite),
            Role::OrgOwnerViewer => matches!(permission, UserRead | OrgRead),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    UserRead,
    UserWrite,
    OrgRead,
    OrgWrite,
    OrgMemberWrite,
    /// Instance-wide administration (creating orgs through the v2 service).
    IamWrite,
}

/// Who is calling, with everything needed to decide what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    pub org_id: OrgId,
    pub memberships: Vec<Membership>,
}

impl Caller {
    fn memberships_for(&self, org: OrgId) -> impl Iterator<Item = &Membership> {
        self.memberships
            .iter()
            .filter(move |m| m.org_id.is_none() || m.org_id == Some(org))
    }

    /// Whether the caller holds `permission` on `org` (through an org or instance membership).
    pub fn can(&self, permission: Permission, org: OrgId) -> bool {
        self.memberships_for(org)
            .flat_map(|m| m.roles.iter())
            .any(|role| role.grants(permission))
    }

    /// Whether the caller holds `permission` on the whole instance.
    pub fn can_instance(&self, permission: Permission) -> bool {
        self.memberships
            .iter()
            .filter(|m| m.org_id.is_none())
            .flat_map(|m| m.roles.iter())
            .any(|role| role.grants(permission))
    }

    /// The orgs on which the caller holds `permission`; `None` means every org.
    pub fn orgs_with(&self, permission: Permission) -> Option<Vec<OrgId>> {
        if self.can_instance(permission) {
            return None;
        }
        let mut orgs: Vec<OrgId> = self
            .memberships
            .iter()
            .filter(|m| m.roles.iter().any(|role| role.grants(permission)))
            .filter_map(|m| m.org_id)
            .collect();
        orgs.sort();
        orgs.dedup();
        Some(orgs)
    }

    /// Management API v1: the caller's memberships are evaluated for the org context.
    pub fn require_v1(&self, permission: Permission, org: OrgId) -> Result<()> {
        if self.memberships_for(org).next().is_none() {
            return Err(Error::not_found("AUTHZ-cdgFk", "membership not found"));
        }
        if !self.can(permission, org) {
            return Err(Error::permission_denied(
                "AUTH-5mWD2",
                "No matching permissions found",
            ));
        }
        Ok(())
    }

    /// User Service v2: the permission on the target user's org.
    pub fn require_v2(&self, permission: Permission, org: OrgId) -> Result<()> {
        if self.can(permission, org) {
            Ok(())
        } else {
            Err(Error::permission_denied(
                "AUTH-AWfge",
                "No matching permissions found",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    fn caller(memberships: Vec<(Option<i64>, Role)>) -> Caller {
        Caller {
            user_id: UserId(1),
            org_id: OrgId(10),
            memberships: memberships
                .into_iter()
                .map(|(org, role)| Membership {
                    user_id: UserId(1),
                    org_id: org.map(OrgId),
                    roles: vec![role],
                })
                .collect(),
        }
    }

    #[test]
    fn role_matrix() {
        let org = OrgId(10);
        let table = [
            (Role::IamOwner, [true, true, true]),
            (Role::OrgOwner, [true, true, true]),
            (Role::OrgUserManager, [true, true, false]),
            (Role::OrgOwnerViewer, [true, false, true]),
        ];
        for (role, [read, write, org_read]) in table {
            let scope = if role.is_instance_role() {
                None
            } else {
                Some(10)
            };
            let c = caller(vec![(scope, role)]);
            assert_eq!(c.can(Permission::UserRead, org), read, "{role:?}");
            assert_eq!(c.can(Permission::UserWrite, org), write, "{role:?}");
            assert_eq!(c.can(Permission::OrgRead, org), org_read, "{role:?}");
            assert!(!c.can(Permission::UserRead, OrgId(11)) || role == Role::IamOwner);
        }
    }

    #[test]
    fn v1_distinguishes_no_membership_from_missing_permission() {
        let viewer = caller(vec![(Some(10), Role::OrgOwnerViewer)]);
        assert!(viewer.require_v1(Permission::UserRead, OrgId(10)).is_ok());
        let err = viewer
            .require_v1(Permission::UserWrite, OrgId(10))
            .unwrap_err();
        assert_eq!(
            (err.code, err.id),
            (Code::PermissionDenied, Some("AUTH-5mWD2"))
        );
        let err = viewer
            .require_v1(Permission::UserRead, OrgId(11))
            .unwrap_err();
        assert_eq!((err.code, err.id), (Code::NotFound, Some("AUTHZ-cdgFk")));
    }

    #[test]
    fn orgs_with_lists_only_granting_memberships() {
        let c = caller(vec![
            (Some(10), Role::OrgOwnerViewer),
            (Some(12), Role::OrgUserManager),
        ]);
        assert_eq!(c.orgs_with(Permission::UserWrite), Some(vec![OrgId(12)]));
        assert_eq!(
            c.orgs_with(Permission::UserRead),
            Some(vec![OrgId(10), OrgId(12)])
        );
        assert_eq!(
            caller(vec![(None, Role::IamOwner)]).orgs_with(Permission::UserRead),
            None
        );
    }
}
