//! The web crate's integration tests, one binary: each module drives the real router over
//! real SQLite (or PostgreSQL when configured) through `common::TestApp`. One binary rather than
//! one per file keeps link time and disk down; every module still reads as its own suite.

mod common;

mod api_alerts;
mod api_assessments;
mod api_auth;
mod api_chart;
mod api_dosing;
mod api_eligibility;
mod api_enquiries;
mod api_input;
mod api_instruments;
mod api_patients;
mod api_pk;
mod api_sessions;
mod assessment_corrections;
mod billing;
mod board;
mod booking;
mod calendar_feeds;
mod courses;
mod dashboard;
mod fhir;
mod fhir_clinical;
mod fhir_export;
mod fhir_observation_create;
mod inventory;
mod openapi;
mod rems_forms;
mod routes_roles;
mod safety_plan;
mod self_report;
mod ui_alerts;
mod ui_assessments;
mod ui_chart;
mod ui_curves;
mod ui_dosing;
mod ui_enquiries;
mod ui_evaluation;
mod ui_pages;
mod ui_register;
mod worklist;
