-- The emitting service of an entry (optional).
ALTER TABLE log_entries ADD COLUMN service TEXT;
