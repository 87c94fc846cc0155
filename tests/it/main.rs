//! One integration-test binary: the real router, a real database (SQLite, or PostgreSQL when
//! `ZHIYUAN_TEST_PG` is set), every endpoint.

mod activities;
mod activity_pages;
mod auth;
mod backup_drill;
mod crash;
mod durability;
mod emergency;
mod forms;
mod generator;
mod harness;
mod hostile;
mod name_search;
mod notifications;
mod openapi;
mod orgs;
mod oversight;
mod process;
mod recruitment;
mod recruitment_pages;
mod scope;
mod scope_props;
mod teams;
mod users_audit;
mod volunteers;
