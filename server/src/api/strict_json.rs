//! protobuf JSON takes a message only as a JSON object. serde's derived structs also
//! take an array (fields in order), so `"userNameQuery": [null, null]` would be a
//! query that matches everything. Bodies are deserialized through this view of a
//! parsed `serde_json::Value`, which refuses arrays where a struct is expected, at
//! any depth; everything else is `Value`'s own behaviour.
//!
//! protobuf JSON also takes a field by its proto name (`user_id`) as well as its JSON
//! name (`userId`): this view renames the first to the second wherever a struct names
//! that field, so the message types need no alias per field.

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Error, Map, Value};

pub struct Strict(pub Value);

impl<'de> de::Deserializer<'de> for Strict {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Items(items.into_iter())),
            Value::Object(fields) => visitor.visit_map(Fields::new(fields)),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(Strict(other)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(Fields::new(map).of_struct(fields)),
            Value::Array(_) => Err(de::Error::invalid_type(de::Unexpected::Seq, &visitor)),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Items(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Items {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|v| seed.deserialize(Strict(v)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Fields {
    iter: serde_json::map::IntoIter,
    value: Option<Value>,
    /// A struct's field names (JSON names); empty for a map.
    names: &'static [&'static str],
}

impl Fields {
    fn new(map: Map<String, Value>) -> Self {
        Fields {
            iter: map.into_iter(),
            value: None,
            names: &[],
        }
    }

    fn of_struct(self, names: &'static [&'static str]) -> Self {
        Fields { names, ..self }
    }

    /// `user_id` → `userId` where the struct has a field `userId`; any other key as it is.
    fn json_name(&self, key: String) -> String {
        if !key.contains('_') || self.names.contains(&key.as_str()) {
            return key;
        }
        let mut parts = key.split('_');
        let mut camel = parts.next().unwrap_or_default().to_owned();
        for part in parts {
            let mut chars = part.chars();
            if let Some(first) = chars.next() {
                camel.extend(first.to_uppercase());
                camel.push_str(chars.as_str());
            }
        }
        if self.names.contains(&camel.as_str()) {
            camel
        } else {
            key
        }
    }
}

impl<'de> MapAccess<'de> for Fields {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                let key = self.json_name(key);
                seed.deserialize(key.into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| <Error as de::Error>::custom("a value without its key"))?;
        seed.deserialize(Strict(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(default, rename_all = "camelCase")]
    struct Inner {
        user_name: Option<String>,
        n: Option<u64>,
    }

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(default)]
    struct Outer {
        inner: Option<Inner>,
        list: Vec<Inner>,
        tags: Vec<String>,
    }

    fn parse(text: &str) -> Result<Outer, Error> {
        Outer::deserialize(Strict(serde_json::from_str(text).unwrap()))
    }

    #[test]
    fn objects_parse_and_arrays_are_no_messages() {
        let ok = parse(
            r#"{"inner": {"userName": "a", "n": 3}, "list": [{}], "tags": ["x"], "other": [1]}"#,
        )
        .unwrap();
        assert_eq!(ok.inner.unwrap().user_name.as_deref(), Some("a"));
        assert_eq!(ok.list.len(), 1);
        assert!(parse(r#"{"inner": [null, null]}"#).is_err());
        assert!(parse(r#"{"list": [[null]]}"#).is_err());
        assert!(parse(r#"[null, [], []]"#).is_err());
        assert_eq!(parse(r#"{"inner": null}"#).unwrap().inner, None);
    }

    #[test]
    fn proto_names_are_taken_for_json_names_and_not_twice() {
        let ok = parse(r#"{"inner": {"user_name": "a"}}"#).unwrap();
        assert_eq!(ok.inner.unwrap().user_name.as_deref(), Some("a"));
        let twice = parse(r#"{"inner": {"user_name": "a", "userName": "b"}}"#);
        assert!(twice.unwrap_err().to_string().contains("duplicate field"));
        // Keys of a map, and names no field has, stay as they are.
        let value: std::collections::HashMap<String, u8> =
            Deserialize::deserialize(Strict(serde_json::json!({"a_b": 1}))).unwrap();
        assert!(value.contains_key("a_b"));
    }
}
