//! Activities and service hours (issue 4): API tests.
