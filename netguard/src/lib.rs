//! Which addresses our outbound HTTP clients (`http-fetch`, the model reasoners) may connect to (SSRF protection).
//!
//! By default every address that is not globally routable is refused: loopback,
//! link-local (169.254.0.0/16, including the instance metadata endpoint 169.254.169.254,
//! and fe80::/10), private (10/8, 172.16/12, 192.168/16, fc00::/7), carrier-grade NAT
//! (100.64/10), "this network" (0/8, ::), multicast, broadcast, reserved and documentation
//! ranges. Ranges: IANA special-purpose address registries (RFC 6890 and updates).
//!
//! IPv6 forms that embed an IPv4 address are judged by that IPv4 address (an address that
//! embeds 169.254.169.254 is refused as link-local), whatever the IPv6 prefix:
//!
//! | form | prefix | where the IPv4 address is |
//! | --- | --- | --- |
//! | IPv4-mapped | `::ffff:0:0/96` | bits 96-127 |
//! | IPv4-translated (SIIT, RFC 2765 / 6052) | `::ffff:0:0:0/96` | bits 96-127 |
//! | IPv4-compatible (deprecated; refused even when the IPv4 address is public) | `::/96` | bits 96-127 |
//! | NAT64 well-known prefix (RFC 6052) | `64:ff9b::/96` | bits 96-127 |
//! | 6to4 (RFC 3056) | `2002::/16` | bits 16-47 |
//! | Teredo (RFC 4380) | `2001::/32` | server: bits 32-63; client: bits 96-127 inverted (XOR `0xffffffff`); **both** are judged |
//! | ISATAP (RFC 5214) | any `/64` with the interface identifier `0:5efe` or `200:5efe` | bits 96-127 |
//!
//! The local-use NAT64 prefix `64:ff9b:1::/48` (RFC 8215) is refused outright: the operator
//! picks the translator's prefix length inside it, so where (and whether) an IPv4 address is
//! embedded cannot be known from the address alone, and the block is not globally reachable
//! anyway. NAT64 network-specific prefixes and 6rd prefixes are operator-chosen and cannot
//! be recognised either; a deployment that uses them must not route them to internal
//! networks (or must refuse them at the network layer).
//!
//! Two allow-lists re-admit non-public addresses, for a local server (the demo's, a test's):
//! `HTTP_FETCH_ALLOW_HOSTS`, comma-separated `address:port` endpoints such as
//! `127.0.0.1:8765,[::1]:8765` (the narrow one: one port of one address), and
//! `HTTP_FETCH_ALLOW`, comma-separated CIDRs such as `127.0.0.1/32` (every port of a range).
//! Both are matched against the address as resolved (an allow-listed `127.0.0.1/32` does not
//! admit `::ffff:127.0.0.1`), and neither can admit the instance metadata service: IPv4
//! link-local 169.254.0.0/16 (in any IPv6 embedding too) and AWS's IPv6 metadata address
//! `fd00:ec2::254` stay refused whatever the lists say. [`AddressPolicy::check_endpoint`]
//! says when a list admitted an address, so the caller can log it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// A CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// An allow-list entry could not be read (the message names the entry and the fix).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CidrError(String);

impl std::str::FromStr for Cidr {
    type Err = CidrError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            CidrError(format!(
                "`{s}` is not a CIDR block; write e.g. `127.0.0.1/32` or `::1/128`"
            ))
        };
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.trim().parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.trim().parse::<u8>().map_err(|_| bad())?,
            None => max,
        };
        if prefix > max {
            return Err(bad());
        }
        Ok(Self { addr, prefix })
    }
}

impl Cidr {
    /// Whether `ip` lies in this block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The address policy: refuse non-public addresses unless allow-listed.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    allow: Vec<Cidr>,
    endpoints: Vec<SocketAddr>,
}

/// Why [`AddressPolicy::check_endpoint`] let an address through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admitted {
    /// The address is public.
    Public,
    /// A non-public address an allow-list admitted (log it): the list's name and the reason
    /// the address is not public.
    Listed {
        /// `HTTP_FETCH_ALLOW_HOSTS` or `HTTP_FETCH_ALLOW`.
        list: &'static str,
        /// What kind of address it is (`loopback (127.0.0.0/8)`, ...).
        reason: &'static str,
    },
}

/// The endpoint allow-list's variable.
pub const ALLOW_HOSTS_VAR: &str = "HTTP_FETCH_ALLOW_HOSTS";
/// The CIDR allow-list's variable.
pub const ALLOW_CIDRS_VAR: &str = "HTTP_FETCH_ALLOW";

impl AddressPolicy {
    /// A policy with an allow-list.
    pub fn with_allow_list(allow: Vec<Cidr>) -> Self {
        Self {
            allow,
            endpoints: Vec::new(),
        }
    }

    /// A policy that admits exactly these `address:port` endpoints.
    pub fn with_endpoints(endpoints: Vec<SocketAddr>) -> Self {
        Self {
            allow: Vec::new(),
            endpoints,
        }
    }

    /// Reads `HTTP_FETCH_ALLOW` (CIDRs) and `HTTP_FETCH_ALLOW_HOSTS` (`address:port`).
    pub fn from_env() -> Result<Self, CidrError> {
        let list = |name: &str| {
            std::env::var(name)
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let allow = list(ALLOW_CIDRS_VAR)
            .iter()
            .map(|s| s.parse())
            .collect::<Result<Vec<_>, _>>()?;
        let endpoints = list(ALLOW_HOSTS_VAR)
            .iter()
            .map(|s| parse_endpoint(s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { allow, endpoints })
    }

    /// `Err(reason)` when the policy refuses `ip` (on any port: the endpoint list is not
    /// consulted; see [`AddressPolicy::check_endpoint`]).
    pub fn check(&self, ip: IpAddr) -> Result<(), &'static str> {
        self.admit(ip, None).map(|_| ())
    }

    /// Whether a connection to `addr` may be made, and why: `Err(reason)` when refused.
    pub fn check_endpoint(&self, addr: SocketAddr) -> Result<Admitted, &'static str> {
        self.admit(addr.ip(), Some(addr))
    }

    fn admit(&self, ip: IpAddr, endpoint: Option<SocketAddr>) -> Result<Admitted, &'static str> {
        let Some(reason) = non_public_reason(ip) else {
            return Ok(Admitted::Public);
        };
        let list = if endpoint.is_some_and(|e| self.endpoints.contains(&e)) {
            ALLOW_HOSTS_VAR
        } else if self.allow.iter().any(|c| c.contains(ip)) {
            ALLOW_CIDRS_VAR
        } else {
            return Err(reason);
        };
        match metadata_reason(ip) {
            Some(never) => Err(never),
            None => Ok(Admitted::Listed { list, reason }),
        }
    }
}

/// Reads one `HTTP_FETCH_ALLOW_HOSTS` entry: an IP address and a port.
fn parse_endpoint(text: &str) -> Result<SocketAddr, CidrError> {
    text.parse().map_err(|_| {
        CidrError(format!(
            "`{text}` in {ALLOW_HOSTS_VAR} is not an `address:port` endpoint; write e.g. `127.0.0.1:8765` or `[::1]:8765` (an IP address, not a host name)"
        ))
    })
}

/// Why `ip` is the instance metadata service (or could reach it), which no allow-list admits.
fn metadata_reason(ip: IpAddr) -> Option<&'static str> {
    const LINK_LOCAL: &str =
        "link-local, including instance metadata (169.254.0.0/16), which no allow-list admits";
    let link_local = |v4: Ipv4Addr| in_v4(v4, [169, 254, 0, 0], 16);
    match ip {
        IpAddr::V4(v4) => link_local(v4).then_some(LINK_LOCAL),
        IpAddr::V6(v6) => {
            if v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
                return Some(
                    "the instance metadata service's IPv6 address (fd00:ec2::254), which no allow-list admits",
                );
            }
            embedded_v4(v6)
                .into_iter()
                .any(link_local)
                .then_some(LINK_LOCAL)
        }
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let table: [([u8; 4], u32, &'static str); 16] = [
        ([0, 0, 0, 0], 8, "\"this network\" (0.0.0.0/8)"),
        ([10, 0, 0, 0], 8, "private (10.0.0.0/8)"),
        ([100, 64, 0, 0], 10, "carrier-grade NAT (100.64.0.0/10)"),
        ([127, 0, 0, 0], 8, "loopback (127.0.0.0/8)"),
        (
            [169, 254, 0, 0],
            16,
            "link-local, including instance metadata (169.254.0.0/16)",
        ),
        ([172, 16, 0, 0], 12, "private (172.16.0.0/12)"),
        (
            [192, 0, 0, 0],
            24,
            "IETF protocol assignments (192.0.0.0/24)",
        ),
        ([192, 0, 2, 0], 24, "documentation (192.0.2.0/24)"),
        ([192, 88, 99, 0], 24, "6to4 relay anycast (192.88.99.0/24)"),
        ([192, 168, 0, 0], 16, "private (192.168.0.0/16)"),
        ([198, 18, 0, 0], 15, "benchmarking (198.18.0.0/15)"),
        ([198, 51, 100, 0], 24, "documentation (198.51.100.0/24)"),
        ([203, 0, 113, 0], 24, "documentation (203.0.113.0/24)"),
        ([224, 0, 0, 0], 4, "multicast (224.0.0.0/4)"),
        ([240, 0, 0, 0], 4, "reserved (240.0.0.0/4)"),
        ([255, 255, 255, 255], 32, "broadcast"),
    ];
    table
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, *net, *prefix))
        .map(|(_, _, reason)| *reason)
}

/// The IPv4 addresses an IPv6 address embeds (see the module docs for the forms).
fn embedded_v4(ip: Ipv6Addr) -> Vec<Ipv4Addr> {
    let bits = u128::from(ip);
    let seg = ip.segments();
    let low32 = Ipv4Addr::from((bits & 0xffff_ffff) as u32);
    let mut found = Vec::new();
    // IPv4-mapped `::ffff:a.b.c.d`, IPv4-translated (SIIT) `::ffff:0:a.b.c.d`, and the
    // NAT64 well-known prefix `64:ff9b::a.b.c.d`.
    if seg[0..6] == [0, 0, 0, 0, 0, 0xffff]
        || seg[0..6] == [0, 0, 0, 0, 0xffff, 0]
        || seg[0..6] == [0x64, 0xff9b, 0, 0, 0, 0]
    {
        found.push(low32);
    }
    // IPv4-compatible `::a.b.c.d` (deprecated); `::` and `::1` are judged as themselves.
    if seg[0..6] == [0, 0, 0, 0, 0, 0] && bits > 1 {
        found.push(low32);
    }
    // 6to4 `2002:aabb:ccdd::/48`.
    if seg[0] == 0x2002 {
        found.push(Ipv4Addr::from(((bits >> 80) & 0xffff_ffff) as u32));
    }
    // Teredo `2001:0:<server>:<flags>:<port>:<client XOR ffffffff>`.
    if seg[0] == 0x2001 && seg[1] == 0 {
        found.push(Ipv4Addr::from(((bits >> 64) & 0xffff_ffff) as u32));
        found.push(Ipv4Addr::from(!((bits & 0xffff_ffff) as u32)));
    }
    // ISATAP interface identifier `0:5efe:a.b.c.d` / `200:5efe:a.b.c.d` (the u and g bits
    // of the first octet may be set).
    if seg[4] & 0xfcff == 0 && seg[5] == 0x5efe {
        found.push(low32);
    }
    found
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(ip);
    // Forms that embed an IPv4 address are judged by it: every embedded address must pass.
    if let Some(reason) = embedded_v4(ip).into_iter().find_map(v4_reason) {
        return Some(reason);
    }
    let seg = ip.segments();
    if seg[0..6] == [0, 0, 0, 0, 0, 0] && bits > 1 {
        // Deprecated and never routed, even when the embedded address is public.
        return Some("IPv4-compatible IPv6 (::/96)");
    }
    if ip.is_unspecified() {
        return Some("unspecified (::)");
    }
    if ip.is_loopback() {
        return Some("loopback (::1)");
    }
    let prefixes: [(u128, u32, &'static str); 8] = [
        (0xfc00 << 112, 7, "unique local (fc00::/7)"),
        (0xfe80 << 112, 10, "link-local (fe80::/10)"),
        (0xfec0 << 112, 10, "site-local (fec0::/10)"),
        (0xff00 << 112, 8, "multicast (ff00::/8)"),
        (0x2001_0db8 << 96, 32, "documentation (2001:db8::/32)"),
        (0x3fff << 112, 20, "documentation (3fff::/20)"),
        (0x0100 << 112, 64, "discard-only (100::/64)"),
        (
            0x0064_ff9b_0001 << 80,
            48,
            "local-use NAT64 (64:ff9b:1::/48), which may embed any IPv4 address",
        ),
    ];
    prefixes
        .iter()
        .find(|(net, prefix, _)| {
            let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
            bits & mask == net & mask
        })
        .map(|(_, _, reason)| *reason)
}

/// Why `ip` is not a public address, or `None` when it is.
pub fn non_public_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_allowance_admits_that_port_of_that_address_only_and_says_so() {
        let policy = AddressPolicy::with_endpoints(vec!["127.0.0.1:8765".parse().unwrap()]);
        assert_eq!(
            policy.check_endpoint("127.0.0.1:8765".parse().unwrap()),
            Ok(Admitted::Listed {
                list: ALLOW_HOSTS_VAR,
                reason: "loopback (127.0.0.0/8)"
            })
        );
        for other in [
            "127.0.0.1:8766",
            "127.0.0.2:8765",
            "[::ffff:127.0.0.1]:8765",
        ] {
            assert!(
                policy.check_endpoint(other.parse().unwrap()).is_err(),
                "{other} must stay refused"
            );
        }
        // The plain address check does not consult the endpoint list.
        assert!(policy.check("127.0.0.1".parse().unwrap()).is_err());
        assert_eq!(
            policy.check_endpoint("8.8.8.8:443".parse().unwrap()),
            Ok(Admitted::Public)
        );
    }

    #[test]
    fn no_allow_list_admits_the_metadata_service() {
        let policy = AddressPolicy {
            allow: vec!["0.0.0.0/0".parse().unwrap(), "::/0".parse().unwrap()],
            endpoints: vec![
                "169.254.169.254:80".parse().unwrap(),
                "[fd00:ec2::254]:80".parse().unwrap(),
                "[::ffff:169.254.169.254]:80".parse().unwrap(),
            ],
        };
        for addr in [
            "169.254.169.254:80",
            "169.254.170.2:80",
            "[fd00:ec2::254]:80",
            "[::ffff:169.254.169.254]:80",
            "[64:ff9b::a9fe:a9fe]:80",
        ] {
            let verdict = policy.check_endpoint(addr.parse().unwrap());
            assert!(
                verdict.is_err_and(|r| r.contains("no allow-list admits")),
                "{addr}: {verdict:?}"
            );
        }
        // The wide lists still admit other private addresses, naming the list.
        assert_eq!(
            policy.check_endpoint("10.0.0.1:80".parse().unwrap()),
            Ok(Admitted::Listed {
                list: ALLOW_CIDRS_VAR,
                reason: "private (10.0.0.0/8)"
            })
        );
    }

    #[test]
    fn an_endpoint_entry_must_be_an_address_and_a_port() {
        for bad in ["localhost:8765", "127.0.0.1", "127.0.0.1:http"] {
            let error = parse_endpoint(bad).unwrap_err().to_string();
            assert!(error.contains("address:port"), "{bad}: {error}");
        }
    }

    fn refused(s: &str) -> bool {
        AddressPolicy::default().check(s.parse().unwrap()).is_err()
    }

    #[test]
    fn non_public_addresses_are_refused() {
        for ip in [
            "169.254.169.254",
            "127.0.0.1",
            "127.1.2.3",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "::127.0.0.1",
            "2001:db8::1",
        ] {
            assert!(refused(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!refused(ip), "{ip} must pass");
        }
    }

    /// 169.254.169.254 is `a9fe:a9fe`; Teredo stores the client inverted (`5601:5601`).
    #[test]
    fn every_ipv6_embedding_of_the_metadata_address_is_refused() {
        let metadata = "link-local, including instance metadata (169.254.0.0/16)";
        for ip in [
            "::ffff:169.254.169.254",        // IPv4-mapped
            "::ffff:0:169.254.169.254",      // IPv4-translated (SIIT)
            "::ffff:0:a9fe:a9fe",            // the same, in hex
            "64:ff9b::169.254.169.254",      // NAT64 well-known prefix
            "2002:a9fe:a9fe::1",             // 6to4
            "2002:a9fe:a9fe:1234:5678::",    // 6to4, any subnet and host
            "2001:0:808:808::5601:5601",     // Teredo client (public server 8.8.8.8)
            "2001:0:a9fe:a9fe::f7f7:f7f7",   // Teredo server (public client 8.8.8.8)
            "2606:4700::5efe:a9fe:a9fe",     // ISATAP
            "2606:4700::200:5efe:a9fe:a9fe", // ISATAP, universal
        ] {
            let addr: Ipv6Addr = ip.parse().unwrap();
            assert_eq!(
                AddressPolicy::default().check(IpAddr::V6(addr)),
                Err(metadata),
                "{ip}"
            );
        }
        // Local-use NAT64: refused whatever it embeds (the /96 and the /48 embedding of the
        // metadata address, and a public one).
        for ip in [
            "64:ff9b:1::a9fe:a9fe",
            "64:ff9b:1:a9fe:a9:fe00::",
            "64:ff9b:1::808:808",
        ] {
            let reason = AddressPolicy::default().check(ip.parse().unwrap());
            assert!(
                reason.is_err_and(|r| r.contains("64:ff9b:1::/48")),
                "{ip}: {reason:?}"
            );
        }
        // The IPv4-compatible form is refused even when what it embeds is public.
        assert!(refused("::8.8.8.8"));
    }

    #[test]
    fn embedding_forms_of_a_public_address_pass() {
        for ip in [
            "::ffff:0:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:808:808::1",
            "2001:0:808:808::f7f7:f7f7",
            "2606:4700::5efe:808:808",
        ] {
            assert!(!refused(ip), "{ip} must pass");
        }
        assert!(refused("3fff::1"), "documentation (RFC 9637)");
    }

    #[test]
    fn the_allow_list_readmits_only_its_blocks() {
        let policy = AddressPolicy::with_allow_list(vec![
            "127.0.0.1/32".parse().unwrap(),
            "::1".parse().unwrap(),
        ]);
        assert!(policy.check("127.0.0.1".parse().unwrap()).is_ok());
        assert!(policy.check("::1".parse().unwrap()).is_ok());
        assert!(policy.check("127.0.0.2".parse().unwrap()).is_err());
        assert!(policy.check("169.254.169.254".parse().unwrap()).is_err());
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("nonsense".parse::<Cidr>().is_err());
    }
}
