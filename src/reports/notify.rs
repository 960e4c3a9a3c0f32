//! TODO(skeleton): who is told about a report event (the werkingsgebied's regisseurs, its
//! reviewer) and what the notice says.
