//! TODO(skeleton): the outbox worker.
