//! `zhiyuan-domain`: the pure domain model of the veterans' volunteer service
//! team system (退役军人志愿服务队管理系统).
//!
//! Everything here is synchronous and free of I/O. Values follow the
//! "parse, don't validate" style: each newtype can only be built through a
//! parser that checks it, so holding one is proof that it is valid.
//!
//! Errors are [`DomainError`]s with a stable snake_case `code()` (for
//! programs and tests) and a zh-CN message (for users).
//!
//! ```
//! use chrono::NaiveDate;
//! use zhiyuan_domain::{child_path, volunteer::check_age, Gender, IdNumber, Phone, Scope};
//!
//! let today = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
//! let id = IdNumber::parse_on("11010519491231002x", today).unwrap();
//! assert_eq!(id.masked(), "1101**********002X");
//! assert_eq!(id.gender(), Gender::Female);
//! assert_eq!(check_age(&id, today, false), Ok(75));
//!
//! let err = IdNumber::parse_on("110105194912310021", today).unwrap_err();
//! assert_eq!(err.code(), "id_number_check_digit");
//!
//! assert_eq!(Phone::parse("+86 138-1234-5678").unwrap().masked(), "138****5678");
//!
//! let county = child_path(Some("/nm/ordos/"), "dongsheng");
//! let admin = Scope::Org { org_path: "/nm/ordos/".into() };
//! assert!(admin.covers_org(&county));
//! assert!(!Scope::can_move_under("/nm/", &county));
//! ```

#[macro_use]
mod macros;
mod text;

pub mod activity;
pub mod emergency;
pub mod error;
pub mod id_number;
pub mod org;
pub mod oversight;
pub mod phone;
pub mod recruitment;
pub mod scope;
pub mod team;
pub mod username;
pub mod volunteer;

pub use error::DomainError;
pub use id_number::{Gender, IdNumber};
pub use org::{Level, UnitType};
pub use phone::Phone;
pub use scope::{ancestor_paths, child_path, is_within, path_ids, Role, Scope};
pub use team::{Echelon, Position};
pub use volunteer::{GeoPoint, Health, PersonName, Skills, VeteranDetails};

#[cfg(test)]
mod fuzz_tests;
