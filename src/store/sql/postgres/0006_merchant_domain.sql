-- A merchant's own verified domain ("shop.example.com"): protected by the link guard's
-- lookalike checks like the built-in brands. Set by the operator after verifying ownership.
ALTER TABLE merchants ADD COLUMN domain TEXT;
