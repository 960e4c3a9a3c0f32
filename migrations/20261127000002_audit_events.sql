-- Append-only log of security events and changes, written in the same transaction as the change.

create table audit_events (
    audit_event_id bigint generated always as identity primary key,
    occurred_at    timestamptz not null default now(),
    actor_user_id  bigint references users (user_id),
    actor_role     user_role,
    action         text        not null,
    object_type    text,
    object_id      text,
    details        jsonb       not null default '{}'::jsonb,
    client_ip      inet,
    request_id     text
);

create index audit_events_occurred_at_idx on audit_events (occurred_at desc);
create index audit_events_action_idx on audit_events (action, audit_event_id desc);
create index audit_events_actor_idx on audit_events (actor_user_id, audit_event_id desc);

create function audit_events_refuse_change() returns trigger
language plpgsql as $$
begin
    raise exception 'audit_events is append-only: % is not allowed', tg_op
        using errcode = 'insufficient_privilege';
end;
$$;

create trigger audit_events_append_only
    before update or delete on audit_events
    for each row execute function audit_events_refuse_change();

create trigger audit_events_no_truncate
    before truncate on audit_events
    for each statement execute function audit_events_refuse_change();
