//! End-to-end tests that drive several AffTok components together (control plane, edges,
//! Postgres, Redis) arrive with the "Edge config push" issue. Each component's own
//! end-to-end tests live with it, e.g. `edge/native/tests/`.
