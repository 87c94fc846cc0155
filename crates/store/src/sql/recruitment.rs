//! Recruitment SQL (both backends).

use async_trait::async_trait;

use super::Backend;
use crate::recruitment::RecruitmentStore;

#[async_trait]
impl RecruitmentStore for Backend {}
