//! Integration tests: the real server on a random port, a fresh database per test,
//! driven over HTTP. Every test runs on SQLite and on Postgres.

mod grpc_client;
mod helpers;
mod smtp;

mod assets;
mod bootstrap;
mod console;
mod crash;
mod email_v1;
mod errors;
mod grpc_parity;
mod grpc_parity_v1;
mod grpc_transport;
mod health;
mod hostile_input;
mod invite_codes;
mod limits_and_concurrency;
mod mail;
mod management_v1;
mod pats;
mod process;
mod scale_out;
mod security_at_rest;
mod security_public;
mod security_target;
mod sessions;
mod user_v2;
