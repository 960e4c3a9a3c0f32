-- Indexes for the action list's filters that the date index cannot apply. A filter that
-- matches few of the newest actions (a rare target group, a status, a kind) is answered from
-- all its matches, sorted (`actions::list_queries::fetch_by_date`); without these indexes that
-- read every action. Partial like `actions_list_idx`: the lists never show deleted actions.
-- The priorities already have `actions_priorities_idx`.
create index actions_target_groups_idx on actions using gin (target_groups) where deleted_at is null;
create index actions_status_idx on actions (status) where deleted_at is null;
create index actions_kind_idx on actions (kind) where deleted_at is null;
