//! Which door a change came through, for the audit log (SPEC §1: who did what,
//! when, "from which transport"). Each door runs its requests in `scope`, and every
//! event a use case appends there records it; work started by no request (the mail
//! worker, the first start) is `System`.

use std::future::Future;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Rest,
    /// Connect, JSON or binary.
    Connect,
    Grpc,
    GrpcWeb,
    /// The administrators' console (its server functions).
    Console,
    /// The end-user pages the mails link to.
    Page,
    System,
}

impl Via {
    pub const ALL: [Via; 7] = [
        Via::Rest,
        Via::Connect,
        Via::Grpc,
        Via::GrpcWeb,
        Via::Console,
        Via::Page,
        Via::System,
    ];

    /// The name stored with an event and shown by the events API.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Rest => "rest",
            Via::Connect => "connect",
            Via::Grpc => "grpc",
            Via::GrpcWeb => "grpc-web",
            Via::Console => "console",
            Via::Page => "page",
            Via::System => "system",
        }
    }

    pub fn parse(name: &str) -> Option<Via> {
        Via::ALL.into_iter().find(|via| via.as_str() == name)
    }
}

tokio::task_local! {
    static VIA: Via;
}

/// Runs `work` (one request) as having come through `via`.
pub async fn scope<F: Future>(via: Via, work: F) -> F::Output {
    VIA.scope(via, work).await
}

/// The door of the request being served, or `System`.
pub(crate) fn current() -> Via {
    VIA.try_with(|via| *via).unwrap_or(Via::System)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_scope_names_its_door_and_nothing_else_does() {
        assert_eq!(current(), Via::System);
        assert_eq!(scope(Via::Grpc, async { current() }).await, Via::Grpc);
        for via in Via::ALL {
            assert_eq!(Via::parse(via.as_str()), Some(via));
        }
    }
}
