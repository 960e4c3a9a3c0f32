-- Issue #24: payments follow accounting rules.
--
-- A payment is still never edited or deleted. A mistake is now corrected by a reversing entry
-- (storno): a row that names the payment it corrects, with a reason, the same kind and amount,
-- and the opposite effect. Both stay in the history; a payment is corrected at most once, and a
-- correction is not corrected (a new, right payment is entered instead).
--
-- A payment that would take the net paid of a werkingsgebied and year above its allocation in
-- force is refused, unless it is marked as an overpayment with a motivation.
alter table payments
    add column corrects_payment_id bigint references payments (payment_id),
    add column reason              text not null default '',
    add column overpayment_reason  text not null default '',
    -- What the row adds to the net paid, in cents: negative for a recovery (terugvordering)
    -- and for the correction of an advance or a balance.
    add column net_cents bigint generated always as (
        case when (kind = 'terugvordering') <> (corrects_payment_id is not null)
             then -amount_cents else amount_cents end) stored,
    add constraint payments_corrected_once unique (corrects_payment_id),
    add constraint payments_correction_reason check (
        corrects_payment_id is null or char_length(btrim(reason)) > 0),
    add constraint payments_reason_length check (
        char_length(reason) <= 2000 and char_length(overpayment_reason) <= 2000);

create index payments_corrects_idx on payments (corrects_payment_id)
    where corrects_payment_id is not null;

-- Checks a new payment against the one it corrects and against the allocation: the net paid
-- may neither go above the allocation in force (unless the row says why: an overpayment) nor
-- below zero (more recovered than paid). Payments of one werkingsgebied are taken one at a time
-- (a transaction-level advisory lock on it): the sum read next, with a fresh snapshot, holds
-- what a payment saved at the same moment committed.
create function payments_guard() returns trigger
language plpgsql as $$
declare
    original  payments%rowtype;
    effect    bigint;
    paid      bigint;
    allocated bigint;
begin
    perform pg_advisory_xact_lock(hashtextextended('regie.payments:' || new.partnership_id, 0));
    if new.corrects_payment_id is not null then
        select * into original from payments where payment_id = new.corrects_payment_id;
        if original.payment_id is null
           or original.corrects_payment_id is not null
           or (original.partnership_id, original.year, original.kind, original.amount_cents)
              is distinct from (new.partnership_id, new.year, new.kind, new.amount_cents) then
            raise exception 'payment % is no payment this row can correct', new.corrects_payment_id
                using errcode = 'check_violation', constraint = 'payments_correction_matches';
        end if;
    end if;
    effect := case when (new.kind = 'terugvordering') <> (new.corrects_payment_id is not null)
                   then -new.amount_cents else new.amount_cents end;
    select coalesce(sum(net_cents), 0) into paid
    from payments where partnership_id = new.partnership_id and year = new.year;
    if effect < 0 and paid + effect < 0 then
        raise exception 'payments of werkingsgebied % in % would go below zero', new.partnership_id, new.year
            using errcode = 'check_violation', constraint = 'payments_not_below_zero';
    end if;
    if effect > 0 and char_length(btrim(new.overpayment_reason)) = 0 then
        select coalesce(max(amount_cents), 0) into allocated
        from allocations
        where partnership_id = new.partnership_id and year = new.year and superseded_at is null;
        if paid + effect > allocated then
            raise exception 'payments of werkingsgebied % in % would exceed its allocation', new.partnership_id, new.year
                using errcode = 'check_violation', constraint = 'payments_within_allocation';
        end if;
    end if;
    return new;
end
$$;

-- Triggers of one kind fire in the order of their names: the year is checked first (its
-- message is the one that fits a payment outside the period), then the accounting rules.
drop trigger payments_year_in_period on payments;
create trigger payments_1_year_in_period before insert or update on payments
    for each row execute function budget_year_in_period();
create trigger payments_2_guard before insert on payments
    for each row execute function payments_guard();

-- What was allocated, paid (net) and reported as spent per werkingsgebied and year: the one
-- definition the budget pages, the dashboard and the data-quality list read their signals from.
create view budget_positions as
select partnership_id,
       year,
       a.amount_cents as allocated_cents,
       coalesce(p.paid_cents, 0)::bigint as paid_cents,
       s.staff_cents + s.operating_cents + s.actions_cents as spent_cents
from (select partnership_id, year, amount_cents from allocations where superseded_at is null) a
full join (select partnership_id, year, sum(net_cents) as paid_cents
           from payments group by partnership_id, year) p using (partnership_id, year)
full join spending_reports s using (partnership_id, year);

grant select on budget_positions to regie_app;
