//! The integration tests: one binary that drives the real router against real PostgreSQL, a
//! fresh database per test, and a real headless Chromium for the end-to-end flows.

mod access;
mod actions;
mod agreement_commitments;
mod agreement_documents;
mod agreements;
mod agreements_overview;
mod appointments;
mod audit;
mod auth;
mod browser;
mod budget_overview;
mod budget_partnership;
mod budget_simulation;
mod budget_year;
mod cli;
mod coverage;
mod csrf;
mod dashboard;
mod demo_reports;
mod embedded;
mod helpers;
mod idor;
mod municipalities;
mod notifications;
mod partnerships;
mod privileges;
mod reports_page;
mod reports_workflow;
mod security;
mod smtp;
mod start;
mod two_step;
mod users;
mod vdab;
mod web;
