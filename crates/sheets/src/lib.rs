//! Spreadsheet ledgers in and out (.xlsx and .csv).
