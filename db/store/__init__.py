"""Storage: the database and its models, migrations, search index, audit trail and its anchor,
backups, encryption, file places and the log, and the lifecycle rules every stored change goes
through."""
