//! Activity and service-hour use cases (issue 4).
