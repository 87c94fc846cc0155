//! Internal macro for closed vocabularies (code lists) stored as snake_case
//! strings and shown with a Chinese label.

/// Declares a fieldless enum whose values are stored as stable snake_case
/// codes and labelled in Chinese. Generates `as_str`, `label_zh`, `parse`,
/// `all`, `FromStr` and serde (de)serialisation under the same codes.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            field = $field:literal, code = $code:literal, what = $what:literal;
            $(
                $(#[$vmeta:meta])*
                $variant:ident => ($s:literal, $zh:literal),
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $s)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub fn all() -> &'static [$name] {
                &[$($name::$variant),+]
            }

            /// The stable snake_case code (used in storage and APIs).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $s,)+
                }
            }

            /// The Chinese label shown to users.
            pub fn label_zh(self) -> &'static str {
                match self {
                    $($name::$variant => $zh,)+
                }
            }

            /// Parses a snake_case code (surrounding whitespace is ignored).
            pub fn parse(s: &str) -> Result<$name, $crate::DomainError> {
                match s.trim() {
                    $($s => Ok($name::$variant),)+
                    _ => Err($crate::DomainError::new(
                        $field,
                        $code,
                        format!(concat!("无效的", $what, "：“{}”"), $crate::error::echo(s)),
                    )),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }
    };
}

/// Generates the standard tests for a `code_enum!` type: codes round-trip
/// through `parse` and serde, labels are non-empty, unknown codes fail.
#[cfg(test)]
macro_rules! code_enum_tests {
    ($name:ident, $code:literal) => {
        #[test]
        fn code_enum_round_trips() {
            let all = $name::all();
            for v in all {
                assert_eq!($name::parse(v.as_str()), Ok(*v));
                assert_eq!(v.as_str().parse::<$name>(), Ok(*v));
                assert!(!v.label_zh().is_empty());
                let de: $name =
                    serde::Deserialize::deserialize(serde::de::value::StrDeserializer::<
                        serde::de::value::Error,
                    >::new(v.as_str()))
                    .unwrap();
                assert_eq!(de, *v);
            }
            let mut codes: Vec<_> = all.iter().map(|v| v.as_str()).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), all.len());
        }

        #[test]
        fn code_enum_rejects_unknown() {
            for bad in ["", "nope", "UNKNOWN"] {
                let e = $name::parse(bad).unwrap_err();
                assert_eq!(e.code(), $code);
            }
        }
    };
}
