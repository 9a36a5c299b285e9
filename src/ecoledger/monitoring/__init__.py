"""Environmental quality (surface water, Poyang Lake phosphorus, air) and early warning."""
