//! Recruitment (issue 3): API tests.
