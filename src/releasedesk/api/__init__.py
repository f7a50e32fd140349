"""HTTP dialects: each translates its vendor's JSON to core calls and back."""
