//! Maps read from the files a user writes, each key once.
//!
//! serde fills a map by inserting every entry in turn, so a key written twice
//! (`{"push": 0.4, "push": 0.3}`) silently keeps the last value, and the value the
//! user meant for another key is lost without a word. Fields that are maps read
//! with [`deserialize`] refuse a repeated key, naming it.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

/// Reads a map with string keys, refusing a key that appears twice; for
/// `#[serde(deserialize_with = "onboard_envs::unique_keys::deserialize")]`.
pub fn deserialize<'de, D, V>(deserializer: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    deserializer.deserialize_map(UniqueKeys(PhantomData))
}

struct UniqueKeys<V>(PhantomData<V>);

impl<'de, V: Deserialize<'de>> Visitor<'de> for UniqueKeys<V> {
    type Value = BTreeMap<String, V>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a map with each key once")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = BTreeMap::new();
        while let Some(key) = access.next_key::<String>()? {
            let value = access.next_value()?;
            if map.contains_key(&key) {
                let shown: String = key.chars().take(60).collect();
                return Err(serde::de::Error::custom(format!(
                    "the key \"{shown}\" appears twice in one map: give each key once"
                )));
            }
            map.insert(key, value);
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Holder {
        #[serde(deserialize_with = "deserialize")]
        map: BTreeMap<String, f64>,
    }

    #[test]
    fn a_repeated_key_is_an_error_naming_it() {
        let error = ron::from_str::<Holder>(r#"(map: {"push": 0.4, "push": 0.3})"#)
            .expect_err("a repeated key");
        assert!(
            error.to_string().contains("\"push\" appears twice"),
            "{error}"
        );
        let holder: Holder = ron::from_str(r#"(map: {"push": 0.4, "email": 0.3})"#).expect("once");
        assert_eq!(holder.map.len(), 2);
    }
}
