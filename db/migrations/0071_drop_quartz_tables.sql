-- Quartz is replaced by Hangfire (schema "hangfire", created by Hangfire.PostgreSql at start-up).
-- Its tables from 0020 hold only triggers of the old escalation design; nothing reads them.
drop table if exists qrtz_fired_triggers, qrtz_paused_trigger_grps, qrtz_scheduler_state, qrtz_locks,
    qrtz_simple_triggers, qrtz_cron_triggers, qrtz_simprop_triggers, qrtz_blob_triggers, qrtz_triggers,
    qrtz_job_details, qrtz_calendars, qrtz_execution_history, qrtz_misfire_history, qrtz_job_status cascade;
