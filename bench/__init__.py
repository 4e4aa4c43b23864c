"""`make bench`: the platform's performance figures on a generated database of its own.

`python -m bench` derives a separate database (`<name>_bench`) from DATABASE_URL,
re-runs itself against it with production settings (DEBUG off), fills it once with
set-based SQL and reports the write rate, the batch check and the HTTP single check."""
