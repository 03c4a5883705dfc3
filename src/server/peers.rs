//! Who is asking: lists of address ranges (with the named preset of the
//! addresses 1NCE posts from), and the client's address read through a
//! trusted proxy's `X-Forwarded-For`.

use std::net::IpAddr;
use std::str::FromStr;

use http::HeaderMap;
use ipnet::IpNet;

use super::settings::SettingsError;

/// The addresses 1NCE's Data Streamer (and SMS Forwarder) posts from: its
/// Frankfurt breakout, whatever the organisation's own breakout setting
/// (1NCE's "Internet Breakout" help page).
pub const ONENCE_STREAMER_SOURCES: &[&str] = &[
    "18.197.48.88",
    "18.196.213.123",
    "18.158.164.113",
    "18.159.233.211",
    "18.159.81.202",
    "18.184.88.141",
    "18.193.1.150",
    "18.193.152.39",
    "18.195.228.33",
    "18.195.39.164",
    "18.196.220.3",
    "18.198.73.229",
    "3.122.48.136",
    "3.124.161.167",
    "3.125.204.250",
    "3.127.225.197",
    "3.69.185.69",
    "3.70.63.102",
    "3.72.206.109",
    "3.72.220.2",
    "3.74.239.61",
    "3.76.234.36",
    "3.76.246.25",
    "3.76.71.73",
    "3.77.128.21",
    "3.78.103.144",
    "3.78.105.161",
    "3.78.11.129",
    "3.78.118.82",
    "3.78.22.61",
    "3.78.30.118",
    "3.78.54.227",
    "3.78.80.178",
    "52.58.166.184",
];

/// The name of the preset of [`ONENCE_STREAMER_SOURCES`] in a list.
pub const ONENCE_PRESET: &str = "1nce";

/// A list of address ranges: `CIDR,CIDR,...`, where an entry may be a
/// bare address (a range of one) or the preset `1nce`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressList {
    ranges: Vec<IpNet>,
}

impl AddressList {
    /// The addresses 1NCE posts its Data Streamer from.
    pub fn onence_streamer() -> AddressList {
        let ranges = ONENCE_STREAMER_SOURCES
            .iter()
            .filter_map(|a| IpAddr::from_str(a).ok().map(IpNet::from))
            .collect();
        AddressList { ranges }
    }

    /// Whether `address` is in one of the ranges. An IPv4 address seen as
    /// IPv6 (`::ffff:a.b.c.d`, as a dual-stack socket gives it) counts as
    /// its IPv4 self.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.ranges.iter().any(|r| r.contains(&address))
    }

    /// Whether the list names no range.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// This list with `other`'s ranges too.
    pub fn extended(mut self, other: &AddressList) -> AddressList {
        self.ranges.extend(other.ranges.iter().copied());
        self
    }
}

impl FromStr for AddressList {
    type Err = SettingsError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut list = AddressList::default();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry.eq_ignore_ascii_case(ONENCE_PRESET) {
                list = list.extended(&AddressList::onence_streamer());
                continue;
            }
            let range = IpNet::from_str(entry)
                .or_else(|_| IpAddr::from_str(entry).map(IpNet::from))
                .map_err(|_| {
                    SettingsError(format!(
                        "{entry:?} is not an address range: give CIDR ranges (203.0.113.0/24, 2001:db8::/32), addresses, or the preset {ONENCE_PRESET}"
                    ))
                })?;
            list.ranges.push(range.trunc());
        }
        if list.is_empty() {
            return Err(SettingsError("an address list names no range".into()));
        }
        Ok(list)
    }
}

/// An IPv4-mapped IPv6 address as IPv4; any other as it is.
pub(crate) fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The client's address: the peer's own, unless the peer is a trusted
/// proxy; then the last address in `X-Forwarded-For` that is not itself a
/// trusted proxy (each proxy appends the address it saw). `None` when a
/// trusted proxy forwards something that is not an address, so that a
/// garbled header never passes as an allowed client.
pub(crate) fn client_address(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: &AddressList,
) -> Option<IpAddr> {
    let peer = canonical(peer);
    if trusted.is_empty() || !trusted.contains(peer) {
        return Some(peer);
    }
    let mut forwarded: Vec<&str> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        forwarded.extend(value.to_str().ok()?.split(',').map(str::trim));
    }
    for entry in forwarded.into_iter().rev().filter(|e| !e.is_empty()) {
        let address = canonical(parse_forwarded(entry)?);
        if !trusted.contains(address) {
            return Some(address);
        }
    }
    Some(peer)
}

/// An `X-Forwarded-For` entry: an address, `a.b.c.d:port` or `[v6]:port`.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    if let Ok(address) = IpAddr::from_str(entry) {
        return Some(address);
    }
    if let Ok(socket) = std::net::SocketAddr::from_str(entry) {
        return Some(socket.ip());
    }
    IpAddr::from_str(entry.trim_start_matches('[').trim_end_matches(']')).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in xff {
            map.append("x-forwarded-for", value.parse().unwrap());
        }
        map
    }

    #[test]
    fn lists_parse_ranges_addresses_and_the_preset() {
        let list: AddressList = "10.0.0.0/8, 2001:db8::1,1nce".parse().unwrap();
        assert!(list.contains("10.2.3.4".parse().unwrap()));
        assert!(list.contains("2001:db8::1".parse().unwrap()));
        assert!(list.contains("52.58.166.184".parse().unwrap()));
        assert!(list.contains("::ffff:10.9.9.9".parse().unwrap()));
        assert!(!list.contains("11.0.0.1".parse().unwrap()));
        let bad = "10.0.0.0/33".parse::<AddressList>().unwrap_err();
        assert!(bad.0.contains("\"10.0.0.0/33\""), "{bad}");
        assert!("".parse::<AddressList>().is_err());
        assert_eq!(
            AddressList::onence_streamer().ranges.len(),
            ONENCE_STREAMER_SOURCES.len()
        );
    }

    #[test]
    fn forwarded_addresses_count_only_through_a_trusted_proxy() {
        let proxy: AddressList = "127.0.0.1".parse().unwrap();
        let from =
            |peer: &str, xff: &[&str]| client_address(peer.parse().unwrap(), &headers(xff), &proxy);
        // Not through the proxy: the header is the client's own words.
        assert_eq!(
            from("192.0.2.9", &["3.78.80.178"]),
            "192.0.2.9".parse().ok()
        );
        // Through it: the last address the proxy did not add itself.
        assert_eq!(
            from("127.0.0.1", &["6.6.6.6, 3.78.80.178", "127.0.0.1"]),
            "3.78.80.178".parse().ok()
        );
        assert_eq!(from("127.0.0.1", &[]), "127.0.0.1".parse().ok());
        assert_eq!(
            from("127.0.0.1", &["[2001:db8::5]:443"]),
            "2001:db8::5".parse().ok()
        );
        assert_eq!(from("127.0.0.1", &["not-an-address"]), None);
    }
}
