//! The `ip_allow` field of postback keys and API keys: the networks a key may be used from.

use afftok_shared::kv::IpAllowList;

use crate::kernel::error::FieldError;

/// Most networks one key lists.
pub const MAX_NETWORKS: usize = 100;

/// An entry of `ip_allow` in the OpenAPI document: the pattern describes IPv4 (an address,
/// or a network as `address/bits`); IPv6 addresses and networks are taken as well.
#[derive(Debug)]
pub struct Network;

impl utoipa::PartialSchema for Network {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(
                r"^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}(/([0-9]|[12][0-9]|3[0-2]))?$",
            ))
            .description(Some(
                "An address or a CIDR network (`203.0.113.7`, `198.51.100.0/24`); the pattern \
                 describes IPv4, IPv6 is taken as well.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Network {}

/// Reads `entries` (CIDR networks or single addresses) as the field `ip_allow`; every entry at
/// fault is added to `errors` (and the list is then empty).
pub fn parse(entries: &[String], errors: &mut Vec<FieldError>) -> IpAllowList {
    let before = errors.len();
    if entries.len() > MAX_NETWORKS {
        errors.push(FieldError::new(
            "ip_allow",
            format!("must list at most {MAX_NETWORKS} networks"),
        ));
    }
    for (i, entry) in entries.iter().enumerate() {
        if IpAllowList::parse(&[entry]).is_err() {
            errors.push(FieldError::new(
                format!("ip_allow[{i}]"),
                "must be an address or a CIDR network",
            ));
        }
    }
    if errors.len() > before {
        return IpAllowList::default();
    }
    IpAllowList::parse(entries).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn networks_and_addresses_are_read_and_bad_entries_named() {
        let mut errors = Vec::new();
        let list = parse(&strings(&["203.0.113.0/24", "2001:db8::1"]), &mut errors);
        assert!(errors.is_empty());
        assert_eq!(list.entries(), ["203.0.113.0/24", "2001:db8::1/128"]);

        let list = parse(&strings(&["10.0.0.0/8", "nope", "300.1.1.1"]), &mut errors);
        assert!(list.is_empty());
        let fields: Vec<_> = errors.iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["ip_allow[1]", "ip_allow[2]"]);
    }

    #[test]
    fn too_many_networks_are_refused() {
        let mut errors = Vec::new();
        let many: Vec<String> = (0..=MAX_NETWORKS)
            .map(|i| format!("10.0.{i}.0/24"))
            .collect();
        assert!(parse(&many, &mut errors).is_empty());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "ip_allow");
    }
}
