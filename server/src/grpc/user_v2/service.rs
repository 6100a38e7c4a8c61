//! The tonic service: opens each call (authentication from the metadata) and runs
//! the method.

use mailroom_core::user_state::StateChange;
use tonic::{Request, Response, Status};

use super::*;
use crate::grpc::pb::zitadel::user::v2 as pb;
use crate::grpc::pb::zitadel::user::v2::user_service_server::UserService;
use crate::grpc::{answer, Services};

// ---- the tonic service ----

#[tonic::async_trait]
impl UserService for Services {
    async fn add_human_user(
        &self,
        request: Request<pb::AddHumanUserRequest>,
    ) -> Result<Response<pb::AddHumanUserResponse>, Status> {
        let (caller, _, r) = self.open(request).await?;
        answer(add_human_user(&self.mailroom, &caller, r).await)
    }

    async fn get_user_by_id(
        &self,
        request: Request<pb::GetUserByIdRequest>,
    ) -> Result<Response<pb::GetUserByIdResponse>, Status> {
        let (caller, _, r) = self.open(request).await?;
        answer(get_user_by_id(&self.mailroom, &caller, r).await)
    }

    async fn list_users(
        &self,
        request: Request<pb::ListUsersRequest>,
    ) -> Result<Response<pb::ListUsersResponse>, Status> {
        let (caller, _, r) = self.open(request).await?;
        answer(list_users(&self.mailroom, &caller, r).await)
    }

    async fn set_email(
        &self,
        request: Request<pb::SetEmailRequest>,
    ) -> Result<Response<pb::SetEmailResponse>, Status> {
        let (caller, _, r) = self.open(request).await?;
        answer(set_email(&self.mailroom, &caller, r).await)
    }

    async fn resend_email_code(
        &self,
        request: Request<pb::ResendEmailCodeRequest>,
    ) -> Result<Response<pb::ResendEmailCodeResponse>, Status> {
        let (caller, _, r) = self.open(request).await?;
        answer(resend_email_code(&self.mailroom, &caller, r).await)
    }

    async fn send_email_code(
        &self,
        request: Request<pb::SendEmailCodeRequest>,
    ) -> Result<Response<pb::SendEmailCodeResponse>, Status> {
        let (caller, _, r) = self.open(request).await?;
        answer(send_email_code(&self.mailroom, &caller, r).await)
    }

    async fn verify_email(
        &self,
        request: Request<pb::VerifyEmailRequest>,
    ) -> Result<Response<pb::VerifyEmailResponse>, Status> {
        let (caller, _, r) = self.open(request).await?;
        answer(verify_email(&self.mailroom, &caller, r).await)
    }

    async fn deactivate_user(
        &self,
        request: Request<pb::DeactivateUserRequest>,
    ) -> Result<Response<pb::DeactivateUserResponse>, Status> {
        let (caller, _, r) = self.open(request).await?;
        let result = change_state(&self.mailroom, &caller, r.user_id, StateChange::Deactivate);
        answer(
            result
                .await
                .map(|details| pb::DeactivateUserResponse { details }),
        )
    }

    async fn reactivate_user(
        &self,
        request: Request<pb::ReactivateUserRequest>,
    ) -> Result<Response<pb::ReactivateUserResponse>, Status> {
        let (caller, _, r) = self.open(request).await?;
        let result = change_state(&self.mailroom, &caller, r.user_id, StateChange::Reactivate);
        answer(
            result
                .await
                .map(|details| pb::ReactivateUserResponse { details }),
        )
    }

    async fn lock_user(
        &self,
        request: Request<pb::LockUserRequest>,
    ) -> Result<Response<pb::LockUserResponse>, Status> {
        let (caller, _, r) = self.open(request).await?;
        let result = change_state(&self.mailroom, &caller, r.user_id, StateChange::Lock);
        answer(result.await.map(|details| pb::LockUserResponse { details }))
    }

    async fn unlock_user(
        &self,
        request: Request<pb::UnlockUserRequest>,
    ) -> Result<Response<pb::UnlockUserResponse>, Status> {
        let (caller, _, r) = self.open(request).await?;
        let result = change_state(&self.mailroom, &caller, r.user_id, StateChange::Unlock);
        answer(
            result
                .await
                .map(|details| pb::UnlockUserResponse { details }),
        )
    }

    async fn delete_user(
        &self,
        request: Request<pb::DeleteUserRequest>,
    ) -> Result<Response<pb::DeleteUserResponse>, Status> {
        let (caller, _, r) = self.open(request).await?;
        answer(delete_user(&self.mailroom, &caller, r).await)
    }

    async fn add_personal_access_token(
        &self,
        request: Request<pb::AddPersonalAccessTokenRequest>,
    ) -> Result<Response<pb::AddPersonalAccessTokenResponse>, Status> {
        let (caller, _, r) = self.open(request).await?;
        answer(add_personal_access_token(&self.mailroom, &caller, r).await)
    }

    async fn remove_personal_access_token(
        &self,
        request: Request<pb::RemovePersonalAccessTokenRequest>,
    ) -> Result<Response<pb::RemovePersonalAccessTokenResponse>, Status> {
        let (caller, _, r) = self.open(request).await?;
        answer(remove_personal_access_token(&self.mailroom, &caller, r).await)
    }

    async fn list_personal_access_tokens(
        &self,
        request: Request<pb::ListPersonalAccessTokensRequest>,
    ) -> Result<Response<pb::ListPersonalAccessTokensResponse>, Status> {
        let (caller, _, r) = self.open(request).await?;
        answer(list_personal_access_tokens(&self.mailroom, &caller, r).await)
    }

    async fn create_invite_code(
        &self,
        request: Request<pb::CreateInviteCodeRequest>,
    ) -> Result<Response<pb::CreateInviteCodeResponse>, Status> {
        self.open(request).await?;
        Err(not_served("CreateInviteCode"))
    }

    async fn resend_invite_code(
        &self,
        request: Request<pb::ResendInviteCodeRequest>,
    ) -> Result<Response<pb::ResendInviteCodeResponse>, Status> {
        self.open(request).await?;
        Err(not_served("ResendInviteCode"))
    }

    async fn verify_invite_code(
        &self,
        request: Request<pb::VerifyInviteCodeRequest>,
    ) -> Result<Response<pb::VerifyInviteCodeResponse>, Status> {
        self.open(request).await?;
        Err(not_served("VerifyInviteCode"))
    }
}
