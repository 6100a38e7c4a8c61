//! gRPC and gRPC-web on the API port (SPEC §2 "Binary transports").

/// The generated messages, servers and clients of `proto/`.
#[allow(clippy::all, missing_docs)]
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/protos.rs"));
}

/// The compiled descriptors of `proto/` (reflection, the wire-compatibility check).
pub const DESCRIPTORS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/descriptors.bin"));
