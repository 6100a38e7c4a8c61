//! What the gRPC adapters share: timestamps, `details`, list queries. Requests become
//! the JSON API's request forms (so validation and its messages are the same on every
//! transport); outcomes become ZITADEL's messages.

use mailroom_core::clock::Timestamp;
use mailroom_core::model::Details;
use serde_json::Value;

use super::pb::zitadel;
use crate::api::user_v2::ListQuery;

/// A domain time as `google.protobuf.Timestamp`.
pub fn timestamp(at: Timestamp) -> prost_types::Timestamp {
    const MICROS: i64 = 1_000_000;
    prost_types::Timestamp {
        seconds: at.0.div_euclid(MICROS),
        nanos: (at.0.rem_euclid(MICROS) * 1000) as i32,
    }
}

/// A request's `google.protobuf.Timestamp` as the JSON API reads it (RFC 3339). A
/// time that is none gets a text that the JSON validation refuses with its message.
pub fn rfc3339(at: &prost_types::Timestamp) -> String {
    u32::try_from(at.nanos)
        .ok()
        .and_then(|nanos| chrono::DateTime::from_timestamp(at.seconds, nanos))
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| "invalid timestamp".to_owned())
}

/// A protobuf `uint64` or `uint32` as the JSON API's list fields take it.
pub fn uint(value: u64) -> Option<Value> {
    Some(Value::from(value))
}

pub fn list_query(offset: u64, limit: u32, asc: bool) -> ListQuery {
    ListQuery {
        offset: uint(offset),
        limit: uint(u64::from(limit)),
        asc,
    }
}

/// A domain sequence (never negative) as protobuf's `uint64`.
fn sequence(details: &Details) -> u64 {
    u64::try_from(details.sequence).unwrap_or_default()
}

/// `zitadel.v1.ObjectDetails` (Management API v1).
pub fn details_v1(details: &Details) -> Option<zitadel::v1::ObjectDetails> {
    Some(zitadel::v1::ObjectDetails {
        sequence: sequence(details),
        creation_date: details.creation_date.map(timestamp),
        change_date: Some(timestamp(details.change_date)),
        resource_owner: details.resource_owner.to_string(),
    })
}

/// `zitadel.object.v2.Details` (User and Organization Service v2).
pub fn details_v2(details: &Details) -> Option<zitadel::object::v2::Details> {
    Some(zitadel::object::v2::Details {
        sequence: sequence(details),
        creation_date: details.creation_date.map(timestamp),
        change_date: Some(timestamp(details.change_date)),
        resource_owner: details.resource_owner.to_string(),
    })
}

/// Now, for list answers' view timestamps.
pub fn now() -> Option<prost_types::Timestamp> {
    Some(timestamp(Timestamp::from_datetime(chrono::Utc::now())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_microseconds_both_ways() {
        for micros in [0, 1, 1_742_887_173_732_000, 1_742_887_173_732_123, -1] {
            let at = timestamp(Timestamp(micros));
            assert!((0..1_000_000_000).contains(&at.nanos));
            let text = rfc3339(&at);
            let back = chrono::DateTime::parse_from_rfc3339(&text).unwrap();
            assert_eq!(back.timestamp_micros(), micros, "{text}");
        }
        let broken = prost_types::Timestamp {
            seconds: 0,
            nanos: -5,
        };
        assert!(chrono::DateTime::parse_from_rfc3339(&rfc3339(&broken)).is_err());
    }
}
