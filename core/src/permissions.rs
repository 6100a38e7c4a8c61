//! Roles, the permissions they carry, and the checks every transport calls (SPEC §1, §2).
//! This is the only place that decides whether a caller may do something.

use crate::error::{Error, Result};
use crate::ids::{OrgId, UserId};
use crate::model::{Membership, User};
use crate::service::Mailroom;

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

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::UserRead,
        Permission::UserWrite,
        Permission::OrgRead,
        Permission::OrgWrite,
        Permission::OrgMemberWrite,
        Permission::IamWrite,
    ];
}

/// The refusal of the target rule (SPEC §1 "No escalation through the target").
pub fn target_denied() -> Error {
    Error::permission_denied(
        "MAILROOM-TARGET",
        "The user holds roles the caller does not have",
    )
}

/// Who is calling, with everything needed to decide what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    pub org_id: OrgId,
    pub memberships: Vec<Membership>,
}

/// Whether these memberships make their user an instance owner.
pub fn holds_instance_owner(memberships: &[Membership]) -> bool {
    memberships
        .iter()
        .any(|m| m.org_id.is_none() && m.roles.contains(&Role::IamOwner))
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

    /// Whether the caller is an instance owner (and so holds every role everywhere).
    pub fn is_instance_owner(&self) -> bool {
        holds_instance_owner(&self.memberships)
    }

    /// Whether the caller holds, in `scope` (`None` = the instance), every permission
    /// that `role` carries there: it is at least as powerful as a holder of `role`.
    fn covers(&self, role: Role, scope: Option<OrgId>) -> bool {
        Permission::ALL
            .into_iter()
            .filter(|permission| role.grants(*permission))
            .all(|permission| match scope {
                Some(org) => self.can(permission, org),
                None => self.can_instance(permission),
            })
    }

    /// SPEC §1 "No escalation through the target": a write to `target` also needs the
    /// caller to be at least as powerful as the target in every scope where the
    /// target holds roles (an instance role: only an instance owner; `ORG_OWNER` of
    /// X: only an `ORG_OWNER` of X or an instance owner). A user acting on itself is
    /// not refused by this rule.
    pub fn require_target(&self, target: UserId, target_memberships: &[Membership]) -> Result<()> {
        if target == self.user_id {
            return Ok(());
        }
        let covered = target_memberships
            .iter()
            .flat_map(|m| m.roles.iter().map(move |role| (*role, m.org_id)))
            .all(|(role, scope)| self.covers(role, scope));
        if covered {
            Ok(())
        } else {
            Err(target_denied())
        }
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

impl Mailroom {
    /// The target rule for a write to `target`, reading the target's memberships only
    /// when they can matter (an instance owner, or the target itself, always passes).
    pub(crate) async fn require_target(&self, caller: &Caller, target: &User) -> Result<()> {
        if caller.user_id == target.id || caller.is_instance_owner() {
            return Ok(());
        }
        let memberships = self.store.memberships(target.id).await?;
        caller.require_target(target.id, &memberships)
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

    /// Caller role × target role: only callers at least as powerful as the target in
    /// the target's scopes pass (the HTTP matrix is in the integration tests).
    #[test]
    fn target_rule_matrix() {
        use Role::*;
        let roles = [IamOwner, OrgOwner, OrgUserManager, OrgOwnerViewer];
        let scope_of = |role: Role| (!role.is_instance_role()).then_some(10);
        for caller_role in roles {
            let c = caller(vec![(scope_of(caller_role), caller_role)]);
            // Ordinary targets (no roles) are always fine for the target rule.
            assert!(c.require_target(UserId(2), &[]).is_ok());
            for target_role in roles {
                let target = [Membership {
                    user_id: UserId(2),
                    org_id: scope_of(target_role).map(OrgId),
                    roles: vec![target_role],
                }];
                let allowed = matches!(
                    (caller_role, target_role),
                    (IamOwner, _)
                        | (OrgOwner, OrgOwner | OrgUserManager | OrgOwnerViewer)
                        | (OrgUserManager, OrgUserManager)
                        | (OrgOwnerViewer, OrgOwnerViewer)
                );
                let result = c.require_target(UserId(2), &target);
                assert_eq!(
                    result.is_ok(),
                    allowed,
                    "{caller_role:?} on {target_role:?}"
                );
                if let Err(err) = result {
                    assert_eq!(err.id, Some("MAILROOM-TARGET"));
                    assert_eq!(err.code, Code::PermissionDenied);
                }
            }
        }
    }

    #[test]
    fn target_rule_looks_at_every_scope_and_spares_oneself() {
        let owner_of_10 = caller(vec![(Some(10), Role::OrgOwner)]);
        // The target is an owner elsewhere: the caller holds nothing in org 11.
        let elsewhere = [Membership {
            user_id: UserId(2),
            org_id: Some(OrgId(11)),
            roles: vec![Role::OrgOwnerViewer],
        }];
        assert!(owner_of_10.require_target(UserId(2), &elsewhere).is_err());
        // Acting on oneself is never refused by this rule.
        let own = [Membership {
            user_id: UserId(1),
            org_id: None,
            roles: vec![Role::IamOwner],
        }];
        assert!(owner_of_10.require_target(UserId(1), &own).is_ok());
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
