"""May we contact this person for this purpose on this channel? Ledger state, suppression
and erasure combined by one rule, read for one person or for thousands at once."""
