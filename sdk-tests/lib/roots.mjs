// The ZITADEL methods/types Mailroom serves; used by gen.mjs and check.mjs --roots.
export const ROOTS = {
  "zitadel.management.v1.ManagementService": [
    "GetHumanEmail", "UpdateHumanEmail", "ResendHumanEmailVerification", "ResendHumanInitialization",
    "AddHumanUser", "AddMachineUser", "AddPersonalAccessToken", "ListPersonalAccessTokens",
    "GetPersonalAccessTokenByIDs", "RemovePersonalAccessToken", "AddOrg", "AddOrgMember",
  ],
  "zitadel.user.v2.UserService": [
    "SetEmail", "SendEmailCode", "ResendEmailCode", "VerifyEmail", "AddHumanUser", "GetUserByID",
    "ListUsers", "DeleteUser", "DeactivateUser", "ReactivateUser", "LockUser", "UnlockUser",
    "AddPersonalAccessToken", "RemovePersonalAccessToken", "ListPersonalAccessTokens",
    "CreateInviteCode", "ResendInviteCode", "VerifyInviteCode",
  ],
  "zitadel.org.v2.OrganizationService": ["AddOrganization"],
};
export const EXTRA_TYPES = ["zitadel.v1.ErrorDetail"];
