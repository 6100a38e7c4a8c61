//! Response shapes shared by the API handlers: protobuf JSON conventions (camelCase,
//! zero values left out, `sequence` as a string, RFC 3339 times).

use mailroom_core::model::Details;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DetailsDto {
    pub sequence: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
    pub change_date: String,
    pub resource_owner: String,
}

impl From<&Details> for DetailsDto {
    fn from(details: &Details) -> Self {
        DetailsDto {
            sequence: details.sequence.to_string(),
            creation_date: details.creation_date.map(|t| t.to_rfc3339()),
            change_date: details.change_date.to_rfc3339(),
            resource_owner: details.resource_owner.to_string(),
        }
    }
}

/// For `skip_serializing_if`: protobuf JSON leaves `false` out.
pub fn is_false(value: &bool) -> bool {
    !*value
}

/// `{"details": {…}}`, the answer of most writes.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DetailsOnly {
    pub details: DetailsDto,
}

impl From<&Details> for DetailsOnly {
    fn from(details: &Details) -> Self {
        DetailsOnly {
            details: DetailsDto::from(details),
        }
    }
}
