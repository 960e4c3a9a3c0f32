//! The integration tests: one binary that drives the real router against real PostgreSQL, a
//! fresh database per test, and a real headless Chromium for the end-to-end flows.

mod access;
mod audit;
mod auth;
mod browser;
mod cli;
mod csrf;
mod embedded;
mod helpers;
mod municipalities;
mod users;
mod web;
