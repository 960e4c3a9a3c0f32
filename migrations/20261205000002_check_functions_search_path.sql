-- A restore (`regie restore`, pg_restore) loads the rows with an empty search_path and checks
-- each row against its table's CHECK constraints as it goes. These two functions, which CHECK
-- constraints call, name the enum types without a schema, so a restore failed with "type
-- agreement_status does not exist". They name their search_path now. (Trigger functions need
-- not: a restore creates the triggers after the rows.) The test
-- `backup::functions_a_restore_runs_name_their_search_path` keeps new ones from forgetting.
alter function agreement_transition_allowed(agreement_status, agreement_status)
    set search_path = public, pg_temp;
alter function report_transition_allowed(report_status, report_status)
    set search_path = public, pg_temp;
