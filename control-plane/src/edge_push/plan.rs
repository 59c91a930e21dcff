//! What a push changes: the entries to write (new or different) and the keys to delete.

use std::collections::BTreeMap;

use super::{Entry, digest, is_edge_key};

/// The changes that make a target hold `desired`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Entries to write, with whether they are new.
    pub put: Vec<(Entry, Change)>,
    /// Keys to delete.
    pub delete: Vec<String>,
    /// Entries already right.
    pub unchanged: usize,
}

/// Why an entry is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The target does not have it.
    Added,
    /// The target has another value.
    Changed,
}

impl Plan {
    /// Compares `desired` (key → value) with `current` (key → SHA-256 hex of the value, as
    /// the target reports it). Keys the control plane does not manage are never deleted.
    pub fn between(desired: &BTreeMap<String, String>, current: &BTreeMap<String, String>) -> Self {
        let mut plan = Self::default();
        for (key, value) in desired {
            let change = match current.get(key) {
                None => Change::Added,
                Some(have) if *have == digest(value) => {
                    plan.unchanged += 1;
                    continue;
                }
                Some(_) => Change::Changed,
            };
            plan.put.push((
                Entry {
                    key: key.clone(),
                    value: value.clone(),
                },
                change,
            ));
        }
        plan.delete = current
            .keys()
            .filter(|key| is_edge_key(key) && !desired.contains_key(*key))
            .cloned()
            .collect();
        plan
    }

    /// Whether nothing needs to change.
    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.delete.is_empty()
    }

    /// The diff as lines (`+ key`, `~ key`, `- key`), values shown except the `keys`
    /// entry's, which holds secrets.
    pub fn describe(&self) -> Vec<String> {
        let shown = |e: &Entry| {
            if e.key == afftok_shared::kv::KEYS_KEY {
                match serde_json::from_str::<afftok_shared::kv::KeysDoc>(&e.value) {
                    Ok(doc) => format!("{doc:?}"),
                    Err(_) => "(secret)".to_owned(),
                }
            } else {
                e.value.clone()
            }
        };
        let mut lines: Vec<String> = self
            .put
            .iter()
            .map(|(e, change)| {
                let mark = match change {
                    Change::Added => '+',
                    Change::Changed => '~',
                };
                format!("{mark} {} {}", e.key, shown(e))
            })
            .collect();
        lines.extend(self.delete.iter().map(|k| format!("- {k}")));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn adds_changes_deletes_and_leaves_foreign_keys_alone() {
        let desired = map(&[
            ("offer:1", "{\"a\":1}"),
            ("offer:2", "{\"b\":2}"),
            ("keys", "{}"),
        ]);
        let current = map(&[
            ("offer:1", &digest("{\"a\":1}")),
            ("offer:2", "stale"),
            ("offer:3", "whatever"),
            ("pbk:00", "x"),
            ("someone-else", "y"),
        ]);
        let plan = Plan::between(&desired, &current);
        assert_eq!(plan.unchanged, 1);
        let put: Vec<_> = plan.put.iter().map(|(e, c)| (e.key.as_str(), *c)).collect();
        assert_eq!(put, [("keys", Change::Added), ("offer:2", Change::Changed)]);
        assert_eq!(plan.delete, ["offer:3", "pbk:00"]);
        assert!(!plan.is_empty());
        let lines = plan.describe();
        assert_eq!(lines.len(), 4);
        assert!(lines[1].starts_with("~ offer:2 {\"b\":2}"), "{lines:?}");
        assert_eq!(lines[3], "- pbk:00");
    }

    #[test]
    fn the_keys_entry_is_never_shown() {
        let mut doc = afftok_shared::kv::KeysDoc::new(1);
        doc.add_key(1, &[7u8; 32]);
        let value = serde_json::to_string(&doc).unwrap_or_default();
        let plan = Plan::between(&map(&[("keys", &value)]), &BTreeMap::new());
        let shown = plan.describe().join("\n");
        let secret = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [7u8; 32]);
        assert!(!shown.contains(&secret), "{shown}");
        assert!(shown.contains("kids"), "{shown}");
    }

    #[test]
    fn equal_sides_plan_nothing() {
        let desired = map(&[("offer:1", "v")]);
        let plan = Plan::between(&desired, &map(&[("offer:1", &digest("v"))]));
        assert!(plan.is_empty());
        assert_eq!(plan.unchanged, 1);
    }
}
