-- Accounts against look-alike names and enumeration (issue 17).
-- `login_key`: the confusable skeleton of the login name (domain::username::username_key),
-- written by the one user insert; rows from before this migration get theirs when the store
-- opens (`fill_login_keys`). Not unique: two old accounts may already look alike, and the
-- check that refuses a new look-alike is made by the app before the insert.
ALTER TABLE users ADD COLUMN login_key TEXT;
CREATE INDEX users_login_key ON users(login_key);
-- The person behind an admin or officer account, shown beside the login name in the audit
-- log and the header (a volunteer's account shows the volunteer's name).
ALTER TABLE users ADD COLUMN person_name TEXT;
-- Login by mobile number or volunteer number finds the volunteer first, then the account.
CREATE INDEX users_volunteer ON users(volunteer_id);
-- An anonymous application must not tell whether an ID number is already registered or
-- under review, so a second open application with the same number is accepted and marked
-- for the reviewer (the admission still refuses a duplicate volunteer).
DROP INDEX applications_open_id_hash;
CREATE INDEX applications_id_hash ON applications(id_hash);
