//! Activities SQL (both backends).

use async_trait::async_trait;

use super::Backend;
use crate::activities::ActivityStore;

#[async_trait]
impl ActivityStore for Backend {}
