-- Sign-out, a password reset and deactivation end every session of a person on every node. Each
-- sign-in cookie carries the security stamp it was issued under; a node refuses a cookie whose stamp
-- is no longer the person's (checked against this column, cached for a few seconds per node).
alter table people add column security_stamp uuid not null default gen_random_uuid();

-- A deactivated person cannot sign in and his sessions end; his history stays.
alter table people add column deactivated_at timestamptz;
