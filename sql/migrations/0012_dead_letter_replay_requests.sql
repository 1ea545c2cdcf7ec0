-- A replay asked for on /integrations is done by the collector process (which owns the
-- mappings), not by the web app: the page marks the letters, the collector's replay job takes
-- every marked open letter, replays it and clears the mark (replayed or failing again).
ALTER TABLE dead_letters ADD COLUMN replay_requested_at timestamptz;
ALTER TABLE dead_letters ADD COLUMN replay_requested_by text;
CREATE INDEX dead_letters_replay_requested ON dead_letters (replay_requested_at, dead_letter_id)
    WHERE replay_requested_at IS NOT NULL;
