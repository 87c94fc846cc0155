//! Recruitment use cases (issue 3).
