//! TODO(skeleton): reading reports.
