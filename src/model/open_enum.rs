//! Enums that keep values the documents do not list.
//!
//! 1NCE adds enum values without notice (new SIM states, network types beyond
//! the documented list, new order types). The spec pipeline marks every enum
//! that appears in a response `x-onence-open-enum`, and `codegen.rs`
//! defines each with [`open_enum!`]: the documented values as variants, plus
//! `Other(String)` holding anything else exactly as the API sent it. Enums in
//! requests stay closed: a caller can only send a documented value.

/// Defines an open enum: its documented variants with their wire values, and
/// `Other(String)`. Display, `FromStr` (infallible), serde (any scalar decodes;
/// the raw text encodes unchanged) and a JSON schema come with it.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $value:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        ///
        /// An open enum: a value the documents do not list is kept in
        /// `Other`, unchanged, instead of failing the answer.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value the API documents do not list, as the API sent it.
            Other(::std::string::String),
        }

        impl $name {
            /// The documented values, in the documents' order.
            pub const KNOWN: &'static [&'static str] = &[$($value),+];

            /// The value as the API spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $value, )+
                    Self::Other(raw) => raw,
                }
            }

            /// False for a value the documents do not list.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(match value {
                    $( $value => Self::$variant, )+
                    other => Self::Other(other.to_string()),
                })
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value.parse() {
                    Ok(v) => v,
                    Err(never) => match never {},
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    $( $value => Self::$variant, )+
                    _ => Self::Other(value),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                $crate::model::open_enum::raw_scalar(d).map(Self::from)
            }
        }

        #[cfg(feature = "mcp")]
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::string::String {
                stringify!($name).to_string()
            }
            fn json_schema(_: &mut ::schemars::gen::SchemaGenerator) -> ::schemars::schema::Schema {
                $crate::model::open_enum::schema(Self::KNOWN)
            }
        }
    };
}
pub(crate) use open_enum;

/// Reads any JSON scalar as its text: a drifted enum value sent as a number
/// or a boolean is kept, not refused.
pub(crate) fn raw_scalar<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Number(serde_json::Number),
        Flag(bool),
    }
    Ok(match <Scalar as serde::Deserialize>::deserialize(d)? {
        Scalar::Text(t) => t,
        Scalar::Number(n) => n.to_string(),
        Scalar::Flag(b) => b.to_string(),
    })
}

/// The schema of an open enum: a string; the documented values are listed as
/// examples, since any other string is accepted too.
#[cfg(feature = "mcp")]
pub(crate) fn schema(known: &[&str]) -> schemars::schema::Schema {
    schemars::schema::SchemaObject {
        instance_type: Some(schemars::schema::InstanceType::String.into()),
        metadata: Some(Box::new(schemars::schema::Metadata {
            examples: known.iter().map(|v| serde_json::json!(v)).collect(),
            ..Default::default()
        })),
        ..Default::default()
    }
    .into()
}

#[cfg(test)]
mod tests {
    open_enum! {
        /// A test enum.
        Colour { Red = "RED", NbIoT = "NB-IoT" }
    }

    #[test]
    fn documented_values_are_variants_and_others_are_kept_raw() {
        let c: Colour = serde_json::from_str("\"RED\"").unwrap();
        assert_eq!(c, Colour::Red);
        let c: Colour = serde_json::from_str("\"LTE-M\"").unwrap();
        assert_eq!(c, Colour::Other("LTE-M".into()));
        assert!(!c.is_known());
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"LTE-M\"");
        assert_eq!(c.to_string(), "LTE-M");
        let n: Colour = serde_json::from_str("7").unwrap();
        assert_eq!(n.as_str(), "7");
        assert_eq!("NB-IoT".parse::<Colour>().unwrap(), Colour::NbIoT);
        assert_eq!(Colour::KNOWN, &["RED", "NB-IoT"]);
        assert!(serde_json::from_str::<Colour>("{}").is_err());
    }
}
