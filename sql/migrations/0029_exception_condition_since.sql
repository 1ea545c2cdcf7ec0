-- When an exception's condition began, as the facts tell it (an invoice's due date plus grace,
-- the scan that reported a delay, the moment a stage ran past its SLA), beside opened_at, when
-- tower raised it. After a backfill the two are far apart: a payment 20 days overdue is raised
-- the minute its facts arrive, and its age (on /exceptions) is 20 days, not a few minutes.
-- People's response times (MTTA, MTTR, SLA) still run from opened_at: nobody could act before
-- tower saw the facts. NULL = the rule does not know (ages fall back to opened_at).
ALTER TABLE exceptions ADD COLUMN condition_since timestamptz;

-- A history exception's condition began when it opened (its true time, from the facts).
UPDATE exceptions SET condition_since = opened_at WHERE origin = 'history';
