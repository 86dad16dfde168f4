-- An integration key serves Open311 clients, the 12345 hotline system, or both. Keys issued before
-- this column existed could be used for both, so they keep that (the admin page shows it and can
-- narrow it); a key inserted without a scope from now on is an Open311 key only.
alter table open311_api_keys add column scope text not null default 'both'
    check (scope in ('open311', 'hotline', 'both'));
alter table open311_api_keys alter column scope set default 'open311';
