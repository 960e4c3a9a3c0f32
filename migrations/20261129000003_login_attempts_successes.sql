-- Throttling looks up an account's last successful sign-in on every attempt; the two indexes of
-- login_attempts cover failures only.
create index login_attempts_success_idx on login_attempts (email_key, attempted_at) where succeeded;
