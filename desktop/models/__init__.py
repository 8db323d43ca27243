"""Qt item models over the read models of db.queries.details."""
