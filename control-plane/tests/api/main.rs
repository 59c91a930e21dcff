//! The control plane over HTTP: every test gets its own Postgres database, its own Redis key
//! prefix and a server on a free port (`helpers::spawn_app`).

mod helpers;
mod receiver;
mod tracking;

mod admin_users;
mod api_keys;
mod assistant;
mod assistant_chat;
mod attribution;
mod auth;
mod cli;
mod contests;
mod conversions;
mod edge_push;
mod errors;
mod events;
mod fraud;
mod fraud_admin;
mod fraud_insights;
mod fraud_ranges;
mod hardening;
mod health;
mod idempotency;
mod ingest;
mod leaderboards;
mod mail;
mod marketplace;
mod money;
mod offers;
mod openapi;
mod points;
mod postback_keys;
mod profile;
mod promoter_postbacks;
mod rate_limits;
mod sandbox;
mod stats;
mod teams;
mod web;
mod webhook_examples;
mod webhooks;
mod webhooks_ssrf;
