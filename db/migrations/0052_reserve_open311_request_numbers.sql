-- An Open311 request with only an address used to get a token that resolved only once an operator
-- placed it on the map, so clients that poll briefly gave up and posted again. Its case number is now
-- taken from case_no_seq when the request arrives and answered at once as service_request_id; the case
-- made when an operator places the request carries that number.
alter table open311_requests add column case_no text unique;
