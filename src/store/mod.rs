//! Durable state (placeholder until the store lands).
