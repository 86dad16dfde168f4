-- 0071 dropped the tables of the scheduler that escalation ran on before Hangfire, but did not name
-- one of them (the paused job groups of 0020). Nothing reads or writes it; the issue asks for all of
-- that scheduler's tables to go.
drop table if exists qrtz_paused_job_grps;
