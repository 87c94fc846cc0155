-- Sign-ups (issue 4): the number waitlisted now lives on the activity like `confirmed`, kept in
-- the same transactions that move a sign-up in or out of the queue. A new waitlisted sign-up's
-- position is then that number, instead of a count over the whole queue on every batch.
ALTER TABLE activities ADD COLUMN waitlisted BIGINT NOT NULL DEFAULT 0;
UPDATE activities SET waitlisted = (
    SELECT COUNT(*) FROM signups s WHERE s.activity_id = activities.id AND s.status = 'waitlisted'
);
