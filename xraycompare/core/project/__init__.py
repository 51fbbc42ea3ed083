"""Project files: the schema, reading with validation and migration, atomic saving,
finding a project's films again, and recovery files."""
