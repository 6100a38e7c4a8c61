//! The tonic service: every method of `methods!`, opened and answered alike.

use crate::grpc::pb::zitadel::user::v2 as pb;
use crate::grpc::pb::zitadel::user::v2::user_service_server::UserService;

macro_rules! tonic_service {
    ($($name:literal $method:ident($req:ident) -> $resp:ident;)*) => {
        crate::grpc::serve! {
            UserService for pb { $($method($req) -> $resp = super::$method;)* }
        }
    };
}

super::methods!(tonic_service);
