//! Storage for activities and service hours (issue 4): projects, activities, sign-ups,
//! attendance, service records and amendments, certificates.

use async_trait::async_trait;

#[async_trait]
pub trait ActivityStore: Send + Sync {}
