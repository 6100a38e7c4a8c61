//! ZITADEL's User Service v2 messages as the JSON API's request forms, and the
//! domain's answers as ZITADEL's messages.

use mailroom_core::change_email::CodeWrite;
use mailroom_core::model::{Details, User, UserKind, UserState};
use serde_json::Value;

use crate::api::pats;
use crate::api::user_v2 as api;
use crate::grpc::convert::{details_v2, list_query, rfc3339, timestamp, uint};
use crate::grpc::pb::zitadel::filter::v2 as filter;
use crate::grpc::pb::zitadel::object::v2 as object;
use crate::grpc::pb::zitadel::user::v2 as pb;

// ---- requests: ZITADEL's messages as the JSON API's forms ----

pub(super) fn send_code(code: pb::SendEmailVerificationCode) -> Option<api::SendCode> {
    Some(api::SendCode {
        url_template: code.url_template,
    })
}

/// `returnCode: {}`, the way the JSON form holds it.
pub(super) fn return_code() -> Option<Value> {
    Some(Value::Object(Default::default()))
}

pub(super) fn set_email_request(r: pb::SetEmailRequest) -> api::SetEmailRequest {
    use pb::set_email_request::Verification;
    let (send, ret, verified) = match r.verification {
        Some(Verification::SendCode(code)) => (send_code(code), None, None),
        Some(Verification::ReturnCode(_)) => (None, return_code(), None),
        Some(Verification::IsVerified(v)) => (None, None, Some(v)),
        None => (None, None, None),
    };
    api::SetEmailRequest {
        user_id: Some(r.user_id),
        email: Some(r.email),
        send_code: send,
        return_code: ret,
        is_verified: verified,
    }
}

pub(super) fn code_request(
    user_id: String,
    send: Option<pb::SendEmailVerificationCode>,
    returned: bool,
) -> api::EmailCodeRequest {
    api::EmailCodeRequest {
        user_id: Some(user_id),
        send_code: send.and_then(send_code),
        return_code: if returned { return_code() } else { None },
    }
}

pub(super) fn send_email_code_request(r: pb::SendEmailCodeRequest) -> api::EmailCodeRequest {
    use pb::send_email_code_request::Verification;
    match r.verification {
        Some(Verification::SendCode(code)) => code_request(r.user_id, Some(code), false),
        Some(Verification::ReturnCode(_)) => code_request(r.user_id, None, true),
        None => code_request(r.user_id, None, false),
    }
}

pub(super) fn resend_email_code_request(r: pb::ResendEmailCodeRequest) -> api::EmailCodeRequest {
    use pb::resend_email_code_request::Verification;
    match r.verification {
        Some(Verification::SendCode(code)) => code_request(r.user_id, Some(code), false),
        Some(Verification::ReturnCode(_)) => code_request(r.user_id, None, true),
        None => code_request(r.user_id, None, false),
    }
}

pub(super) fn create_invite_code_request(
    r: pb::CreateInviteCodeRequest,
) -> api::CreateInviteCodeRequest {
    use pb::create_invite_code_request::Verification;
    let (send_code, return_code) = match r.verification {
        Some(Verification::SendCode(code)) => (
            Some(api::SendInviteCode {
                url_template: code.url_template,
                application_name: code.application_name,
            }),
            None,
        ),
        Some(Verification::ReturnCode(_)) => (None, return_code()),
        None => (None, None),
    };
    api::CreateInviteCodeRequest {
        user_id: Some(r.user_id),
        send_code,
        return_code,
    }
}

pub(super) fn user_id(user_id: String) -> api::UserIdRequest {
    api::UserIdRequest {
        user_id: Some(user_id),
    }
}

pub(super) fn add_human_request(r: pb::AddHumanUserRequest) -> api::AddHumanUserRequest {
    use object::organization::Org;
    use pb::add_human_user_request::PasswordType;
    use pb::set_human_email::Verification;
    let profile = r.profile.unwrap_or_default();
    let email = r.email.unwrap_or_default();
    let (send, ret, verified) = match email.verification {
        Some(Verification::SendCode(code)) => (send_code(code), None, None),
        Some(Verification::ReturnCode(_)) => (None, return_code(), None),
        Some(Verification::IsVerified(v)) => (None, None, Some(v)),
        None => (None, None, None),
    };
    api::AddHumanUserRequest {
        user_id: r.user_id,
        username: r.username,
        // An org named by domain is not one we resolve: as in JSON, where only
        // `orgId` is read.
        organization: r.organization.map(|o| api::OrganizationRef {
            org_id: match o.org {
                Some(Org::OrgId(id)) => Some(id),
                Some(Org::OrgDomain(_)) | None => None,
            },
        }),
        profile: api::ProfileV2 {
            given_name: profile.given_name,
            family_name: profile.family_name,
            nick_name: profile.nick_name.unwrap_or_default(),
            display_name: profile.display_name.unwrap_or_default(),
            preferred_language: profile.preferred_language.unwrap_or_default(),
        },
        email: api::EmailV2 {
            email: Some(email.email),
            send_code: send,
            return_code: ret,
            is_verified: verified,
        },
        password: match r.password_type {
            Some(PasswordType::Password(p)) => Some(api::PasswordV2 {
                password: p.password,
            }),
            Some(PasswordType::HashedPassword(_)) | None => None,
        },
    }
}

pub(super) fn text_method(method: i32) -> Option<String> {
    object::TextQueryMethod::try_from(method)
        .ok()
        .map(|m| m.as_str_name().to_owned())
}

pub(super) fn search_query(q: pb::SearchQuery) -> api::SearchQuery {
    use pb::search_query::Query;
    let mut query = api::SearchQuery::default();
    match q.query {
        Some(Query::EmailQuery(e)) => {
            query.email_query = Some(api::TextQuery {
                email_address: Some(e.email_address),
                user_name: None,
                method: text_method(e.method),
            })
        }
        Some(Query::UserNameQuery(u)) => {
            query.user_name_query = Some(api::TextQuery {
                email_address: None,
                user_name: Some(u.user_name),
                method: text_method(u.method),
            })
        }
        Some(Query::OrganizationIdQuery(o)) => {
            query.organization_id_query = Some(api::OrgQuery {
                organization_id: o.organization_id,
            })
        }
        Some(Query::StateQuery(s)) => {
            query.state_query = Some(api::StateQuery {
                state: pb::UserState::try_from(s.state)
                    .map(|s| s.as_str_name().to_owned())
                    .unwrap_or_default(),
            })
        }
        // Queries the JSON API does not read either.
        _ => {}
    }
    query
}

pub(super) fn list_users_request(r: pb::ListUsersRequest) -> api::ListUsersRequest {
    let q = r.query.unwrap_or_default();
    api::ListUsersRequest {
        query: list_query(q.offset, q.limit, q.asc),
        queries: r.queries.into_iter().map(search_query).collect(),
    }
}

pub(super) fn timestamp_filter(f: filter::TimestampFilter) -> pats::TimestampFilter {
    pats::TimestampFilter {
        timestamp: f.timestamp.as_ref().map(rfc3339),
        method: uint(u64::try_from(f.method).unwrap_or(u64::MAX)),
    }
}

pub(super) fn id_filter(f: filter::IdFilter) -> Option<pats::IdFilter> {
    Some(pats::IdFilter { id: f.id })
}

pub(super) fn token_filter(f: pb::PersonalAccessTokensSearchFilter) -> pats::TokenFilter {
    use pb::personal_access_tokens_search_filter::Filter;
    let mut filter = pats::TokenFilter::default();
    match f.filter {
        Some(Filter::TokenIdFilter(id)) => filter.token_id_filter = id_filter(id),
        Some(Filter::UserIdFilter(id)) => filter.user_id_filter = id_filter(id),
        Some(Filter::OrganizationIdFilter(id)) => filter.organization_id_filter = id_filter(id),
        Some(Filter::CreatedDateFilter(t)) => {
            filter.created_date_filter = Some(timestamp_filter(t))
        }
        Some(Filter::ExpirationDateFilter(t)) => {
            filter.expiration_date_filter = Some(timestamp_filter(t))
        }
        None => {}
    }
    filter
}

pub(super) fn list_tokens_request(
    r: pb::ListPersonalAccessTokensRequest,
) -> pats::ListTokensV2Request {
    let page = r.pagination.unwrap_or_default();
    pats::ListTokensV2Request {
        pagination: list_query(page.offset, page.limit, page.asc),
        sorting_column: None,
        filters: r.filters.into_iter().map(token_filter).collect(),
    }
}

// ---- outcomes: the domain's answers as ZITADEL's messages ----

pub(super) fn user_state(state: UserState) -> i32 {
    (match state {
        UserState::Active => pb::UserState::Active,
        UserState::Inactive => pb::UserState::Inactive,
        UserState::Locked => pb::UserState::Locked,
        UserState::Initial => pb::UserState::Initial,
        UserState::Deleted => pb::UserState::Deleted,
    }) as i32
}

pub(super) fn user(user: &User) -> pb::User {
    use pb::user::Type;
    let kind = match &user.kind {
        UserKind::Human(h) => Type::Human(pb::HumanUser {
            profile: Some(pb::HumanProfile {
                given_name: h.given_name.clone(),
                family_name: h.family_name.clone(),
                nick_name: Some(h.nick_name.clone()).filter(|n| !n.is_empty()),
                display_name: Some(h.display_name.clone()).filter(|n| !n.is_empty()),
                preferred_language: Some(h.preferred_language.clone()).filter(|n| !n.is_empty()),
                ..Default::default()
            }),
            email: Some(pb::HumanEmail {
                email: h.email.to_string(),
                is_verified: h.email_verified,
            }),
            phone: Some(pb::HumanPhone::default()),
            ..Default::default()
        }),
        UserKind::Machine(m) => Type::Machine(pb::MachineUser {
            name: m.name.clone(),
            description: m.description.clone(),
            ..Default::default()
        }),
    };
    pb::User {
        user_id: user.id.to_string(),
        details: details_v2(&Details::of_read(user)),
        state: user_state(user.state),
        username: user.username.clone(),
        login_names: vec![user.username.clone()],
        preferred_login_name: user.username.clone(),
        r#type: Some(kind),
    }
}

pub(super) fn code_of(write: &CodeWrite) -> Option<String> {
    write.code.as_ref().map(|c| c.as_str().to_owned())
}

pub(super) fn token(t: &mailroom_core::tokens::TokenView) -> pb::PersonalAccessToken {
    let created = Some(timestamp(t.token.created_at));
    pb::PersonalAccessToken {
        creation_date: created,
        change_date: created,
        id: t.token.id.to_string(),
        user_id: t.token.user_id.to_string(),
        organization_id: t.org_id.to_string(),
        expiration_date: Some(crate::grpc::management::expiry(t)),
    }
}
