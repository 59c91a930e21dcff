//! Domain events (filled in below).
