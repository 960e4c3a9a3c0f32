-- Requests only read the application's keys (the one that signs anonymous CSRF cookies); a
-- request that could write them could forge that signature.
revoke insert, update, delete, truncate on app_secrets from regie_app;
