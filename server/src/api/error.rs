//! The API's error answers: the wire crate's REST and Connect forms (one place for
//! every transport, the console's server functions included).

pub use mailroom_wire::rest::{method_not_allowed, ErrorDetail};
pub use mailroom_wire::{
    http_status, ConnectError, ConnectErrorBody, InternalCause, RestError, RestErrorBody,
    StandardErrors,
};
