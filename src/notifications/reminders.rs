//! TODO(skeleton): deadline reminders.
