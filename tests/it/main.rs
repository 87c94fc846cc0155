//! One integration-test binary: the real router, a real database (SQLite, or PostgreSQL when
//! `ZHIYUAN_TEST_PG` is set), every endpoint.

mod activities;
mod activity_pages;
mod auth;
mod durability;
mod forms;
mod harness;
mod orgs;
mod process;
mod recruitment;
mod recruitment_pages;
mod scope;
mod scope_props;
mod teams;
mod users_audit;
mod volunteers;
