//! Storage for recruitment (issue 3): applications, review steps, eligibility policies,
//! registration number ranges, spot checks.

use async_trait::async_trait;

#[async_trait]
pub trait RecruitmentStore: Send + Sync {}
