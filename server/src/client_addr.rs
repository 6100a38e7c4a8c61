//! The client's address, for the sign-in limits (SPEC §7): the socket's peer, or,
//! when the peer is a proxy listed in `MAILROOM_TRUSTED_PROXIES`, the nearest
//! address in `X-Forwarded-For` that is not one of those proxies.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use mailroom_app::ssr::ClientAddr;

#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> Self {
        TrustedProxies(Arc::new(nets))
    }

    /// `10.0.0.1, 192.168.0.0/16, ::1`: addresses or networks, comma-separated.
    pub fn parse(text: &str) -> Result<Vec<IpNet>, String> {
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{item:?} is not an IP address or network"))
            })
            .collect()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request from `peer` with these `X-Forwarded-For` values.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        // Right to left: each trusted proxy appended the address it received from.
        let hops = forwarded_for
            .iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .rev();
        let mut client = peer;
        for hop in hops {
            match hop.parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !self.trusts(ip) {
                        break;
                    }
                }
                // Garbage (or a forged entry) ends the chain we can trust.
                Err(_) => break,
            }
        }
        client
    }
}

/// Puts the request's `ClientAddr` into its extensions (the server functions read it).
pub async fn record_client_addr(
    State(proxies): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        let forwarded: Vec<&str> = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let client = proxies.client(peer.ip(), &forwarded);
        request.extensions_mut().insert(ClientAddr(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxies = TrustedProxies::new(TrustedProxies::parse("10.0.0.0/8, ::1").unwrap());
        // A direct client cannot choose its address.
        assert_eq!(
            proxies.client(ip("203.0.113.9"), &["1.2.3.4"]),
            ip("203.0.113.9")
        );
        // Behind the proxy: the nearest untrusted hop, not what the client wrote first.
        assert_eq!(
            proxies.client(ip("10.0.0.5"), &["6.6.6.6, 198.51.100.7, 10.0.0.4"]),
            ip("198.51.100.7")
        );
        assert_eq!(proxies.client(ip("::1"), &[]), ip("::1"));
        assert_eq!(
            proxies.client(ip("10.0.0.5"), &["not-an-ip"]),
            ip("10.0.0.5")
        );
        assert!(TrustedProxies::parse("10.0.0.1, nonsense").is_err());
        assert_eq!(TrustedProxies::parse("").unwrap().len(), 0);
    }
}
