-- The volunteers' open-activities view (app/activities/open_view.rs) is kept in memory by every
-- server process and catches up each second from the activity rows changed since its last
-- look (`updated_at >= …`). Every write to an activity row moves `updated_at` (strictly: the
-- sign-up counters too), so this index is all a look needs.
CREATE INDEX activities_updated_at ON activities(updated_at);
